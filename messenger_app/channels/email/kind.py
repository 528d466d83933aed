"""The e-mail kind as /settings shows it: the fields (per-server security, ports with the
usual defaults, CA file or trusted fingerprint, the IMAP folder) and the capabilities.
Saving tests both servers first (probe_on_save: EmailChannel.get_me)."""

from __future__ import annotations

from messenger_app.channels.base import Capabilities, ChannelKind, SettingField
from messenger_app.channels.email.adapter import EmailChannel
from messenger_app.channels.email.config import SECURITY, EmailConfig


def _build(channel) -> EmailChannel:
    return EmailChannel(channel.config or {})


def _validate(token: str, config: dict) -> dict:
    return EmailConfig.from_dict(config).to_dict()  # EmailConfigError is a ValueError


KIND = ChannelKind(
    "email", "E-mail", _build, polling=True, validate=_validate, probe_on_save=True,
    identity_address="email",
    fields=(SettingField("imap_host", "IMAP host", required=True),
            SettingField("imap_security", "IMAP security", kind="select", options=SECURITY),
            SettingField("imap_port", "IMAP port (993 SSL / 143)", kind="number"),
            SettingField("imap_user", "IMAP user"),
            SettingField("imap_password", "IMAP password", secret=True, kind="password"),
            SettingField("imap_folder", "IMAP folder (INBOX)"),
            SettingField("smtp_host", "SMTP host", required=True),
            SettingField("smtp_security", "SMTP security", kind="select",
                         options=("starttls", "ssl", "none")),
            SettingField("smtp_port", "SMTP port (465 SSL / 587 STARTTLS / 25)", kind="number"),
            SettingField("smtp_user", "SMTP user"),
            SettingField("smtp_password", "SMTP password", secret=True, kind="password"),
            SettingField("tls_ca_file", "CA file (PEM) of a private CA"),
            SettingField("tls_fingerprint", "Trust this certificate (SHA-256 fingerprint)"),
            SettingField("from_address", "From address", required=True),
            SettingField("from_name", "From name")),
    # SMTP: files as MIME parts (25 MB in all is what most servers take); choices as numbered
    # options; the Message-ID we set makes a resend recognisable (dedup on the receiving side).
    capabilities=Capabilities(max_files=10, max_file_size=20 * 1024 * 1024, max_text=100_000,
                              native_choices=0, max_choices=10, max_choice_label=100,
                              rate_per_second=5, rate_per_chat_per_second=1, dedup_sends=True),
)
