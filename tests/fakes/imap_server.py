"""A minimal IMAP4rev1 server on 127.0.0.1 in a thread: just enough for imaplib.

Commands: CAPABILITY, NOOP, LOGIN, SELECT / EXAMINE (with UIDVALIDITY / UIDNEXT), UID SEARCH
(ALL, UID <set>), UID FETCH (UID, FLAGS, RFC822, RFC822.SIZE, BODY[], BODY.PEEK[],
INTERNALDATE), CLOSE, LOGOUT. Sequence sets follow RFC 3501: "*" is the largest UID, and
"n:*" matches the last message even when its UID is below n.

In a test:
    with FakeImapServer(user="support@example.com", password="pw") as imap:
        imap.host, imap.port
        uid = imap.append(raw_bytes)               # or an EmailMessage / str; -> its UID
        imap.set_uidvalidity(2000)                 # renumber the folder (UIDs restart at 1)
        imap.delete(uid)
        imap.fail_login("UNAVAILABLE", times=1)    # next LOGIN answers NO [UNAVAILABLE]
        imap.disconnect_on("FETCH")                # drop the connection at the next UID FETCH
        imap.commands                              # command lines received (LOGIN masked)
        imap.seen(uid)                             # \\Seen set? (BODY[] sets it, PEEK does not)

As a process: python -m tests.fakes.imap_server --port 1143 --user u --password p
"""

from __future__ import annotations

import re
import socketserver
import threading
import time
from email.message import Message
from typing import Any

from tests.fakes.runner import Startable, login_server_args, serve_until_interrupted

DEFAULT_USER = "support@example.com"
DEFAULT_PASSWORD = "imap-secret"


class _Mailbox:
    def __init__(self, uidvalidity: int):
        self.uidvalidity = uidvalidity
        self.uidnext = 1
        self.messages: list[dict[str, Any]] = []  # {"uid", "raw", "flags", "date"}


class FakeImapState:
    def __init__(self, user: str, password: str, uidvalidity: int = 1000):
        self.user, self.password = user, password
        self.lock = threading.RLock()
        self.folders: dict[str, _Mailbox] = {"INBOX": _Mailbox(uidvalidity)}
        self.commands: list[str] = []
        self.login_failures: list[list[Any]] = []  # [code, times]
        self.disconnects: dict[str, int] = {}
        self.logins = 0


