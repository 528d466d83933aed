"""What the settings page stores for an e-mail channel (EmailConfig, JSON via to_dict /
from_dict), with the connection security of each server.

Security per server: "ssl" (implicit TLS), "starttls" (plain, then STARTTLS — required, never
silently skipped) or "none" (plain text; for a server on the same host or a test server).
An empty or zero port takes the usual one for the security: IMAP 993 (ssl) / 143; SMTP 465
(ssl) / 587 (starttls) / 25 (none). Certificates are checked against the system's CAs, or
against `tls_ca_file` (a PEM file of a private CA), or — for a self-signed certificate —
accepted when their SHA-256 fingerprint equals `tls_fingerprint` ("trust this certificate";
"Test connection" shows the fingerprint of a certificate it could not verify).
Older configs with the booleans imap_ssl / smtp_ssl / smtp_starttls are read as before.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, fields
from typing import Any, Mapping

ADDRESS_RE = re.compile(r"^[^@\s<>(),;:\"\\\[\]]+@[^@\s<>(),;:\"\\\[\]]+$")
SECURITY = ("ssl", "starttls", "none")
IMAP_PORTS = {"ssl": 993, "starttls": 143, "none": 143}
SMTP_PORTS = {"ssl": 465, "starttls": 587, "none": 25}
_FINGERPRINT = re.compile(r"^[0-9a-f]{64}$")


class EmailConfigError(ValueError):
    pass


def normal_fingerprint(value: str) -> str:
    """"AB:CD:…" / "abcd…" / "SHA256 AB CD" -> 64 lower-case hex digits ("" stays "")."""
    text = re.sub(r"^(sha-?256)\s*[:=]?\s*", "", (value or "").strip(), flags=re.I)
    return re.sub(r"[\s:]", "", text).lower()


@dataclass
class EmailConfig:
    imap_host: str = ""
    imap_port: int = 0  # 0: the usual port for imap_security
    imap_security: str = "ssl"
    imap_user: str = ""
    imap_password: str = ""
    imap_folder: str = "INBOX"
    smtp_host: str = ""
    smtp_port: int = 0  # 0: the usual port for smtp_security
    smtp_security: str = "starttls"
    smtp_user: str = ""  # empty: no SMTP AUTH
    smtp_password: str = ""
    tls_ca_file: str = ""  # a PEM file with the CA that signed the servers' certificates
    tls_fingerprint: str = ""  # SHA-256 of a certificate to trust as it is (self-signed)
    from_address: str = ""
    from_name: str = ""
    default_subject: str = "Message from support"
    timeout: float = 30.0  # per network operation, seconds
    poll_interval: float = 30.0  # seconds between IMAP sessions when idle
    batch_size: int = 50  # messages per poll at most
    initial_backlog: int = 20  # on first poll / UIDVALIDITY change: take the newest N existing
    strip_quotes: bool = True
    body_limit: int = 100_000  # characters of a body stored as text; the whole body as a file

    SECRET_FIELDS = ("imap_password", "smtp_password")  # never show these in the browser

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> "EmailConfig":
        data = dict(data or {})
        _legacy_security(data)
        values: dict[str, Any] = {}
        for f in fields(cls):
            if f.name not in data or data[f.name] is None:
                continue
            value, default = data[f.name], f.default
            try:
                if isinstance(default, bool):
                    value = value if isinstance(value, bool) else str(value).strip().lower() in (
                        "1", "true", "yes", "on")
                elif isinstance(default, int):
                    value = int(str(value).strip() or 0)
                elif isinstance(default, float):
                    value = float(value)
                else:
                    value = str(value).strip() if "password" not in f.name else str(value)
            except (TypeError, ValueError):
                raise EmailConfigError(f"{f.name} has a wrong value") from None
            values[f.name] = value
        cfg = cls(**values)
        cfg.imap_security = cfg.imap_security.lower()
        cfg.smtp_security = cfg.smtp_security.lower()
        cfg.tls_fingerprint = normal_fingerprint(cfg.tls_fingerprint)
        cfg.validate()
        if not cfg.imap_port:
            cfg.imap_port = IMAP_PORTS[cfg.imap_security]
        if not cfg.smtp_port:
            cfg.smtp_port = SMTP_PORTS[cfg.smtp_security]
        return cfg

    def to_dict(self) -> dict[str, Any]:
        return json.loads(json.dumps(asdict(self)))

    def validate(self) -> None:
        for name in ("imap_security", "smtp_security"):
            if getattr(self, name) not in SECURITY:
                raise EmailConfigError(f"{name} must be one of {', '.join(SECURITY)}")
        for name in ("imap_port", "smtp_port"):
            if not 0 <= getattr(self, name) < 65536:
                raise EmailConfigError(f"{name} must be 1-65535")
        if self.from_address and not ADDRESS_RE.fullmatch(self.from_address):
            raise EmailConfigError("from_address is not an e-mail address")
        if self.tls_fingerprint and not _FINGERPRINT.fullmatch(self.tls_fingerprint):
            raise EmailConfigError("tls_fingerprint must be a SHA-256 fingerprint (64 hex digits)")
        if self.batch_size < 1 or self.initial_backlog < 0:
            raise EmailConfigError("batch_size must be >= 1 and initial_backlog >= 0")
        if self.timeout <= 0 or self.poll_interval < 0:
            raise EmailConfigError("timeout must be > 0 and poll_interval >= 0")
        if self.body_limit < 1000:
            raise EmailConfigError("body_limit must be at least 1000 characters")
        for name in ("from_name", "default_subject", "imap_folder", "tls_ca_file"):
            if any(c in getattr(self, name) for c in "\r\n"):
                raise EmailConfigError(f"{name} must be one line")


def _legacy_security(data: dict) -> None:
    """imap_ssl / smtp_ssl / smtp_starttls (booleans of older configs) -> *_security."""
    def flag(name: str, default: bool) -> bool:
        value = data.pop(name, None)
        if value is None or value == "":
            return default
        return value if isinstance(value, bool) else str(value).strip().lower() in (
            "1", "true", "yes", "on")

    imap_ssl = flag("imap_ssl", True)
    smtp_ssl, smtp_starttls = flag("smtp_ssl", False), flag("smtp_starttls", True)
    if not data.get("imap_security"):
        data["imap_security"] = "ssl" if imap_ssl else "none"
    if not data.get("smtp_security"):
        data["smtp_security"] = "ssl" if smtp_ssl else ("starttls" if smtp_starttls else "none")
