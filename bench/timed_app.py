"""A benchmark-only uvicorn factory: the real app (``api.server:create_server_app_from_env``)
inside an ASGI wrapper that says how long the server spent on each answer, so a benchmark can
report the server's time apart from the client's and the network's::

    uvicorn --factory bench.timed_app:create_timed_app_from_env

An answer sent in one body (every JSON answer) carries ``server-timing: app;dur=<ms>``: from
the moment the app received the request to the moment its whole body was ready (the answer's
start is held back until then). A streamed answer (more than one body message) is passed
through untouched, without the header. Nothing else changes; the registry itself is not
touched.
"""

from __future__ import annotations

import time
from typing import Any

from api.server import create_server_app_from_env

Receive = Any
Send = Any
Scope = dict[str, Any]


class ServerTiming:
    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        held: list[dict[str, Any]] = []

        async def timed_send(message: dict[str, Any]) -> None:
            kind = message["type"]
            if kind == "http.response.start":
                held.append(message)
                return
            if kind == "http.response.body" and held:
                start = held.pop()
                if not message.get("more_body", False):
                    spent = (time.perf_counter() - started) * 1000
                    headers = [
                        *start.get("headers", []),
                        (b"server-timing", b"app;dur=%.3f" % spent),
                    ]
                    start = {**start, "headers": headers}
                await send(start)
            await send(message)

        await self.app(scope, receive, timed_send)


def create_timed_app_from_env() -> ServerTiming:
    return ServerTiming(create_server_app_from_env())


def server_ms(headers: Any) -> float:
    """The server's milliseconds from an answer's ``server-timing`` header."""
    value = headers["server-timing"]
    return float(value.split("dur=", 1)[1])