class _Handler(socketserver.StreamRequestHandler):
    timeout = 30

    def setup(self) -> None:
        super().setup()
        self.state: FakeImapState = self.server.state  # type: ignore[attr-defined]
        self.authed = False
        self.selected: str | None = None

    def send(self, data: bytes | str) -> None:
        if isinstance(data, str):
            data = data.encode("utf-8")
        self.wfile.write(data)
        self.wfile.flush()

    def handle(self) -> None:
        self.send("* OK Fake IMAP4rev1 server ready\r\n")
        while True:
            try:
                line = self.rfile.readline(65536)
            except OSError:
                return
            if not line:
                return
            # client literals {n}: read them in and keep reading the command line
            while re.search(rb"\{(\d+)\+?\}\r\n$", line):
                n = int(re.search(rb"\{(\d+)\+?\}\r\n$", line).group(1))
                if not line.rstrip().endswith(b"+}"):
                    self.send("+ go ahead\r\n")
                literal = self.rfile.read(n)
                line = line[: line.rindex(b"{")] + b'"' + literal.replace(b'"', b'\\"') + b'"' \
                    + self.rfile.readline(65536)
            text = line.decode("utf-8", "replace").rstrip("\r\n")
            try:
                if not self.dispatch(text):
                    return
            except (BrokenPipeError, ConnectionResetError):
                return

    def dispatch(self, text: str) -> bool:
        parts = text.split(" ", 2)
        if len(parts) < 2:
            self.send(f"{parts[0] or '*'} BAD empty command\r\n")
            return True
        tag, cmd = parts[0], parts[1].upper()
        rest = parts[2] if len(parts) > 2 else ""
        sub = ""
        if cmd == "UID":
            sub_parts = rest.split(" ", 1)
            sub = sub_parts[0].upper()
            rest = sub_parts[1] if len(sub_parts) > 1 else ""
        with self.state.lock:
            logged = f"{tag} LOGIN {rest.split(' ')[0]} ****" if cmd == "LOGIN" else text
            self.state.commands.append(logged)
            key = sub or cmd
            if self.state.disconnects.get(key, 0) > 0:
                self.state.disconnects[key] -= 1
                return False  # just hang up
        if cmd == "CAPABILITY":
            self.send(f"* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n{tag} OK CAPABILITY completed\r\n")
        elif cmd == "NOOP":
            self.send(f"{tag} OK NOOP completed\r\n")
        elif cmd == "LOGOUT":
            self.send(f"* BYE Fake IMAP server logging out\r\n{tag} OK LOGOUT completed\r\n")
            return False
        elif cmd == "LOGIN":
            self.login(tag, rest)
        elif not self.authed:
            self.send(f"{tag} BAD not authenticated\r\n")
        elif cmd in ("SELECT", "EXAMINE"):
            self.select(tag, cmd, rest)
        elif cmd == "CLOSE":
            self.selected = None
            self.send(f"{tag} OK CLOSE completed\r\n")
        elif self.selected is None:
            self.send(f"{tag} BAD no mailbox selected\r\n")
        elif cmd == "UID" and sub == "SEARCH":
            self.search(tag, rest)
        elif cmd == "UID" and sub == "FETCH":
            self.fetch(tag, rest)
        else:
            self.send(f"{tag} BAD unknown command {cmd}\r\n")
        return True

    # -- commands -------------------------------------------------------------------

    def login(self, tag: str, rest: str) -> None:
        args = _tokens(rest)
        with self.state.lock:
            self.state.logins += 1
            if self.state.login_failures:
                rule = self.state.login_failures[0]
                rule[1] -= 1
                if rule[1] <= 0:
                    self.state.login_failures.pop(0)
                self.send(f"{tag} NO [{rule[0]}] Login refused ({rule[0].lower()})\r\n")
                return
            ok = len(args) == 2 and args[0] == self.state.user and args[1] == self.state.password
        if ok:
            self.authed = True
            self.send(f"{tag} OK [CAPABILITY IMAP4rev1] LOGIN completed\r\n")
        else:
            self.send(f"{tag} NO [AUTHENTICATIONFAILED] Invalid credentials\r\n")

    def select(self, tag: str, cmd: str, rest: str) -> None:
        args = _tokens(rest)
        name = args[0] if args else ""
        name = "INBOX" if name.upper() == "INBOX" else name
        with self.state.lock:
            box = self.state.folders.get(name)
            if box is None:
                self.selected = None
                self.send(f"{tag} NO [NONEXISTENT] Unknown mailbox\r\n")
                return
            self.selected = name
            self.send("* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n"
                      f"* {len(box.messages)} EXISTS\r\n* 0 RECENT\r\n"
                      f"* OK [UIDVALIDITY {box.uidvalidity}] UIDs valid\r\n"
                      f"* OK [UIDNEXT {box.uidnext}] Predicted next UID\r\n")
        mode = "READ-ONLY" if cmd == "EXAMINE" else "READ-WRITE"
        self.send(f"{tag} OK [{mode}] {cmd} completed\r\n")

    def _box(self) -> _Mailbox:
        return self.state.folders[self.selected or "INBOX"]

    def search(self, tag: str, rest: str) -> None:
        args = [a.upper() if isinstance(a, str) else a for a in _tokens(rest)]
        if args[:1] == ["CHARSET"]:
            args = args[2:]
        with self.state.lock:
            box = self._box()
            uids = [m["uid"] for m in box.messages]
            if args == ["ALL"] or not args:
                found = uids
            elif len(args) == 2 and args[0] == "UID":
                try:
                    found = _match_set(args[1], uids)
                except ValueError:
                    self.send(f"{tag} BAD bad sequence set\r\n")
                    return
            else:
                self.send(f"{tag} BAD unsupported search\r\n")
                return
        self.send("* SEARCH" + "".join(f" {u}" for u in found) + "\r\n")
        self.send(f"{tag} OK UID SEARCH completed\r\n")

    def fetch(self, tag: str, rest: str) -> None:
        args = _tokens(rest)
        if len(args) != 2:
            self.send(f"{tag} BAD UID FETCH needs a set and items\r\n")
            return
        items = args[1] if isinstance(args[1], list) else [args[1]]
        items = [str(i).upper() for i in items]
        if items == ["ALL"] or items == ["FAST"]:
            items = ["FLAGS", "INTERNALDATE", "RFC822.SIZE"]
        known = {"UID", "FLAGS", "RFC822", "RFC822.SIZE", "BODY[]", "BODY.PEEK[]", "INTERNALDATE"}
        if any(i not in known for i in items):
            self.send(f"{tag} BAD unsupported fetch item\r\n")
            return
        with self.state.lock:
            box = self._box()
            uids = [m["uid"] for m in box.messages]
            try:
                wanted = set(_match_set(args[0], uids))
            except ValueError:
                self.send(f"{tag} BAD bad sequence set\r\n")
                return
            out = []
            for seq, m in enumerate(box.messages, start=1):
                if m["uid"] not in wanted:
                    continue
                fields: list[bytes] = [f"UID {m['uid']}".encode()]
                for item in items:
                    if item == "UID":
                        continue
                    if item == "FLAGS":
                        fields.append(f"FLAGS ({' '.join(sorted(m['flags']))})".encode())
                    elif item == "RFC822.SIZE":
                        fields.append(f"RFC822.SIZE {len(m['raw'])}".encode())
                    elif item == "INTERNALDATE":
                        stamp = time.strftime("%d-%b-%Y %H:%M:%S +0000", time.gmtime(m["date"]))
                        fields.append(f'INTERNALDATE "{stamp}"'.encode())
                    else:
                        name = "RFC822" if item == "RFC822" else "BODY[]"
                        if item != "BODY.PEEK[]":
                            m["flags"].add("\\Seen")
                        fields.append(f"{name} {{{len(m['raw'])}}}\r\n".encode() + m["raw"])
                out.append(f"* {seq} FETCH (".encode() + b" ".join(fields) + b")\r\n")
        for chunk in out:
            self.send(chunk)
        self.send(f"{tag} OK UID FETCH completed\r\n")


