"""E-mail channel: IMAP in (imapclient), SMTP out (smtplib), MIME with the stdlib.

Modules: `config` (EmailConfig: servers, security, TLS trust), `tls` (contexts, pinned
certificates), `imap` (one IMAP session), `smtp` (sending), `mime` (parsing a mail, building
one), `html_text` (bodies as text, quotes cut), `problems` (why a server failed, as a reason
"Test connection" shows in words), `adapter` (EmailChannel), `kind` (KIND for /settings).
"""

from messenger_app.channels.email.adapter import EmailChannel  # noqa: F401
from messenger_app.channels.email.config import EmailConfig, EmailConfigError  # noqa: F401
from messenger_app.channels.email.html_text import html_to_text, strip_quoted  # noqa: F401
from messenger_app.channels.email.kind import KIND  # noqa: F401
