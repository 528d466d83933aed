"""What the fake channel APIs (VK, Viber, WhatsApp) share: state behind one lock with failure
injection, request recording, served files and long-poll waiting; a uvicorn runner in a
background thread on a free port; the common /_fake/ control routes; a CLI entry point.

    with FakeVkServer() as fake:         # any subclass of FakeServer
        fake.url                         # "http://127.0.0.1:<port>"
        fake.state.add_failure("messages.send", code=6)   # next call fails
        fake.state.sent                  # what the bot sent
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import threading
from typing import Any, Awaitable, Callable, TypeVar

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.fakes.runner import FailureRules, ThreadedServer
from tests.fakes.media import JPEG_BYTES, OGG_BYTES, PDF_BYTES, PNG_BYTES, make_png  # noqa: F401  (re-exported)

T = TypeVar("T")


def outbound_file(directory, name: str, data: bytes, mime_type: str, kind: str = "document",
                  url: str = ""):
    """An OutboundFile as the outbox hands it to an adapter: the bytes written under
    `directory` (a pytest tmp_path), size and type filled in."""
    from pathlib import Path

    from messenger_app.channels.base import OutboundFile

    path = Path(directory) / name
    path.write_bytes(data)
    return OutboundFile(path=str(path), file_name=name, mime_type=mime_type, size=len(data),
                        kind=kind, url=url)


class RequestLog:
    """What the app called on a fake, and with what: `stats` (calls per method) and the last
    500 `requests`, under the state's `_lock`. Every fake's state (the Telegram fake's too)."""

    stats: dict[str, int]
    requests: list[dict]

    def count(self, method: str, params: dict) -> None:
        with self._lock:
            self.stats[method] = self.stats.get(method, 0) + 1
            self.requests.append({"method": method, "params": params})
            del self.requests[:-500]

    def requests_of(self, method: str) -> list[dict]:
        with self._lock:
            return [r["params"] for r in self.requests if r["method"] == method]


class FakeState(FailureRules, RequestLog):
    """Base of every fake's state. Subclasses put their own fields in `_reset()`."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._waiters: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()
        self._file_ids = itertools.count(1)
        self.closing = False  # set on shutdown: pending long polls return at once
        self.base_url = ""  # "http://127.0.0.1:<port>", set by FakeServer once bound
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self.failures: dict[str, list[dict]] = {}
            self.stats: dict[str, int] = {}
            self.requests: list[dict] = []
            self.sent: list[dict] = []
            self.blocked: set[str] = set()
            self.files: dict[str, tuple[bytes, str]] = {}  # name -> (data, content type)
            self._reset()

    def _reset(self) -> None:
        pass

    # -- failure injection ---------------------------------------------------------------

    def add_failure(self, method: str, status: int = 200, times: int = 1, code: int | None = None,
                    message: str | None = None, retry_after: int | None = None,
                    body: str | None = None) -> None:
        """The next `times` calls of `method` fail. `code`: an API error code in the channel's
        own JSON shape (VK error_code, Viber status, Graph error.code); `status`: the HTTP
        status; `body`: a raw (non-JSON) body; `retry_after`: a Retry-After header."""
        rule = {"status": int(status), "times": int(times), "code": code, "message": message,
                "retry_after": retry_after, "body": body}
        self._add_rule(method, rule)

    def block(self, user_id: Any) -> None:
        with self._lock:
            self.blocked.add(str(user_id))

    def unblock(self, user_id: Any) -> None:
        with self._lock:
            self.blocked.discard(str(user_id))

    # -- served files ---------------------------------------------------------------------

    def add_file(self, data: bytes, content_type: str, name: str | None = None) -> str:
        """Serve `data` at /files/<name>; returns the absolute URL."""
        name = name or f"f{next(self._file_ids)}"
        with self._lock:
            self.files[name] = (bytes(data), content_type)
        return f"{self.base_url}/files/{name}"

    # -- long polls -----------------------------------------------------------------------

    def notify(self) -> None:
        with self._lock:
            waiters = list(self._waiters)
        for loop, event in waiters:
            try:
                loop.call_soon_threadsafe(event.set)
            except RuntimeError:  # loop already closed
                pass

    async def wait_until(self, ready: Callable[[], T], timeout: float) -> T:
        """Call ready() (under the lock) until it is truthy or `timeout` seconds passed."""
        loop, event = asyncio.get_running_loop(), asyncio.Event()
        with self._lock:
            self._waiters.add((loop, event))
        try:
            deadline = loop.time() + max(0.0, timeout)
            while True:
                with self._lock:
                    result = ready()
                    event.clear()
                remaining = deadline - loop.time()
                if result or remaining <= 0 or self.closing:
                    return result
                try:
                    await asyncio.wait_for(event.wait(), remaining)
                except asyncio.TimeoutError:
                    pass
        finally:
            with self._lock:
                self._waiters.discard((loop, event))


async def request_params(request: Request, *, invalid_json: Exception | None = None,
                         not_object: Exception | None = None,
                         form_value: Callable[[Any], Awaitable[Any]] | None = None) -> dict[str, Any]:
    """Query string, then a form or JSON body. A JSON body that does not parse raises
    `invalid_json`, one that parses to something else than an object raises `not_object`
    (without them such a body is ignored); `form_value` turns each form value (an upload,
    say) into the param's value (default: as it is)."""
    params: dict[str, Any] = dict(request.query_params)
    ctype = request.headers.get("content-type", "")
    if request.method == "POST":
        if "json" in ctype:
            try:
                body = await request.json()
            except ValueError:
                if invalid_json is not None:
                    raise invalid_json from None
            else:
                if isinstance(body, dict):
                    params.update(body)
                elif not_object is not None:
                    raise not_object
        elif "form" in ctype:
            for key, value in (await request.form()).multi_items():
                params[key] = await form_value(value) if form_value else value
    return params


def control_routes(state, sent_view: Callable[[dict], dict] | None = None,
                   stats: bool = True) -> list[Route]:
    """/_fake/{reset,sent,stats,requests}: every fake's state has reset(), _lock, sent and
    requests, and stats unless `stats` is false (the Telegram and SMS fakes' too).
    `sent_view`: what /_fake/sent shows of each sent record (default: all of it)."""

    async def reset(request: Request) -> Response:
        state.reset()
        return JSONResponse({"ok": True})

    async def sent(request: Request) -> Response:
        with state._lock:
            return JSONResponse([sent_view(s) for s in state.sent] if sent_view else list(state.sent))

    async def stats_(request: Request) -> Response:
        with state._lock:
            return JSONResponse(dict(state.stats))

    async def requests(request: Request) -> Response:
        with state._lock:
            return JSONResponse(list(state.requests))

    return [
        Route("/_fake/reset", reset, methods=["POST"]),
        Route("/_fake/sent", sent, methods=["GET"]),
        *([Route("/_fake/stats", stats_, methods=["GET"])] if stats else []),
        Route("/_fake/requests", requests, methods=["GET"]),
    ]


def common_routes(state: FakeState) -> list[Route]:
    """/files/<name>, the control routes and /_fake/{fail,block,unblock}."""

    async def serve_file(request: Request) -> Response:
        name = request.path_params["name"]
        state.count("file", {"name": name})
        with state._lock:
            entry = state.files.get(name)
        if entry is None:
            return Response("Not Found", status_code=404)
        return Response(entry[0], media_type=entry[1])

    async def fail(request: Request) -> Response:
        b = await request.json()
        state.add_failure(b["method"], int(b.get("status", 200)), int(b.get("times", 1)),
                          b.get("code"), b.get("message"), b.get("retry_after"), b.get("body"))
        return JSONResponse({"ok": True})

    async def block(request: Request) -> Response:
        state.block((await request.json())["user_id"])
        return JSONResponse({"ok": True})

    async def unblock(request: Request) -> Response:
        state.unblock((await request.json())["user_id"])
        return JSONResponse({"ok": True})

    return [
        Route("/files/{name}", serve_file, methods=["GET"]),
        *control_routes(state),
        Route("/_fake/fail", fail, methods=["POST"]),
        Route("/_fake/block", block, methods=["POST"]),
        Route("/_fake/unblock", unblock, methods=["POST"]),
    ]


def post_webhook(url: str, raw: bytes, headers: dict[str, str], timeout: float = 10.0) -> httpx.Response:
    """POST a (signed) webhook body to the app, as the channel would. Synchronous."""
    if not url:
        raise RuntimeError("no webhook URL registered with the fake")
    return httpx.post(url, content=raw, headers={"Content-Type": "application/json", **headers},
                      timeout=timeout)


class FakeServer(ThreadedServer):
    """Runs a fake's Starlette app in a background thread on 127.0.0.1 (free port by default).
    `api_path`: where the channel's API stands below the root (`api_url`)."""

    api_path = ""

    def __init__(self, state: FakeState, app_factory: Callable[[FakeState], Starlette],
                 host: str = "127.0.0.1", port: int = 0):
        self.state = state
        super().__init__(app_factory(state), host, port)
        state.base_url = self.url

    def _before_stop(self) -> None:
        self.state.closing = True
        self.state.notify()

    @property
    def api_url(self) -> str:
        """The base_url for the channel's adapter."""
        return f"{self.url}{self.api_path}"


def run_cli(name: str, make_state: Callable[[argparse.Namespace], FakeState],
            app_factory: Callable[[FakeState], Starlette], default_port: int,
            add_args: Callable[[argparse.ArgumentParser], None] | None = None,
            argv: list[str] | None = None) -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description=f"Fake {name} API")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=default_port)
    if add_args:
        add_args(parser)
    args = parser.parse_args(argv)
    state = make_state(args)
    state.base_url = f"http://{args.host}:{args.port}"
    print(f"fake {name} on {state.base_url}", flush=True)
    uvicorn.run(app_factory(state), host=args.host, port=args.port, log_level="warning")


class WebhookReceiver(FakeServer):
    """A stand-in for the app's webhook route, for tests of the fakes' deliver():
    `handler(method, raw_body, headers, query) -> (status, text)`; every call is recorded
    in `.calls` as {"method", "body", "headers", "query", "status"}."""

    name = "webhook-receiver"

    def __init__(self, handler: Callable[[str, bytes, dict, dict], tuple[int, str]],
                 host: str = "127.0.0.1", port: int = 0):
        self.handler = handler
        self.calls: list[dict] = []

        def factory(state: FakeState) -> Starlette:
            async def hook(request: Request) -> Response:
                raw = await request.body()
                headers, query = dict(request.headers), dict(request.query_params)
                status, text = self.handler(request.method, raw, headers, query)
                with state._lock:
                    self.calls.append({"method": request.method, "body": raw, "headers": headers,
                                       "query": query, "status": status})
                return Response(text, status_code=status, media_type="text/plain")

            return Starlette(routes=[Route("/hook", hook, methods=["GET", "POST"])])

        super().__init__(FakeState(), factory, host, port)

    @property
    def hook_url(self) -> str:
        return f"{self.url}/hook"
