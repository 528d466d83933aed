"""Secrets on disk are readable by their owner only; odd /files paths are 404, not 500."""

import stat

from starlette.testclient import TestClient

from messenger_app import api, settings
from messenger_app.services import auth, startup


def test_generated_admin_password_file_is_0600(data_dir, monkeypatch):
    monkeypatch.delenv("ADMIN_PASSWORD")
    settings.reset()
    path = data_dir / "admin-password.txt"
    path.write_text("old\n")
    path.chmod(0o644)  # left by an older version
    startup.prepare()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    user, password = path.read_text().split()
    assert auth.login(user, password)


def test_nul_and_odd_bytes_in_files_paths_are_404(data_dir):
    auth.create_operator("op", "password-123")
    client = TestClient(api.build())
    client.cookies.set("msg_session", auth.login("op", "password-123"))
    for path in ["/files/a%00b.png", "/files/%00", "/files/avatars/%00/../x", "/files/%ff%fe",
                 "/files/" + "a" * 5000, "/files/%2e%2e%00/x"]:
        assert client.get(path).status_code == 404, path