def _tokens(text: str) -> list[Any]:
    """IMAP arguments: atoms, "quoted strings" (with \\ escapes), (nested lists)."""
    pos, stack = 0, [[]]
    while pos < len(text):
        c = text[pos]
        if c == " ":
            pos += 1
        elif c == '"':
            pos += 1
            buf = []
            while pos < len(text) and text[pos] != '"':
                if text[pos] == "\\" and pos + 1 < len(text):
                    pos += 1
                buf.append(text[pos])
                pos += 1
            pos += 1
            stack[-1].append("".join(buf))
        elif c == "(":
            stack.append([])
            pos += 1
        elif c == ")":
            done = stack.pop() if len(stack) > 1 else []
            stack[-1].append(done)
            pos += 1
        else:
            match = re.match(r"[^ ()\"]+(\[[^\]]*\])?", text[pos:])
            token = match.group(0) if match else c
            stack[-1].append(token)
            pos += len(token)
    return stack[0]


def _match_set(spec: str, uids: list[int]) -> list[int]:
    """UIDs (in mailbox order) matching an RFC 3501 sequence set like "1:4,7,9:*"."""
    if not re.fullmatch(r"(\d+|\*)(:(\d+|\*))?(,(\d+|\*)(:(\d+|\*))?)*", spec):
        raise ValueError(spec)
    top = max(uids, default=0)
    wanted: set[int] = set()
    for piece in spec.split(","):
        ends = [top if e == "*" else int(e) for e in piece.split(":")]
        low, high = min(ends), max(ends)
        wanted.update(u for u in uids if low <= u <= high)
    return [u for u in uids if u in wanted]


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


