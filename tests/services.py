"""Start and stop real redis-server / PostgreSQL on loopback for the tests that need them."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_port(port: int, timeout: float = 15) -> None:
    end = time.time() + timeout
    while time.time() < end:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {port}")


class RedisServer:
    def __init__(self, workdir: Path):
        exe = shutil.which("redis-server") or "/usr/bin/redis-server"
        if not os.path.exists(exe):
            raise RuntimeError("redis-server is not installed (./test.sh installs it)")
        self.port = free_port()
        self._cmd = [exe, "--port", str(self.port), "--bind", "127.0.0.1",
                     "--save", "", "--appendonly", "no", "--dir", str(workdir)]
        self.start()
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        """(Re)start on the same port (an outage test stops and starts it again)."""
        self.proc = subprocess.Popen(self._cmd, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        _wait_port(self.port)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
        self.proc.wait(10)


class PostgresServer:
    """A throw-away cluster in `workdir`, run as the `postgres` user when we are root."""

    def __init__(self, workdir: Path | None = None):
        bindir = sorted(Path("/usr/lib/postgresql").glob("*/bin"))
        if not bindir:
            raise RuntimeError("PostgreSQL is not installed (./test.sh installs it)")
        self.bin = bindir[-1]
        # its own folder under /tmp: pytest's tmp folders are closed to the postgres user
        workdir = Path(tempfile.mkdtemp(prefix="messenger-pg-"))
        self.workdir = workdir
        self.port = free_port()
        self.dir = workdir / "pg"
        self.dir.mkdir(parents=True)
        self.sock = workdir / "pgsock"
        self.sock.mkdir()
        self.as_user = []
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres")
            shutil.chown(self.sock, "postgres")
            os.chmod(workdir, 0o755)
            self.as_user = ["runuser", "-u", "postgres", "--"]
        subprocess.run(self.as_user + [str(self.bin / "initdb"), "-D", str(self.dir), "-U", "postgres",
                                       "--auth=trust", "-E", "UTF8"], check=True,
                       stdout=subprocess.DEVNULL)
        self._start()
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _start(self) -> None:
        self.proc = subprocess.Popen(self.as_user + [str(self.bin / "postgres"), "-D", str(self.dir),
                                                     "-p", str(self.port), "-k", str(self.sock),
                                                     "-c", "listen_addresses=127.0.0.1",
                                                     "-c", "fsync=off"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _wait_port(self.port)
        time.sleep(0.5)

    def stop_for(self, seconds: float) -> None:
        """An outage: fast shutdown (clients cut off), `seconds` down, then the same cluster."""
        import signal

        # SIGINT = fast shutdown, to the postmaster itself (runuser does not pass SIGINT on)
        postmaster = int((self.dir / "postmaster.pid").read_text().split()[0])
        os.kill(postmaster, signal.SIGINT)
        self.proc.wait(30)
        time.sleep(seconds)
        self._start()

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(20)
        shutil.rmtree(self.workdir, ignore_errors=True)


# -- e-mail: Dovecot (IMAP) + aiosmtpd (SMTP) delivering into it ----------------------------


def make_tls_files(workdir: Path, name: str = "localhost") -> dict[str, Path]:
    """A private CA and a server certificate it signed (for localhost / 127.0.0.1):
    {"ca": ca.pem, "cert": cert.pem, "key": key.pem}."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Messenger test CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now - datetime.timedelta(days=1))
          .not_valid_after(now + datetime.timedelta(days=30))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
            .issuer_name(ca_name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=30))
            .add_extension(x509.SubjectAlternativeName(
                [x509.DNSName(name), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                critical=False)
            .sign(ca_key, hashes.SHA256()))
    out = {"ca": workdir / "ca.pem", "cert": workdir / "cert.pem", "key": workdir / "key.pem"}
    out["ca"].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    out["cert"].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    out["key"].write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                             serialization.PrivateFormat.PKCS8,
                                             serialization.NoEncryption()))
    for p in out.values():
        os.chmod(p, 0o644)
    return out


