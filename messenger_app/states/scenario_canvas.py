"""The scenario editor's canvas: selecting, adding, deleting, moving and connecting steps.

Mixed into states/scenario_editor.ScenarioEditorState: each change is one pure step of
states/scenario_graph on a copy of the draft (`_edit`), stored with `_save`."""

from __future__ import annotations

import reflex as rx

from messenger_app.states import scenario_graph as G
from messenger_app.states.auth import admin_required


class ScenarioCanvas(rx.State, mixin=True):
    """Canvas handlers of ScenarioEditorState (uses its draft, `_edit`, `_save`, `_refresh`)."""

    # -- selecting ---------------------------------------------------------------------------
    @rx.event
    @admin_required
    def select_node(self, node_id: str):
        if node_id == self.sel:
            return
        self.sel = str(node_id) if G.node(self._graph, str(node_id)) else ""
        self.panel_key += 1
        self._refresh()

    @rx.event
    @admin_required
    def focus_node(self, node_id: str):
        """From the step select or the problem list: select it and bring it into view."""
        self.sel = str(node_id) if G.node(self._graph, str(node_id)) else ""
        self.focus_id = self.sel
        self.panel_key += 1
        self._refresh()

    @rx.event
    @admin_required
    def clear_selection(self):
        if self.sel:
            self.sel = ""
            self._refresh()

    # -- the canvas ---------------------------------------------------------------------------
    @rx.event
    @admin_required
    def add_step(self, kind: str):
        g, _ = self._edit()
        try:
            nid = G.add_node(g, str(kind), after=self.sel or None)
        except ValueError:
            return
        self.sel = self.focus_id = nid
        self._save(g, remount=True)

    @rx.event
    @admin_required
    def delete_step(self):
        g, n = self._edit()
        if n is None:
            return
        G.delete_node(g, n["id"])
        self.sel = ""
        self._save(g)

    @rx.event
    @admin_required
    def delete_items(self, node_ids: list, edge_ids: list):
        g, _ = self._edit()
        for nid in (node_ids or [])[:G.MAX_NODES]:
            G.delete_node(g, str(nid))
        for eid in (edge_ids or [])[:1000]:
            G.delete_edge(g, str(eid))
        if G.node(g, self.sel) is None:
            self.sel = ""
        self._save(g)

    @rx.event
    @admin_required
    def move_node(self, node_id: str, x: float, y: float):
        g, _ = self._edit()
        G.move_node(g, str(node_id), x, y)
        self._save(g)

    @rx.event
    @admin_required
    def connect_exit(self, source: str, handle: str, target: str):
        g, _ = self._edit()
        try:
            G.connect(g, str(source), str(handle or "next"), str(target or ""))
        except ValueError:
            self._refresh()  # the canvas drops the edge it drew
            return
        self._save(g)

    @rx.event
    @admin_required
    def set_exit(self, handle: str, target: str):
        """The side panel's "next step" select: the keyboard way to draw an edge."""
        if self.sel:
            g, _ = self._edit()
            try:
                G.connect(g, self.sel, str(handle), str(target or ""))
            except ValueError:
                return
            self._save(g)

    @rx.event
    @admin_required
    def make_start(self):
        g, n = self._edit()
        if n is not None:
            g["start"] = n["id"]
            self._save(g)