class FakeImapServer(Startable):
    def __init__(self, user: str = DEFAULT_USER, password: str = DEFAULT_PASSWORD,
                 uidvalidity: int = 1000, host: str = "127.0.0.1", port: int = 0):
        self.state = FakeImapState(user, password, uidvalidity)
        self._server = _Server((host, port), _Handler)
        self._server.state = self.state  # type: ignore[attr-defined]
        self.host, self.port = self._server.server_address[:2]
        self._thread: threading.Thread | None = None

    # -- control ------------------------------------------------------------------

    def append(self, raw: bytes | str | Message, folder: str = "INBOX",
               flags: tuple[str, ...] = ()) -> int:
        if isinstance(raw, Message):
            raw = raw.as_bytes()
        elif isinstance(raw, str):
            raw = raw.encode("utf-8")
        raw = re.sub(rb"\r?\n", b"\r\n", raw)
        with self.state.lock:
            box = self.state.folders.setdefault(folder, _Mailbox(1000))
            uid = box.uidnext
            box.uidnext += 1
            box.messages.append({"uid": uid, "raw": raw, "flags": set(flags), "date": time.time()})
            return uid

    def add_folder(self, name: str, uidvalidity: int = 1000) -> None:
        with self.state.lock:
            self.state.folders.setdefault(name, _Mailbox(uidvalidity))

    def set_uidvalidity(self, value: int, folder: str = "INBOX", renumber: bool = True) -> None:
        """A new UIDVALIDITY; with renumber the messages get fresh UIDs from 1 (as after a
        server migration), so old UIDs point elsewhere."""
        with self.state.lock:
            box = self.state.folders[folder]
            box.uidvalidity = int(value)
            if renumber:
                for i, m in enumerate(box.messages, start=1):
                    m["uid"] = i
                box.uidnext = len(box.messages) + 1

    def delete(self, uid: int, folder: str = "INBOX") -> None:
        with self.state.lock:
            box = self.state.folders[folder]
            box.messages = [m for m in box.messages if m["uid"] != uid]

    def clear(self, folder: str = "INBOX") -> None:
        with self.state.lock:
            self.state.folders[folder].messages.clear()

    def seen(self, uid: int, folder: str = "INBOX") -> bool:
        with self.state.lock:
            return any(m["uid"] == uid and "\\Seen" in m["flags"]
                       for m in self.state.folders[folder].messages)

    def fail_login(self, code: str = "AUTHENTICATIONFAILED", times: int = 1) -> None:
        with self.state.lock:
            self.state.login_failures.append([code, int(times)])

    def disconnect_on(self, command: str, times: int = 1) -> None:
        """Hang up instead of answering the next `times` commands named `command`
        ("LOGIN", "SELECT", "EXAMINE", "SEARCH", "FETCH")."""
        with self.state.lock:
            self.state.disconnects[command.upper()] = int(times)

    @property
    def commands(self) -> list[str]:
        with self.state.lock:
            return list(self.state.commands)

    @property
    def logins(self) -> int:
        with self.state.lock:
            return self.state.logins

    def reset_log(self) -> None:
        with self.state.lock:
            self.state.commands.clear()
            self.state.logins = 0

    # -- lifecycle ----------------------------------------------------------------

    def start(self) -> "FakeImapServer":
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.05},
                                        name="fake-imap", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread:
            self._thread.join(timeout=5)


def main(argv: list[str] | None = None) -> None:
    args = login_server_args("Fake IMAP4rev1 server", 1143, DEFAULT_USER, DEFAULT_PASSWORD, argv)
    server = FakeImapServer(args.user, args.password, host=args.host, port=args.port)
    serve_until_interrupted(server, lambda: f"fake IMAP on {server.host}:{server.port} user={args.user}")


if __name__ == "__main__":
    main()
