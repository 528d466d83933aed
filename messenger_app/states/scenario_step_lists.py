"""The scenario editor's side panel: the selected step's lists: a message's buttons, a
branch's conditions (each a flat list of filter leaves) and an act step's actions.

Mixed into states/scenario_editor.ScenarioEditorState."""

from __future__ import annotations

import reflex as rx

from messenger_app.states import scenario_graph as G
from messenger_app.states.auth import admin_required


class ScenarioStepLists(rx.State, mixin=True):
    """Button, condition and action handlers of ScenarioEditorState (uses its draft, `_edit`,
    `_save`)."""

    # buttons
    @rx.event
    @admin_required
    def add_button(self):
        g, n = self._edit()
        if n is None or n["type"] not in ("send", "ask"):
            return
        buttons = n["data"].setdefault("buttons", [])
        try:
            G.add_item(buttons, "b", {"label": self.t["sc_new_button"].format(n=len(buttons) + 1)},
                       G.MAX_BUTTONS)
        except ValueError:
            return
        G.prune_edges(g)
        self._save(g, remount=True)

    @rx.event
    @admin_required
    def set_button(self, button_id: str, label: str):
        g, n = self._edit()
        if n is None:
            return
        for b in n["data"].get("buttons") or []:
            if str(b.get("id")) == str(button_id):
                b["label"] = G.clean_text(label, G.MAX_LABEL)
        self._save(g)

    @rx.event
    @admin_required
    def remove_button(self, button_id: str):
        self._remove_item("buttons", button_id)

    def _remove_item(self, key: str, item_id: str) -> None:
        """Drop a button or a condition of the selected step, and the edge of its exit."""
        g, n = self._edit()
        if n is None:
            return
        n["data"][key] = [x for x in n["data"].get(key) or [] if str(x.get("id")) != str(item_id)]
        G.prune_edges(g)
        self._save(g, remount=True)

    # branch conditions
    def _cond(self, n: dict, cond_id: str) -> dict | None:
        return next((c for c in n["data"].get("conditions") or [] if str(c.get("id")) == str(cond_id)),
                    None)

    @rx.event
    @admin_required
    def add_condition(self):
        g, n = self._edit()
        if n is None or n["type"] != "branch":
            return
        conds = n["data"].setdefault("conditions", [])
        try:
            G.add_item(conds, "c", {"label": "", "filter": {"join": "and", "conditions": []}},
                       G.MAX_CONDITIONS)
        except ValueError:
            return
        self._save(g, remount=True)

    @rx.event
    @admin_required
    def remove_condition(self, cond_id: str):
        self._remove_item("conditions", cond_id)

    @rx.event
    @admin_required
    def set_cond_label(self, cond_id: str, label: str):
        g, n = self._edit()
        c = self._cond(n, cond_id) if n else None
        if c is not None:
            c["label"] = G.clean_text(label, G.MAX_LABEL)
            self._save(g)

    def _leaves_edit(self, cond_id: str, change) -> None:
        g, n = self._edit()
        c = self._cond(n, cond_id) if n else None
        parsed = G.leaves_of(c.get("filter")) if c else None
        if parsed is None:
            return
        join, leaves = parsed
        join = change(join, leaves)
        c["filter"] = G.filter_json(join, leaves)
        # a leaf without field/op is not stored: keep the half-made one on screen meanwhile
        self._save(g, remount=True)

    @rx.event
    @admin_required
    def set_cond_join(self, cond_id: str, join: str):
        self._leaves_edit(cond_id, lambda j, leaves: "or" if join == "or" else "and")

    @rx.event
    @admin_required
    def add_leaf(self, cond_id: str):
        def change(join, leaves):
            if len(leaves) < 20:
                leaves.append({"field": "tag1", "op": "contains", "value": "", "value2": ""})
            return join
        self._leaves_edit(cond_id, change)

    @rx.event
    @admin_required
    def remove_leaf(self, cond_id: str, idx: int):
        def change(join, leaves):
            if isinstance(idx, int) and 0 <= idx < len(leaves):
                leaves.pop(idx)
            return join
        self._leaves_edit(cond_id, change)

    @rx.event
    @admin_required
    def set_leaf(self, cond_id: str, idx: int, key: str, value: str):
        if key not in ("field", "op", "value", "value2"):
            return

        def change(join, leaves):
            if isinstance(idx, int) and 0 <= idx < len(leaves):
                leaf = leaves[idx]
                leaf[key] = G.clean_text(value, 500)
                if key == "field":  # a new field: its first operator
                    ops = self.op_opts.get(leaf["field"]) or []
                    if leaf["field"] not in self.op_opts:
                        leaf["field"] = ""
                    leaf["op"] = ops[0]["value"] if ops else ""
            return join
        self._leaves_edit(cond_id, change)

    # act actions
    @rx.event
    @admin_required
    def add_action(self):
        g, n = self._edit()
        if n is None or n["type"] != "act":
            return
        actions = n["data"].setdefault("actions", [])
        if len(actions) < G.MAX_ACTIONS:
            actions.append({"op": "set_tag1", "value": ""})
            self._save(g, remount=True)

    @rx.event
    @admin_required
    def remove_action(self, idx: int):
        g, n = self._edit()
        actions = n["data"].get("actions") or [] if n else []
        if isinstance(idx, int) and 0 <= idx < len(actions):
            actions.pop(idx)
            self._save(g, remount=True)

    @rx.event
    @admin_required
    def set_action(self, idx: int, key: str, value: str):
        g, n = self._edit()
        actions = n["data"].get("actions") or [] if n else []
        if not (isinstance(idx, int) and 0 <= idx < len(actions)):
            return
        a, value = actions[idx], G.clean_text(value, 500)
        if key == "op" and value in G.ACTION_OPS:
            a.clear()
            a["op"] = value
            if value == "set_var":
                a.update(key=self.crm_opts[0]["value"] if self.crm_opts else "", value="")
            elif value in ("set_tag1", "set_tag2"):
                a["value"] = ""
            else:
                a["folder_id"] = int(self.folder_opts[0]["value"]) if self.folder_opts else None
        elif key == "key" and any(o["value"] == value for o in self.crm_opts):
            a["key"] = value
        elif key == "value" and a.get("op") in ("set_var", "set_tag1", "set_tag2"):
            a["value"] = value
        elif key == "folder" and any(o["value"] == value for o in self.folder_opts):
            a["folder_id"] = int(value)
        else:
            return
        self._save(g, remount=key == "op")
