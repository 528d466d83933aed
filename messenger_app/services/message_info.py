"""The old name of services/message_details.py, kept only for states/view.py (the live-path
helper's file in issue 16's round): switch that import to message_details and delete this."""

from messenger_app.services.message_details import attachments_json  # noqa: F401
