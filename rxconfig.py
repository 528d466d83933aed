"""Reflex configuration. The database is ours (messenger_app/db.py, settings.py), so no
db_url here: Reflex's own migration checks stay out of the way of Alembic."""

import os

import reflex as rx

from messenger_app.settings import backend_workers

# Reflex/Granian read this when they start the backend processes (settings.backend_workers)
os.environ["GRANIAN_WORKERS"] = str(backend_workers())

config = rx.Config(
    app_name="messenger_app",
    show_built_with_reflex=False,
    telemetry_enabled=False,
    redis_url=os.environ.get("REDIS_URL") or None,
    plugins=[rx.plugins.RadixThemesPlugin(theme=rx.theme(
        accent_color="indigo", gray_color="slate", radius="large", scaling="100%"))],
    disable_plugins=[rx.plugins.SitemapPlugin],
)
