"""Every environment setting in one place, with its default.

| variable            | default                         | meaning                                       |
|---------------------|---------------------------------|-----------------------------------------------|
| DATA_DIR            | ./data                          | SQLite file, files (unless S3_BUCKET), admin password file |
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
| INBOUND_MAX_CHARS   | 20000                           | longer inbound texts (webhooks, polls) are cut |
| LOGIN_LIMITS        | 5/minute;20/hour                | wrong passwords for one username from one address |
| LOGIN_ADDRESS_LIMITS| 30/minute;200/hour              | wrong passwords from one address, any username |
| WIDGET_ADDRESS_RATE_PER_MIN | 60                      | widget messages from one address per minute   |
| WIDGET_NEW_VISITORS_PER_HOUR | 10                     | new widget visitors from one address per hour |
| TRUSTED_PROXY_HOPS  | 0                               | reverse proxies in front: X-Forwarded-For is used only when > 0 |
| CORS_ORIGINS        | (PUBLIC_URL)                    | extra origins, comma-separated, that may call /api with cookies |
| WIDGET_ORIGINS      | (any)                           | sites that may embed /widget in a frame, space-separated; unset: any |
| CLICK_TO_CALL_URL   | (unset)                         | phone click-to-call (R2), e.g. https://pbx/call?to={phone}; unset: tel: link |
| VAPID_SUBJECT       | mailto:admin@localhost          | contact the push services see (N1)            |
| PUSH_ALL_CHATS      | 1                               | push for clients in no custom folder (N1)     |
| SOUND_ALL_CHATS     | 1                               | sound for clients in no custom folder (N2)    |
| DB_POOL_SIZE        | 5                               | PostgreSQL connections kept per process       |
| DB_MAX_OVERFLOW     | 5                               | extra connections per process under load      |
| S3_BUCKET           | (unset)                         | set: files (avatars, attachments) in this S3 bucket, shared by every host; unset: DATA_DIR/files |
| S3_PREFIX           | (empty)                         | key prefix inside the bucket, e.g. messenger/ |
| S3_ENDPOINT_URL     | (unset: AWS)                    | an S3-compatible store, e.g. http://minio:9000|
| S3_REGION           | (unset)                         | e.g. us-east-1                                |
| S3_ACCESS_KEY_ID    | (unset)                         | with S3_SECRET_ACCESS_KEY; unset: boto3's usual chain (AWS_* env, ~/.aws, instance role) |
| S3_SECRET_ACCESS_KEY| (unset)                         |                                               |
| REPORT_TZ           | the machine's zone (TZ, /etc/timezone, /etc/localtime), else UTC | default reporting time zone of /stats (services/stats.server_zone) |
| GRANIAN_WORKERS     | 1 without REDIS_URL, else the core count (max 4) | backend processes per host (rxconfig.py sets it for Reflex/Granian) |

Per process PostgreSQL uses at most DB_POOL_SIZE + DB_MAX_OVERFLOW connections: with W
backend workers on H hosts keep H * W * (DB_POOL_SIZE + DB_MAX_OVERFLOW) under the server's
max_connections (PostgreSQL's default is 100).
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


def _int(name: str, default: int, minimum: int) -> int:
    raw = (os.environ.get(name) or "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{name} must be a whole number, not {raw!r}") from None
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}")
    return value


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
    db_pool_size: int = 5
    db_max_overflow: int = 5
    s3_bucket: str = ""
    s3_prefix: str = ""
    s3_endpoint_url: str = ""
    s3_region: str = ""
    s3_access_key_id: str = ""
    s3_secret_access_key: str = ""
    inbound_max_chars: int = 20000
    login_limits: str = "5/minute;20/hour"
    login_address_limits: str = "30/minute;200/hour"
    widget_address_rate_per_min: int = 60
    widget_new_visitors_per_hour: int = 10
    trusted_proxy_hops: int = 0
    cors_origins: tuple[str, ...] = ()
    widget_origins: tuple[str, ...] = ()
    time_zone: str = "UTC"  # the workspace's (bot branches on time of day / weekday)
    bot_debounce_seconds: float = 2.0  # quick messages from a client are answered together
    bot_minute_seconds: float = 60.0  # length of a scenario "minute" (tests shorten it)

    @property
    def public_origin(self) -> str:
        """scheme://host[:port] of PUBLIC_URL (no path)."""
        return _origin_of(self.public_url)

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
        db_pool_size=_int("DB_POOL_SIZE", 5, 1),
        db_max_overflow=_int("DB_MAX_OVERFLOW", 5, 0),
        s3_bucket=(os.environ.get("S3_BUCKET") or "").strip(),
        s3_prefix=(os.environ.get("S3_PREFIX") or "").strip(),
        s3_endpoint_url=(os.environ.get("S3_ENDPOINT_URL") or "").strip(),
        s3_region=(os.environ.get("S3_REGION") or "").strip(),
        s3_access_key_id=(os.environ.get("S3_ACCESS_KEY_ID") or "").strip(),
        s3_secret_access_key=os.environ.get("S3_SECRET_ACCESS_KEY") or "",
        inbound_max_chars=int(os.environ.get("INBOUND_MAX_CHARS") or 20000),
        login_limits=os.environ.get("LOGIN_LIMITS") or "5/minute;20/hour",
        login_address_limits=os.environ.get("LOGIN_ADDRESS_LIMITS") or "30/minute;200/hour",
        widget_address_rate_per_min=int(os.environ.get("WIDGET_ADDRESS_RATE_PER_MIN") or 60),
        widget_new_visitors_per_hour=int(os.environ.get("WIDGET_NEW_VISITORS_PER_HOUR") or 10),
        trusted_proxy_hops=int(os.environ.get("TRUSTED_PROXY_HOPS") or 0),
        cors_origins=_origins(os.environ.get("CORS_ORIGINS", "").replace(",", " ")),
        widget_origins=_origins(os.environ.get("WIDGET_ORIGINS", "").replace(",", " ")),
        time_zone=(os.environ.get("TIME_ZONE") or "UTC").strip(),
        bot_debounce_seconds=float(os.environ.get("BOT_DEBOUNCE_SECONDS") or 2.0),
        bot_minute_seconds=float(os.environ.get("BOT_MINUTE_SECONDS") or 60.0),
    )


