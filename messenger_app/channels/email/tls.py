"""TLS for the IMAP and SMTP connections: the context (system CAs, a private CA file, or a
pinned certificate fingerprint) and the fingerprint check after the handshake."""

from __future__ import annotations

import hashlib
import ssl

from messenger_app.channels.email.config import EmailConfig
from messenger_app.channels.email.problems import fail


def context(cfg: EmailConfig, verify: bool = True) -> ssl.SSLContext:
    """verify=False: no check at all (only to read an untrusted certificate's fingerprint)."""
    if cfg.tls_fingerprint or not verify:  # pinned: checked by check_peer() after the handshake
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        return ctx
    try:
        return ssl.create_default_context(cafile=cfg.tls_ca_file or None)
    except (OSError, ssl.SSLError):
        raise fail(f"the CA file {cfg.tls_ca_file!r} cannot be read", "ca_file",
                   file=cfg.tls_ca_file) from None


def fingerprint(der: bytes | None) -> str:
    return hashlib.sha256(der or b"").hexdigest()


def pretty(fp: str) -> str:
    return ":".join(fp[i:i + 2] for i in range(0, len(fp), 2)).upper()


def check_peer(sock, cfg: EmailConfig) -> None:
    """With a pinned fingerprint: the server's certificate must be that one."""
    if not cfg.tls_fingerprint:
        return
    got = fingerprint(sock.getpeercert(binary_form=True))
    if got != cfg.tls_fingerprint:
        raise fail(f"the server's certificate is not the trusted one (SHA-256 {pretty(got)})",
                   "tls_untrusted", fingerprint=pretty(got))


def classify(exc: BaseException) -> str:
    """The reason of an ssl error: tls_untrusted or tls_version."""
    if isinstance(exc, ssl.SSLCertVerificationError):
        return "tls_untrusted"
    return "tls_version"