class DovecotServer:
    """Debian's Dovecot on loopback with a generated config: users from a passwd file, mail
    in maildirs under a temp dir, IMAP with STARTTLS on one port and implicit TLS (IMAPS) on
    another, certificates from `make_tls_files`. Run in the foreground, stopped by stop()."""

    def __init__(self, users: dict[str, str]):
        exe = shutil.which("dovecot") or "/usr/sbin/dovecot"
        if not os.path.exists(exe):
            raise RuntimeError("dovecot is not installed (./test.sh installs dovecot-imapd)")
        self.users = dict(users)
        self.workdir = Path(tempfile.mkdtemp(prefix="messenger-dovecot-"))
        os.chmod(self.workdir, 0o755)
        self.tls = make_tls_files(self.workdir)
        self.port = free_port()  # plain IMAP, STARTTLS offered
        self.ssl_port = free_port()  # IMAPS
        self.host = "127.0.0.1"
        if os.geteuid() == 0:  # Dovecot never gives mail access as root: the package's user
            import pwd

            pw = pwd.getpwnam("dovecot")
            uid, gid, internal, login = pw.pw_uid, pw.pw_gid, "dovecot", "dovenull"
        else:
            import getpass

            uid, gid = os.getuid(), os.getgid()
            internal = login = getpass.getuser()
        mail = self.workdir / "mail"
        mail.mkdir()
        os.chown(mail, uid, gid)
        (self.workdir / "passwd").write_text(
            "".join(f"{u}:{{PLAIN}}{p}::::::\n" for u, p in self.users.items()))
        dh = "/usr/share/dovecot/dh.pem"
        self.config = self.workdir / "dovecot.conf"
        self.config.write_text(f"""
base_dir = {self.workdir}/run
state_dir = {self.workdir}/state
log_path = {self.workdir}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = yes
ssl_cert = <{self.tls['cert']}
ssl_key = <{self.tls['key']}
{f'ssl_dh = <{dh}' if os.path.exists(dh) else ''}
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {internal}
default_login_user = {login}
mail_location = maildir:{mail}/%u
first_valid_uid = {uid}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {self.workdir}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={mail}/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {self.ssl_port}
    ssl = yes
  }}
}}
service stats {{
  unix_listener stats-reader {{
    mode = 0666
  }}
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
""")
        self.proc = subprocess.Popen([exe, "-F", "-c", str(self.config)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            _wait_port(self.port)
            _wait_port(self.ssl_port)
        except RuntimeError:
            self.stop()
            raise RuntimeError("dovecot did not start: " + self.log())

    def log(self) -> str:
        try:
            return (self.workdir / "dovecot.log").read_text()[-3000:]
        except OSError:
            return ""

    def deliver(self, user: str, raw: bytes, folder: str = "INBOX") -> None:
        """Put a mail into a user's folder as a delivery agent would (doveadm save)."""
        subprocess.run(["doveadm", "-c", str(self.config), "save", "-u", user, "-m", folder],
                       input=raw, check=True, capture_output=True)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        shutil.rmtree(self.workdir, ignore_errors=True)


class SmtpServer:
    """aiosmtpd as the mail server's submission side: AUTH for the Dovecot users, STARTTLS on
    `port` (required before AUTH), implicit TLS on `ssl_port`, and every accepted mail
    delivered into the recipients' Dovecot INBOX (unknown local recipients: 550)."""

    def __init__(self, dovecot: DovecotServer):
        import ssl

        from aiosmtpd.controller import Controller
        from aiosmtpd.smtp import AuthResult, LoginPassword

        self.dovecot = dovecot
        self.host = "127.0.0.1"
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(dovecot.tls["cert"], dovecot.tls["key"])
        server = self

        class Handler:
            async def handle_RCPT(self, srv, session, envelope, address, rcpt_options):
                if address.lower() not in server.dovecot.users:
                    return "550 5.1.1 no such user here"
                envelope.rcpt_tos.append(address)
                return "250 OK"

            async def handle_DATA(self, srv, session, envelope):
                import asyncio

                for rcpt in envelope.rcpt_tos:
                    await asyncio.to_thread(server.dovecot.deliver, rcpt.lower(),
                                            envelope.original_content)
                return "250 OK delivered"

        def authenticator(srv, session, envelope, mechanism, auth_data):
            ok = (isinstance(auth_data, LoginPassword)
                  and dovecot.users.get(auth_data.login.decode()) == auth_data.password.decode())
            return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)

        common = dict(hostname="127.0.0.1", authenticator=authenticator, decode_data=False)
        self.port = free_port()
        self._starttls = Controller(Handler(), port=self.port, tls_context=ctx,
                                    require_starttls=False, auth_require_tls=True, **common)
        self.ssl_port = free_port()
        # aiosmtpd does not count implicit TLS as TLS for auth_require_tls; it is TLS anyway
        self._implicit = Controller(Handler(), port=self.ssl_port, ssl_context=ctx,
                                    auth_require_tls=False, **common)
        self._starttls.start()
        self._implicit.start()

    def stop(self) -> None:
        self._starttls.stop()
        self._implicit.stop()


# -- Web Push: web-push-testing (npm, tests/servers/webpush) ---------------------------------


class WebPushTestingServer:
    """web-push-testing on a free loopback port (tests/servers/webpush/start.js). A browser's
    part is `subscribe(application_server_key)`; `notifications(client_hash)` are the decrypted
    payloads it received; `expire(client_hash)` makes the next push answer 410."""

    DIR = Path(__file__).resolve().parent / "servers" / "webpush"

    def __init__(self):
        node = shutil.which("node")
        if node is None or not (self.DIR / "node_modules" / "web-push-testing").is_dir():
            raise RuntimeError("web-push-testing is not installed (./test.sh installs it)")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen([node, str(self.DIR / "start.js"), str(self.port)],
                                     cwd=self.DIR, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True)
        line = self.proc.stdout.readline()  # "listening <port>": the readiness signal
        if not line.startswith("listening"):
            self.stop()
            raise RuntimeError(f"web-push-testing did not start: {line}")

    def _post(self, path: str, body: dict | None = None):
        import httpx

        return httpx.post(self.url + path, json=body or {}, timeout=10)

    def subscribe(self, application_server_key: str) -> dict:
        r = self._post("/subscribe", {"userVisibleOnly": "true",
                                      "applicationServerKey": application_server_key})
        r.raise_for_status()
        return r.json()["data"]

    def notifications(self, client_hash: str) -> list:
        r = self._post("/get-notifications", {"clientHash": client_hash})
        r.raise_for_status()
        return r.json()["data"]["messages"]

    def expire(self, client_hash: str) -> None:
        self._post(f"/expire-subscription/{client_hash}").raise_for_status()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)
        if self.proc.stdout:
            self.proc.stdout.close()
