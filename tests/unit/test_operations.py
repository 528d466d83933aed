"""Operations (issue 20): a warm start skips the frontend build only when nothing it is made
of changed; the set-up script names packages that differ from the pins; our log lines
carry time, level and logger."""

import importlib.util
import logging
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _script(name):
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture
def serve(tmp_path, monkeypatch):
    """scripts/serve.py over a copy of the sources it fingerprints."""
    mod = _script("serve")
    (tmp_path / "messenger_app" / "pages").mkdir(parents=True)
    (tmp_path / "messenger_app" / "pages" / "login.py").write_text("x = 1\n")
    (tmp_path / "assets").mkdir()
    (tmp_path / "assets" / "app.js").write_text("// js\n")
    (tmp_path / "reflex.lock").mkdir()
    (tmp_path / "rxconfig.py").write_text("config = 1\n")
    (tmp_path / "requirements.txt").write_text("reflex==0.10.1\n")
    monkeypatch.setattr(mod, "ROOT", tmp_path)
    monkeypatch.setattr(mod, "STAMP", tmp_path / ".web" / "messenger-build.sha256")
    monkeypatch.setattr(mod, "BUILT", tmp_path / ".web" / "build" / "client")
    return mod


def test_warm_start_only_when_nothing_the_build_uses_changed(serve, tmp_path):
    env = {"PUBLIC_URL": "http://localhost:3000", "HOME": "/x"}
    first = serve.fingerprint("3000", env)
    assert not serve.is_fresh(first)  # never built
    (tmp_path / ".web" / "build" / "client").mkdir(parents=True)
    serve.STAMP.write_text(first + "\n")
    assert not serve.is_fresh(first)  # stamped but the pages are gone
    (tmp_path / ".web" / "build" / "client" / "index.html").write_text("<html>")
    assert serve.is_fresh(first)
    assert serve.fingerprint("3000", {**env, "HOME": "/y", "DATABASE_URL": "x"}) == first  # not used
    changed = [
        serve.fingerprint("3001", env),
        serve.fingerprint("3000", {**env, "PUBLIC_URL": "https://inbox.example"}),
        serve.fingerprint("3000", {**env, "REFLEX_LOGLEVEL": "debug"}),
    ]
    (tmp_path / "assets" / "app.js").write_text("// js changed\n")
    changed.append(serve.fingerprint("3000", env))
    (tmp_path / "assets" / "app.js").write_text("// js\n")
    assert serve.fingerprint("3000", env) == first
    (tmp_path / "messenger_app" / "pages" / "new.py").write_text("y = 2\n")
    changed.append(serve.fingerprint("3000", env))
    assert first not in changed and len(set(changed)) == len(changed)


def test_the_pins_are_checked_and_the_fix_is_named(tmp_path, capsys):
    check = _script("check_packages")
    import pytest as installed

    (tmp_path / "base.txt").write_text(f"# comment\npytest=={installed.__version__}\n")
    (tmp_path / "req.txt").write_text("-r base.txt\npsycopg[binary]==0.0.1\nno-such-package-xyz==1.0\n")
    assert check.pins(tmp_path / "req.txt") == {"pytest": installed.__version__, "psycopg": "0.0.1",
                                                 "no-such-package-xyz": "1.0"}
    assert check.main([str(tmp_path / "req.txt")]) == 1
    err = capsys.readouterr().err
    assert "psycopg: " in err and "0.0.1 pinned" in err and "no-such-package-xyz: not installed" in err
    assert "pip install -r" in err and "pytest" not in err.split("fix:")[0]
    assert check.main([str(tmp_path / "base.txt")]) == 0
    assert check.main([str(ROOT / "requirements.txt")]) == 0  # this checkout's venv


def test_log_lines_have_time_level_and_logger(monkeypatch):
    from messenger_app import log_config

    monkeypatch.setattr(log_config, "_done", False)
    log_config.configure()
    logger = logging.getLogger("messenger.webhooks")
    handler = logging.getLogger("messenger").handlers[0]
    record = logger.makeRecord("messenger.webhooks", logging.WARNING, __file__, 1,
                               "webhook %s: refused", (3,), None)
    line = handler.format(record)
    import re

    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} WARNING messenger\.webhooks: webhook 3: refused",
                        line), line
    assert logging.getLogger("messenger_app.services.inbox").getEffectiveLevel() == logging.INFO
    monkeypatch.setenv("LOG_LEVEL", "nonsense")
    assert log_config.level() == "INFO"
    monkeypatch.setenv("LOG_LEVEL", "debug")
    assert log_config.level() == "DEBUG"
