"""VK community bot adapter: Bots Long Poll API + messages.send (API 5.199).

Parses and sends; never touches the database; never retries on its own.

Cursor: a compact JSON string {"server","key","ts"} (under 200 characters). An empty or
unreadable cursor makes poll() ask groups.getLongPollServer for a fresh one. Long-poll
`failed`: 1 → continue from the returned ts; 2 → new key, same ts; 3 → new key and ts
(events in between are lost, as VK says).

External ids: inbound "<peer_id>:<conversation_message_id>" (or "<peer_id>:m<id>" when VK gives
no conversation id); outbound "<peer_id>:m<message_id>" — never colliding with inbound ones.

Outbound files: a JPEG/PNG/GIF photo via photos.getMessagesUploadServer → multipart POST to the
upload_url it returns (field "photo") → photos.saveMessagesPhoto → "photo<owner>_<id>"; any
other file via docs.getMessagesUploadServer(type=doc) → upload (field "file") → docs.save →
"doc<owner>_<id>"; then one messages.send with attachment="a,b,…". Choices: an inline
keyboard of text buttons with payload {"choice": id}; the press arrives as a message_new whose
payload carries it (InboundMessage.choice_id). Too many or too long → numbered text.

Modules: `events` (long-poll events in: messages, attachments, pressed buttons), `outbound`
(photo or document, attachment references, the inline keyboard, random_id), `adapter`
(VkChannel), `kind` (KIND for /settings).
"""

from messenger_app.channels.vk.adapter import VkChannel  # noqa: F401
from messenger_app.channels.vk.kind import KIND  # noqa: F401
from messenger_app.channels.vk.outbound import stable_random_id  # noqa: F401
