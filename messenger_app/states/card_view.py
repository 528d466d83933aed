"""What the client card shows of the CRM (R2-R7), as one typed value for the screen.

InboxState keeps a `crm: CardCrm` next to its `card` dict and fills it in `_load_card`, so
the live listener refreshes it together with the rest of the open dialog. No Reflex here
(states/card.py holds the handlers), so inbox.py can import it without a cycle.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import quote

from messenger_app import settings
from messenger_app.services import bot, crm, folders, scenarios


@dataclass
class VarRow:
    key: str = ""
    label: str = ""
    type: str = "text"  # text | number | date | bool | link | select
    value: str = ""  # as stored: ISO date, "yes"/"no", normalised number, URL
    shown: str = ""  # as the card shows it (25.11.2026 for a date)
    on: bool = False  # a yes/no field that is "yes"
    options: list[str] = field(default_factory=list)


@dataclass
class FolderOpt:
    id: str = ""
    name: str = ""
    checked: bool = False


@dataclass
class CardCrm:
    contact_id: str = ""
    dialog_id: str = ""
    first_name: str = ""
    last_name: str = ""
    phone: str = ""
    call_url: str = ""  # tel:+7... or the configured click-to-call URL
    call_external: bool = False  # the click-to-call URL opens in a new tab
    tag1: str = ""
    tag2: str = ""
    blacklisted: bool = False
    bot_paused: bool = False
    vars: list[VarRow] = field(default_factory=list)
    folders: list[FolderOpt] = field(default_factory=list)  # every custom folder (R4)
    folder_names: list[str] = field(default_factory=list)  # the ones the client is in
    tag2_options: list[str] = field(default_factory=list)
    # the chat-bot (B1): the scenario running for this client and the ones that can be started
    bot_run: str = ""  # run id ("" = none)
    bot_scenario: str = ""
    bot_version: str = ""
    bot_step: str = ""  # the step's type and the start of its text
    bot_status: str = ""  # running | paused | waiting_operator
    bot_waits: str = ""  # answer | button | timer | ""
    bot_scenarios: list[FolderOpt] = field(default_factory=list)  # published: (id, name)


def call_url(phone: str, template: str | None = None) -> tuple[str, bool]:
    """R2: ("tel:+79991234567", False), or the CLICK_TO_CALL_URL with {phone} filled in
    (URL-quoted E.164) and True (opens in a new tab). ("", False) without a phone."""
    if not phone:
        return "", False
    template = settings.get().click_to_call_url if template is None else template
    if template and re.match(r"(?i)^https?://", template):
        if "{phone}" in template:
            return template.replace("{phone}", quote(phone, safe="")), True
        return template + quote(phone, safe=""), True
    return "tel:" + phone, False


def _shown(ftype: str, value: str) -> str:
    if ftype == "date" and value:
        try:
            return date.fromisoformat(value).strftime("%d.%m.%Y")
        except ValueError:
            return value
    return value


def load_crm(contact_id: int, dialog_id: int) -> CardCrm:
    """Everything the card's CRM part needs, for one client (a handful of small queries)."""
    try:
        c = crm.card(contact_id)
    except crm.CrmError:
        return CardCrm()
    mine = {f.id for f in folders.folders_of(contact_id)}
    every = folders.list_folders()
    url, external = call_url(c["phone"])
    run = bot.current(contact_id)
    return CardCrm(
        bot_run=str(run.run_id) if run else "", bot_scenario=run.scenario_name if run else "",
        bot_version=str(run.version) if run else "", bot_step=run.step_label if run else "",
        bot_status=run.status if run else "", bot_waits=run.waiting_for if run else "",
        bot_scenarios=[FolderOpt(str(i), n) for i, n in scenarios.published()],
        contact_id=str(contact_id), dialog_id=str(dialog_id),
        first_name=c["first_name"], last_name=c["last_name"], phone=c["phone"],
        call_url=url, call_external=external, tag1=c["tag1"], tag2=c["tag2"],
        blacklisted=bool(c["blacklisted"]), bot_paused=bool(c["bot_paused"]),
        vars=[VarRow(key=v["key"], label=v["label"], type=v["type"], value=v["value"],
                     shown=_shown(v["type"], v["value"]), on=v["value"] == "yes",
                     options=[str(o) for o in v["options"]])
              for v in crm.values_of(contact_id)],
        folders=[FolderOpt(str(f.id), f.name, f.id in mine) for f in every],
        folder_names=[f.name for f in every if f.id in mine],
        tag2_options=crm.list_tag2_options(),
    )
