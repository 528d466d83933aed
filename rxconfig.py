"""Reflex configuration. The database is ours (messenger_app/db.py, settings.py), so no
db_url here: Reflex's own migration checks stay out of the way of Alembic."""

import os
from pathlib import Path

import reflex as rx

from messenger_app import instance_lock
from messenger_app.settings import backend_workers, credential_origins

if instance_lock.wanted():  # one `reflex run` per checkout: .web/ is built for one port
    instance_lock.hold(Path(__file__).resolve().parent)

# Reflex/Granian read this when they start the backend processes (settings.backend_workers)
os.environ["GRANIAN_WORKERS"] = str(backend_workers())

config = rx.Config(
    app_name="messenger_app",
    show_built_with_reflex=False,
    telemetry_enabled=False,
    redis_url=os.environ.get("REDIS_URL") or None,
    # Security (README): cookies cross origins only to the app's own pages; X-Forwarded-For
    # counts only behind that many trusted reverse proxies.
    cors_allowed_origins=credential_origins(),
    trusted_proxy_hops=int(os.environ.get("TRUSTED_PROXY_HOPS") or 0),
    # One process (no REDIS_URL): states in memory. Disk pickled every tab's state after
    # each live update (0.50 ms CPU per tab and event vs 0.09 in memory, 20 tabs:
    # tests/bench/bench_state_manager.py) for one thing memory loses: the state across a
    # restart. A reconnecting tab sends hydrate_and_load with its cookie, so on_load
    # rebuilds it; the folder, filter and open dialog ride in the URL. With REDIS_URL:
    # Redis, which several workers and hosts need.
    state_manager_mode=(rx.constants.StateManagerMode.REDIS if os.environ.get("REDIS_URL")
                        else rx.constants.StateManagerMode.MEMORY),
    plugins=[rx.plugins.RadixThemesPlugin(theme=rx.theme(
        accent_color="indigo", gray_color="slate", radius="large", scaling="100%"))],
    disable_plugins=[rx.plugins.SitemapPlugin],
)
