"""One IMAP session over imapclient: connect with the configured security, LOGIN, EXAMINE
(read-only: nothing gets \\Seen), UID SEARCH, UID FETCH BODY.PEEK[], LOGOUT. Every failure
becomes a TransientError / PermanentError with a reason (problems.py); passwords never
appear in a message (`scrub`)."""

from __future__ import annotations

import re
import socket
import ssl
from typing import Any, Callable

from imapclient import IMAPClient
from imapclient import exceptions as imap_errors

from messenger_app.channels.base import ChannelError
from messenger_app.channels.email import tls
from messenger_app.channels.email.config import EmailConfig
from messenger_app.channels.email.problems import fail

FETCH_CHUNK = 25


def quote(value: str) -> str:
    if value and re.fullmatch(r"[A-Za-z0-9._@+\-/&!#$'^`|~=]+", value):
        return value
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


class ImapSession:
    """with ImapSession(cfg, scrub) as imap: imap.examine(folder); imap.uids_from(n); …"""

    def __init__(self, cfg: EmailConfig, scrub: Callable[[Any], str], verify: bool = True):
        self.cfg, self.scrub = cfg, scrub
        if not cfg.imap_host:
            raise fail("email: no IMAP host configured", "connect", transient=False,
                       host="", port=cfg.imap_port)
        self.client = self._connect(verify)
        if verify:
            self._login()

    def __enter__(self) -> "ImapSession":
        return self

    def __exit__(self, *exc) -> None:
        self.logout()

    # -- connection ---------------------------------------------------------------------
    def _connect(self, verify: bool) -> IMAPClient:
        cfg = self.cfg
        where = {"host": cfg.imap_host, "port": cfg.imap_port}
        client = None
        try:
            ctx = tls.context(cfg, verify) if cfg.imap_security != "none" else None
            client = IMAPClient(cfg.imap_host, cfg.imap_port, ssl=cfg.imap_security == "ssl",
                                ssl_context=ctx, timeout=cfg.timeout)
            if cfg.imap_security == "starttls":
                client.starttls(ctx)
            if ctx is not None and verify:
                tls.check_peer(client._imap.sock, cfg)
            return client
        except ChannelError:
            _close(client)
            raise
        except imap_errors.CapabilityError:
            _close(client)
            raise fail("imap: the server does not offer STARTTLS", "no_starttls", **where) from None
        except ssl.SSLError as exc:
            _close(client)
            reason = tls.classify(exc)
            params = dict(where)
            if reason == "tls_untrusted":
                params["fingerprint"] = self._untrusted_fingerprint()
            raise fail(f"imap: TLS failed ({self.scrub(exc)})", reason, **params) from None
        except (socket.timeout, TimeoutError):
            _close(client)
            raise fail("imap: timed out", "timeout", **where) from None
        except (OSError, imap_errors.IMAPClientError) as exc:
            _close(client)
            text = self.scrub(exc) or type(exc).__name__
            if cfg.imap_security == "none" and isinstance(exc, imap_errors.IMAPClientError):
                raise fail(f"imap: cannot connect: {text}", "tls_version", **where) from None
            raise fail(f"imap: cannot connect: {text}", "connect", **where) from None

    def _untrusted_fingerprint(self) -> str:
        try:
            probe = ImapSession(self.cfg, self.scrub, verify=False)
        except Exception:  # noqa: BLE001 — only a hint for the person
            return ""
        try:
            return tls.pretty(tls.fingerprint(probe.client._imap.sock.getpeercert(True)))
        finally:
            probe.logout()

    def _login(self) -> None:
        cfg = self.cfg
        try:
            self.client.login(quote(cfg.imap_user), cfg.imap_password)
        except imap_errors.IMAPClientAbortError as exc:
            self.logout()
            raise fail(f"imap: connection lost at login: {self.scrub(exc)}", "connect") from None
        except imap_errors.IMAPClientError as exc:
            self.logout()
            text = self.scrub(exc)
            if "[UNAVAILABLE]" in text.upper() or "[INUSE]" in text.upper():
                raise fail(f"imap: login temporarily unavailable: {text}", "server") from None
            raise fail(f"imap login failed for {cfg.imap_user!r} (check user and password)",
                       "login", user=cfg.imap_user) from None
        except UnicodeEncodeError:
            self.logout()
            raise fail("imap: only ASCII user names and passwords are supported", "login",
                       user=cfg.imap_user) from None
        except OSError as exc:
            self.logout()
            raise fail(f"imap: {self.scrub(exc) or 'timed out'}", "timeout") from None

    def logout(self) -> None:
        _close(self.client)

    # -- commands -----------------------------------------------------------------------
    def _call(self, fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except imap_errors.IMAPClientAbortError as exc:
            raise fail(f"imap: connection lost: {self.scrub(exc)}", "connect") from None
        except imap_errors.IMAPClientError as exc:
            raise fail(f"imap: {self.scrub(exc)}", "server") from None
        except OSError as exc:
            raise fail(f"imap: {self.scrub(exc) or 'timed out'}", "timeout") from None

    def examine(self, folder: str) -> int:
        """Open `folder` read-only; its UIDVALIDITY (0 when the server sends none)."""
        try:
            info = self.client.select_folder(folder, readonly=True)
        except imap_errors.IMAPClientAbortError as exc:
            raise fail(f"imap: connection lost: {self.scrub(exc)}", "connect") from None
        except imap_errors.IMAPClientError as exc:
            raise fail(f"imap: cannot open folder {folder!r}: {self.scrub(exc)}", "folder",
                       folder=folder) from None
        except OSError as exc:
            raise fail(f"imap: {self.scrub(exc) or 'timed out'}", "timeout") from None
        try:
            return int(info.get(b"UIDVALIDITY") or 0)
        except (TypeError, ValueError):
            return 0

    def uids_from(self, start: int) -> list[int]:
        """UIDs >= start, ascending ("n:*" also matches the last mail when its UID < n)."""
        found = self._call(self.client.search, ["UID", f"{start}:*"])
        return sorted(u for u in set(found or ()) if u >= start)

    def count(self) -> int:
        return len(self._call(self.client.search, ["ALL"]) or ())

    def fetch(self, uids: list[int]) -> dict[int, bytes]:
        out: dict[int, bytes] = {}
        for i in range(0, len(uids), FETCH_CHUNK):
            chunk = uids[i:i + FETCH_CHUNK]
            data = self._call(self.client.fetch, chunk, ["BODY.PEEK[]"])
            for uid, item in (data or {}).items():
                body = item.get(b"BODY[]")
                if isinstance(body, bytes):
                    out[int(uid)] = body
        return out


def _close(client: IMAPClient | None) -> None:
    if client is None:
        return
    try:
        client.logout()
    except Exception:  # noqa: BLE001 — the session is over either way
        try:
            client.shutdown()
        except Exception:  # noqa: BLE001
            pass
