"""setvar for a var without a setter (any websocket client can send it): one log line, no
traceback, nothing changed; other handler errors keep Reflex's full report."""

import logging

from reflex.state import State

from messenger_app import event_errors
from messenger_app.states.widget import WidgetState


def _widget_state():
    root = State(_reflex_internal_init=True)
    return root.get_substate(WidgetState.get_full_name().split(".")[1:])


def test_setvar_without_setter_is_one_line(data_dir, caplog):
    st = _widget_state()
    caplog.set_level(logging.WARNING)
    try:
        WidgetState.event_handlers["setvar"].fn(st, "_contact_id", 5)
    except AttributeError as e:
        caught = e
    assert st._contact_id == 0
    assert event_errors.handle(caught) is None
    assert [r.getMessage()[:15] for r in caplog.records] == ["refused setvar:"]
    assert not any(r.exc_info for r in caplog.records)


def test_other_errors_keep_the_full_report(caplog):
    try:
        {}["missing"]
    except KeyError as e:
        caught = e
    assert event_errors.handle(caught) is not None  # Reflex's toast
    assert "Traceback" in caplog.text or "KeyError" in caplog.text
