"""A local fake of a generic HTTP SMS gateway (Starlette), for the SMS adapter's tests.

In a test:
    with FakeSmsGateway(api_key="k-123") as gw:
        gw.url + "/send"                 # takes GET query, POST form or POST JSON
        gw.state.sent                     # accepted messages: {"id","to","text","from","params",…}
        gw.state.fail(429, retry_after=7) # the next send answers 429 + Retry-After: 7
        gw.state.fail_invalid_number()    # the next send: 400 {"error": "Invalid phone number"}
        gw.state.invalid_numbers.add("+15550000000")  # always refused as invalid
        gw.state.response_mode = "text"   # answer "OK ID:gw-1" instead of JSON
        gw.state.delay = 2.0              # answer late (timeouts)
        gw.state.dedup = True             # a repeated client reference is not sent again

As a process:
    python -m tests.fakes.sms_gateway --port 8082 --api-key k-123

Wire format: auth "Authorization: Bearer <api_key>" (when api_key is set, else none); fields
"to", "text", optional "from" and "ref" (renamed via state.fields; the reference may also come
in an "Idempotency-Key" header). With `dedup`, a send whose reference was seen before is
answered with the first send's id and not sent again (as gateways with client references do).
JSON answer:
    {"status": "ok", "messages": [{"id": "gw-1", "to": "+7999…", "ref": "…"}]}
Errors: {"status": "error", "error": "<text>"} with the HTTP status.
Control endpoints (JSON) under /_fake/: sent, requests, fail, invalid, reset, mode.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import threading
import time
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.fakes.base import control_routes, request_params
from tests.fakes.runner import ThreadedServer


class _BadBody(ValueError):
    """A JSON send body that is no JSON object: answered 400 with its text."""


class FakeSmsState:
    def __init__(self, api_key: str = ""):
        self.api_key = api_key
        self._lock = threading.RLock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self.generation = getattr(self, "generation", 0) + 1
            self.sent: list[dict[str, Any]] = []
            self.requests: list[dict[str, Any]] = []
            self.failures: list[dict[str, Any]] = []
            self.invalid_numbers: set[str] = set()
            self.next_id = 1
            self.response_mode = "json"  # json | text
            self.delay = 0.0
            self.fields = {"to": "to", "text": "text", "from": "from", "ref": "ref"}
            self.dedup = False
            self.by_ref: dict[str, str] = {}  # client reference -> our id (dedup)

    # -- failure injection ---------------------------------------------------------

    def fail(self, status: int, times: int = 1, retry_after: Any = None,
             body: Any = None, error: str | None = None) -> None:
        """The next `times` sends answer `status`. `body`: a dict (JSON) or str (text/html);
        default {"status": "error", "error": error or a stock text}. retry_after -> header."""
        with self._lock:
            self.failures.append({"status": int(status), "times": int(times),
                                  "retry_after": retry_after, "body": body, "error": error})

    def fail_rate_limit(self, retry_after: Any = 3, times: int = 1) -> None:
        self.fail(429, times, retry_after=retry_after, error="Too many requests")

    def fail_server(self, status: int = 500, times: int = 1) -> None:
        self.fail(status, times, body="<html><body>Internal Server Error</body></html>")

    def fail_auth(self, times: int = 1) -> None:
        self.fail(401, times, error="Invalid API key")

    def fail_invalid_number(self, times: int = 1) -> None:
        self.fail(400, times, error="Invalid phone number")

    def _take_failure(self) -> dict | None:
        with self._lock:
            if not self.failures:
                return None
            rule = self.failures[0]
            rule["times"] -= 1
            if rule["times"] <= 0:
                self.failures.pop(0)
            return dict(rule)

    # -- the gateway ---------------------------------------------------------------

    def handle(self, method: str, params: dict[str, Any], headers: dict[str, str],
               content_type: str) -> tuple[int, Any, dict[str, str]]:
        """(status, body, extra headers) for one send."""
        with self._lock:
            self.requests.append({"method": method, "params": params, "headers": headers,
                                  "content_type": content_type})
            del self.requests[:-500]
        rule = self._take_failure()
        if rule:
            extra = {"Retry-After": str(rule["retry_after"])} if rule["retry_after"] is not None else {}
            body = rule["body"]
            if body is None:
                body = {"status": "error", "error": rule["error"] or "Error"}
            return rule["status"], body, extra
        if self.api_key and headers.get("authorization", "") != f"Bearer {self.api_key}":
            return 401, {"status": "error", "error": "Invalid API key"}, {}
        f = self.fields
        to, text = str(params.get(f["to"]) or ""), params.get(f["text"])
        if not to:
            return 400, {"status": "error", "error": f"missing {f['to']}"}, {}
        if not isinstance(text, str) or not text:
            return 400, {"status": "error", "error": f"missing {f['text']}"}, {}
        with self._lock:
            if not re.fullmatch(r"\+?\d{7,15}", to) or to in self.invalid_numbers:
                return 400, {"status": "error", "error": "Invalid phone number"}, {}
            ref = str(params.get(f["ref"]) or headers.get("idempotency-key", "") or "")
            mode = self.response_mode
            if self.dedup and ref and ref in self.by_ref:
                msg_id = self.by_ref[ref]
                if mode == "text":
                    return 200, f"OK ID:{msg_id}", {}
                return 200, {"status": "ok", "messages": [{"id": msg_id, "to": to, "ref": ref}]}, {}
            msg_id = f"gw-{self.next_id}"
            self.next_id += 1
            if ref:
                self.by_ref[ref] = msg_id
            record = {"id": msg_id, "to": to, "text": text, "from": params.get(f["from"], ""),
                      "ref": ref, "params": params, "method": method,
                      "content_type": content_type, "headers": headers, "at": time.time()}
            self.sent.append(record)
        if mode == "text":
            return 200, f"OK ID:{msg_id}", {}
        return 200, {"status": "ok", "messages": [{"id": msg_id, "to": to, "ref": record["ref"]}]}, {}


def _render(status: int, body: Any, extra: dict[str, str]) -> Response:
    if isinstance(body, (dict, list)):
        return JSONResponse(body, status_code=status, headers=extra)
    media = "text/html" if str(body).lstrip().startswith("<") else "text/plain"
    return Response(str(body), status_code=status, headers=extra, media_type=media)


def create_app(state: FakeSmsState) -> Starlette:
    async def send(request: Request) -> Response:
        try:
            params = await request_params(request, invalid_json=_BadBody("invalid JSON"),
                                          not_object=_BadBody("expected an object"))
        except _BadBody as exc:
            return JSONResponse({"status": "error", "error": str(exc)}, status_code=400)
        ctype = request.headers.get("content-type", "")
        if state.delay:
            generation = state.generation
            await asyncio.sleep(state.delay)
            if generation != state.generation:  # reset meanwhile: an earlier test's late request
                return JSONResponse({"status": "error", "error": "stale"}, status_code=503)
        headers = {k.lower(): v for k, v in request.headers.items()}
        return _render(*state.handle(request.method, params, headers, ctype.split(";")[0]))

    async def ctl_fail(request: Request) -> Response:
        b = await request.json()
        state.fail(int(b.get("status", 500)), int(b.get("times", 1)), b.get("retry_after"),
                   b.get("body"), b.get("error"))
        return JSONResponse({"ok": True})

    async def ctl_invalid(request: Request) -> Response:
        with state._lock:
            state.invalid_numbers.add(str((await request.json())["to"]))
        return JSONResponse({"ok": True})

    async def ctl_mode(request: Request) -> Response:
        state.response_mode = str((await request.json()).get("mode", "json"))
        return JSONResponse({"ok": True})

    return Starlette(routes=[
        Route("/send", send, methods=["GET", "POST"]),
        Route("/_fake/fail", ctl_fail, methods=["POST"]),
        Route("/_fake/invalid", ctl_invalid, methods=["POST"]),
        Route("/_fake/mode", ctl_mode, methods=["POST"]),
        # reset, sent (without the request headers), requests; no call stats here
        *control_routes(state, sent_view=lambda s: {k: v for k, v in s.items() if k != "headers"},
                        stats=False),
    ])


class FakeSmsGateway(ThreadedServer):
    """The fake gateway in a background thread on 127.0.0.1 with a free port."""

    name = "sms-gateway"

    def __init__(self, api_key: str = "", host: str = "127.0.0.1", port: int = 0):
        self.state = FakeSmsState(api_key)
        super().__init__(create_app(self.state), host, port)


def main(argv: list[str] | None = None) -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description="Fake HTTP SMS gateway")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8082)
    parser.add_argument("--api-key", default="")
    args = parser.parse_args(argv)
    print(f"fake SMS gateway on http://{args.host}:{args.port}/send", flush=True)
    uvicorn.run(create_app(FakeSmsState(args.api_key)), host=args.host, port=args.port,
                log_level="warning")


if __name__ == "__main__":
    main()
