"""One 'host' of the multi-host tests: the start-up step (migrations under the advisory
lock, first admin) and then the app's HTTP routes (files, health, push, widget, webhooks),
served by uvicorn:  uvicorn --factory tests.multihost.host_app:app
The environment (DATA_DIR, DATABASE_URL, REDIS_URL, S3_*) says which host it is. With
HOST_WORKERS=1 the host also runs the workers (pollers, send lanes, jobs) as the app's
lifespan task does, so the lease and the claims are exercised across real processes."""

import asyncio
import contextlib
import os

from starlette.applications import Starlette

from messenger_app import api, workers
from messenger_app.services import startup


def app():
    startup.prepare()
    inner = api.build()
    if os.environ.get("HOST_WORKERS") != "1":
        return inner

    @contextlib.asynccontextmanager
    async def lifespan(_app):
        task = asyncio.create_task(workers.run())
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    return Starlette(routes=inner.routes, lifespan=lifespan)
