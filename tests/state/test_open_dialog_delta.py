"""Opening, switching and closing a dialog (issue 11): what the tab is sent goes in the parts
of the states that show the dialog (OpenDialogState, ThreadState, the list's active row),
never in InboxState's own part, to which the left panel, the top bar and the filter are bound,
nor in ComposerState's (~60 components). What the composer shows of the open dialog is in
ComposerViewState's part, sent when its inputs change and computed only then: a change of the
list computes none of it."""

from messenger_app.states.composer import ComposerState
from messenger_app.states.composer_view import ComposerViewState
from messenger_app.states.inbox import InboxState
from messenger_app.states.inbox_views import DialogListState, ThreadState
from messenger_app.states.open_dialog import OpenDialogState
from tests.state.test_thread_pages import _delivered, _dialog, _tab, call

SHOWN = {OpenDialogState.get_full_name(), ThreadState.get_full_name(),
         DialogListState.get_full_name(), ComposerViewState.get_full_name()}


def _sent(delta: dict, state) -> set[str]:
    return {k.removesuffix("_rx_state_") for k in delta.get(state.get_full_name(), {})}


def test_opening_a_dialog_is_sent_in_the_dialogs_parts_only(data_dir):
    first, _ = _dialog(60)
    second, _ = _dialog(3)
    root, st = _tab(data_dir)
    assert ComposerState.get_name() in st.substates  # the composer is there to stay quiet
    call(st, "set_view", "all")
    _delivered(root)

    call(st, "open_dialog", str(first))
    delta = _delivered(root)
    assert set(delta) <= SHOWN and InboxState.get_full_name() not in delta
    assert ComposerState.get_full_name() not in delta
    assert {"open_id", "card", "panel", "routes"} <= _sent(delta, OpenDialogState)
    assert {"open_row", "roving_row"} <= _sent(delta, DialogListState)
    opened = st.substates[OpenDialogState.get_name()]
    assert opened.open_id == first and opened.panel == "dialog" and opened.card.id
    assert st.substates[DialogListState.get_name()].open_row == str(first)

    call(st, "open_dialog", str(second))  # another dialog: the same parts, and the new card
    delta = _delivered(root)
    assert set(delta) <= SHOWN and "panel" not in _sent(delta, OpenDialogState)
    assert opened.open_id == second and opened.card.id != "" and _sent(delta, ThreadState)

    call(st, "close_dialog")
    delta = _delivered(root)
    assert set(delta) <= SHOWN and InboxState.get_full_name() not in delta
    assert opened.open_id == 0 and opened.panel == "list" and opened.card.id == ""


def _view(st) -> ComposerViewState:
    return st.substates[ComposerState.get_name()].substates[ComposerViewState.get_name()]


def test_the_composer_is_sent_what_changed_for_the_open_dialog(data_dir):
    first, _ = _dialog(2)
    root, st = _tab(data_dir)
    composer = st.substates[ComposerState.get_name()]
    call(st, "open_dialog", str(first))
    _delivered(root)
    composer._pending_by = {str(first): [{"url": "/f/1", "name": "a.png", "file_name": "a.png",
                                         "bytes": "3", "mime": "image/png"}]}
    delta = _delivered(root)
    assert "pending" in _sent(delta, ComposerViewState)
    assert [p["name"] for p in _view(st).pending] == ["a.png"]
    assert ComposerState.get_full_name() not in delta
    call(st, "close_dialog")  # no dialog open: no pending files shown any more
    delta = _delivered(root)
    assert "pending" in _sent(delta, ComposerViewState) and _view(st).pending == []


def test_a_change_of_the_list_computes_nothing_of_the_composer(data_dir, monkeypatch):
    first, _ = _dialog(2)
    _dialog(3)
    root, st = _tab(data_dir)
    call(st, "open_dialog", str(first))
    _delivered(root)
    computed = []
    for name in ("_pending_shown", "_attach_reason", "_subject_offered", "_files_refusal",
                 "_warning_for_open", "_search_visible"):
        real = getattr(ComposerState, name)
        monkeypatch.setattr(ComposerState, name,
                            lambda self, _real=real, _name=name: computed.append(_name) or
                            _real(self))
    call(st, "set_view", "unread")  # the list changes, the open dialog does not
    delta = _delivered(root)
    assert DialogListState.get_full_name() in delta
    assert ComposerViewState.get_full_name() not in delta and computed == []
    call(st, "close_dialog")  # the open dialog changes: the composer's view follows
    delta = _delivered(root)
    assert ComposerViewState.get_full_name() in delta and "_pending_shown" in computed
