"""services/rate_limits: the `limits` library in memory by default, in Redis with REDIS_URL
(shared by every backend process), and never locking everyone out when Redis is down."""

import pytest

from messenger_app import settings
from messenger_app.services import rate_limits


def test_memory_counts_per_key_and_says_how_long_to_wait(data_dir):
    for _ in range(3):
        assert rate_limits.hit("3/minute", "k", "a").ok
    verdict = rate_limits.allowed("3/minute", "k", "a")
    assert not verdict.ok and 1 <= verdict.retry_in <= 60
    assert rate_limits.allowed("3/minute", "k", "b").ok  # another key is untouched


def test_redis_storage_is_shared_by_processes(tmp_path, monkeypatch, data_dir):
    from tests.services import RedisServer

    try:
        server = RedisServer(tmp_path)
    except RuntimeError as e:
        pytest.fail(str(e))
    try:
        monkeypatch.setenv("REDIS_URL", server.url)
        settings.reset()
        for _ in range(2):
            rate_limits.hit("2/minute", "login", "x", "1.2.3.4")
        settings.reset()  # a fresh limiter, as in another process: the count is in Redis
        assert not rate_limits.allowed("2/minute", "login", "x", "1.2.3.4").ok
    finally:
        server.stop()


def test_unreachable_redis_does_not_lock_everyone_out(data_dir, monkeypatch, caplog):
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:1/0")
    settings.reset()
    assert rate_limits.hit("1/minute", "k").ok and rate_limits.allowed("1/minute", "k").ok
    assert "rate limits not" in caplog.text
