"""One 'host' of the multi-host tests: the start-up step (migrations under the advisory
lock, first admin) and then the app's HTTP routes (files, health, push, widget, webhooks),
served by uvicorn:  uvicorn --factory tests.multihost.host_app:app
The environment (DATA_DIR, DATABASE_URL, REDIS_URL, S3_*) says which host it is."""

from messenger_app import api
from messenger_app.services import startup


def app():
    startup.prepare()
    return api.build()
