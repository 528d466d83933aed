"""What the message detail modal (C4) shows: the service's facts about one message turned
into display strings in the operator's language and time zone."""

from __future__ import annotations

import json
from datetime import datetime

from messenger_app.services import message_details
from messenger_app.states import view


def _fmt(dt, tz: str) -> str:
    d = view.local(dt, tz)
    return d.strftime("%d.%m.%Y %H:%M:%S") if d else ""


def shown(d: dict, t: dict[str, str], tz: str
          ) -> tuple[dict[str, str], list[dict[str, str]], list[dict[str, str]], str]:
    """The modal's header fields, status history, attachment rows and raw attachment JSON."""
    sender = {"client": t["sender_client"], "bot": t["sender_bot"]}.get(
        d["sender_kind"], d["operator"] or d["sender_kind"])
    if d["sender_kind"] == "bot" and d.get("origin_label"):
        sender = t["sender_bot"] + " · " + d["origin_label"]
    direction = {"in": t["dir_in"], "out": t["dir_out"], "note": t["dir_note"]}.get(
        d["direction"], d["direction"])
    ident = d["identity_name"]
    if d["identity_username"] and d["identity_username"] != ident:
        ident = f"{ident} (@{d['identity_username']})" if ident else f"@{d['identity_username']}"
    detail = {
        "id": str(d["id"]), "external_id": d["external_id"], "dialog_id": str(d["dialog_id"]),
        "subject": d["subject"],
        "contact_id": str(d["contact_id"]),
        "channel": d["channel_kind"] or "", "channel_name": d["channel_name"],
        "identity": d["identity_external_id"], "identity_name": ident,
        "direction": direction, "dir": d["direction"], "sender": sender,
        "status": (t.get(f"status_{d['status']}", d["status"]) if d["direction"] == "out"
                   else t["dir_note"] if d["direction"] == "note" else t["status_received"]),
        "error": d["error"], "attempts": str(d["attempts"]),
        "created": _fmt(d["created_at"], tz), "sent": _fmt(d["sent_at"], tz),
        "updated": _fmt(d["updated_at"], tz), "tz": tz,
        # C4: the scenario, version and step that sent a bot message ("" otherwise)
        "scenario": (t["md_scenario_value"].format(name=d["scenario"]["name"], version=d["scenario"]["version"],
                                                   step=d["scenario"]["step"]) if d.get("scenario") else ""),
    }
    hist = []
    for h in d["status_history"]:
        at = str(h.get("at") or "")
        try:
            at = _fmt(datetime.fromisoformat(at), tz)
        except ValueError:
            pass
        st = str(h.get("status") or "")
        hist.append({"status": t.get(f"status_{st}", st), "code": st, "at": at,
                     "error": str(h.get("error") or ""),
                     "attempt": str(h.get("attempt") or "")})
    raw = json.dumps(d["attachments"], ensure_ascii=False, indent=2) if d["attachments"] else ""
    return detail, hist, message_details.attachment_rows(d["attachments"]), raw
