"""Every environment setting in one place, with its default.

| variable            | default                         | meaning                                       |
|---------------------|---------------------------------|-----------------------------------------------|
| DATA_DIR            | ./data                          | SQLite file, uploaded/downloaded files, keys  |
| DATABASE_URL        | sqlite:///$DATA_DIR/messenger.db| or postgresql+psycopg://user:pw@host/db       |
| REDIS_URL           | (unset)                         | unset: in-process event bus; set: Redis pub/sub|
| ADMIN_USERNAME      | admin                           | first admin, created when no operator exists  |
| ADMIN_PASSWORD      | (generated, printed once)       | its password                                  |
| DEMO_DATA           | 0                               | 1: fill an empty database with demo clients   |
| DEMO_LANG           | en                              | the demo clients' language: en or ru          |
| TELEGRAM_API_BASE   | https://api.telegram.org        | default base URL for new Telegram channels    |
| PUBLIC_URL          | http://localhost:3000           | how browsers reach the app (widget snippet)   |
| RUN_WORKERS         | 1                               | 0: this process runs no pollers/senders       |
| WIDGET_MAX_CHARS    | 2000                            | longest widget message                        |
| WIDGET_RATE_PER_MIN | 20                              | widget messages a visitor may send per minute |
| CLICK_TO_CALL_URL   | (unset)                         | phone click-to-call (R2), e.g. https://pbx/call?to={phone}; unset: tel: link |
| VAPID_SUBJECT       | mailto:admin@localhost          | contact the push services see (N1)            |
| PUSH_ALL_CHATS      | 1                               | push for clients in no custom folder (N1)     |
| SOUND_ALL_CHATS     | 1                               | sound for clients in no custom folder (N2)    |
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


def _bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str
    redis_url: str
    admin_username: str
    admin_password: str
    demo_data: bool
    demo_lang: str
    telegram_api_base: str
    public_url: str
    run_workers: bool
    widget_max_chars: int
    widget_rate_per_min: int
    vapid_subject: str = "mailto:admin@localhost"
    push_all_chats: bool = True
    sound_all_chats: bool = True
    click_to_call_url: str = ""  # "{phone}" is replaced by the E.164 number, URL-quoted

    @property
    def files_dir(self) -> Path:
        return self.data_dir / "files"


def load() -> Settings:
    data_dir = Path(os.environ.get("DATA_DIR") or "data").resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / "files").mkdir(exist_ok=True)
    db_url = os.environ.get("DATABASE_URL") or f"sqlite:///{data_dir / 'messenger.db'}"
    return Settings(
        data_dir=data_dir,
        database_url=db_url,
        redis_url=os.environ.get("REDIS_URL", ""),
        admin_username=os.environ.get("ADMIN_USERNAME") or "admin",
        admin_password=os.environ.get("ADMIN_PASSWORD", ""),
        demo_data=_bool("DEMO_DATA", False),
        demo_lang=(os.environ.get("DEMO_LANG") or "en").strip().lower(),
        telegram_api_base=os.environ.get("TELEGRAM_API_BASE") or "https://api.telegram.org",
        public_url=(os.environ.get("PUBLIC_URL") or "http://localhost:3000").rstrip("/"),
        run_workers=_bool("RUN_WORKERS", True),
        widget_max_chars=int(os.environ.get("WIDGET_MAX_CHARS") or 2000),
        widget_rate_per_min=int(os.environ.get("WIDGET_RATE_PER_MIN") or 20),
        vapid_subject=os.environ.get("VAPID_SUBJECT") or "mailto:admin@localhost",
        push_all_chats=_bool("PUSH_ALL_CHATS", True),
        sound_all_chats=_bool("SOUND_ALL_CHATS", True),
        click_to_call_url=(os.environ.get("CLICK_TO_CALL_URL") or "").strip(),
    )


_settings: Settings | None = None


def get() -> Settings:
    global _settings
    if _settings is None:
        _settings = load()
    return _settings


def reset() -> None:
    """Tests change the environment and call this."""
    global _settings
    _settings = None