def backend_workers() -> int:
    """Backend processes per host: GRANIAN_WORKERS, else 1 without Redis (the processes could
    not share the tabs' state) and the core count, at most 4, with it. Reflex's own choice was
    2 * cores + 1 whenever Redis answered (5 pollers' worth of processes on a 2-core host)."""
    raw = (os.environ.get("GRANIAN_WORKERS") or "").strip()
    if raw:
        return _int("GRANIAN_WORKERS", 1, 1)
    if not os.environ.get("REDIS_URL"):
        return 1
    return max(1, min(os.cpu_count() or 1, 4))


def _origins(raw: str) -> tuple[str, ...]:
    return tuple(o.strip().rstrip("/") for o in raw.split() if o.strip())


def _origin_of(url: str) -> str:
    parts = url.rstrip("/").split("/")
    return "/".join(parts[:3]) if len(parts) >= 3 else url


def credential_origins(env=os.environ) -> list[str]:
    """Origins whose pages may call the backend with the operator's cookies (CORS with
    credentials, and the websocket): PUBLIC_URL's, plus CORS_ORIGINS. rxconfig.py reads it
    before anything else is loaded, hence a function of the environment alone."""
    public = _origin_of((env.get("PUBLIC_URL") or "http://localhost:3000").strip())
    extra = _origins(env.get("CORS_ORIGINS", "").replace(",", " "))
    return list(dict.fromkeys([public, *extra]))


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
