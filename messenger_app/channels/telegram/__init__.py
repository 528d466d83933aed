"""Telegram Bot API adapter (long polling). Parses and sends; never touches the database.

Files: one Bot API call per file (sendPhoto / sendVoice / sendAudio / sendVideo /
sendDocument, a multipart upload of OutboundFile.path). Buttons: an inline keyboard, one
button per row, callback_data = Choice.id (1-64 bytes). A pressed button arrives as a
`callback_query` update: poll() turns it into an InboundMessage with choice_id = the data
and text = the pressed button's label, and answers it (answerCallbackQuery) so the client's
app stops its spinner; a failed answer never loses the update.

It never retries on its own: 429 / 5xx / network trouble raise TransientError (with
retry_after when Telegram says so) and the caller decides when to try again.

Modules: `updates` (updates in: messages, attachments, pressed buttons), `outbound` (the
method per file, captions, the inline keyboard), `adapter` (TelegramChannel), `kind` (KIND
for /settings).
"""

from messenger_app.channels.telegram.adapter import TelegramChannel  # noqa: F401
from messenger_app.channels.telegram.kind import KIND  # noqa: F401
