"""What one client may ask of a process: request headers, rate, waiting reads.

:class:`Limits` are settings (environment variables, read by ``registry serve``'s factory;
tests and benchmarks pass their own):

==================================  =======  ================================================
variable                            default  what
==================================  =======  ================================================
``REGISTRY_MAX_HEADER_BYTES``       32768    request line + headers of one request, in bytes
``REGISTRY_MAX_HEADERS``            100      header fields of one request
``REGISTRY_MAX_POSITION_WAITERS``   64       reads of a process waiting for
                                             ``X-Registry-Min-Position`` at once
``REGISTRY_PUBLIC_RATE``            1200     requests without a token per client address and
                                             minute (0: no limit)
``REGISTRY_FAILED_TOKEN_RATE``      30       refused tokens (401) per client address and
                                             minute; then every request with a token from that
                                             address is 429 until the minute is over (0: none)
``REGISTRY_RATE_LIMIT_EXEMPT``      loopback addresses never limited (comma-separated;
                                             ``127.0.0.1,::1``; empty: none)
==================================  =======  ================================================

Headers (:class:`LimitedHttpToolsProtocol`, the HTTP protocol ``registry serve`` gives
uvicorn): uvicorn's httptools protocol keeps every header a client sends, and httptools
itself buffers a header's value until it ends, so neither bounds memory. The subclass counts
the bytes of a request's head as they arrive and its header fields as they are parsed; past
either limit it answers 431 (``/problems/headers-too-large``) and closes the connection at
once, so a process holds at most the limit plus one read of the socket per connection.
Bodies keep their own limit (413, ``api.server.MAX_BODY_BYTES``).

Rates (Litestar's rate limiting, ``RateLimitConfig`` with the middleware classes below, per
client address as uvicorn reports it — behind a local reverse proxy, the forwarded address):
requests without a token (:class:`PublicRateLimit`, inside authentication: it sees who was
authenticated) and refused tokens (:class:`FailedTokenRateLimit`, outside it: it counts the
401s), each answered 429 ``/problems/too-many-requests`` with ``Retry-After`` (seconds until
the window ends) and the ``RateLimit-*`` headers. Loopback clients are exempt by default:
they are the operator's own tools, or a local proxy that did not forward the address.
``/healthz`` and ``/readyz`` are never limited (load balancers poll them).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from time import time
from typing import Any

import msgspec
from litestar import Request
from litestar.exceptions import HTTPException
from litestar.middleware import DefineMiddleware
from litestar.middleware.rate_limit import CacheObject, RateLimitConfig, RateLimitMiddleware
from litestar.types import Message, Receive, Scope, Send
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from api.i18n import from_accept_language, translator
from api.messages import Message as Text
from api.problems import ApiProblem, title_of
from domain.errors import N_

#: paths never rate-limited
UNLIMITED_PATHS = ["^/healthz$", "^/readyz$"]


class Limits(msgspec.Struct, frozen=True):
    """Per-process limits; :meth:`from_env` reads them from the environment."""

    max_header_bytes: int = 32 * 1024
    max_headers: int = 100
    max_position_waiters: int = 64
    public_rate: int = 1200
    failed_token_rate: int = 30
    rate_limit_exempt: frozenset[str] = frozenset({"127.0.0.1", "::1"})

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Limits:
        env = os.environ if environ is None else environ
        default = cls()
        numbers: dict[str, int] = {}
        for field in (
            "max_header_bytes",
            "max_headers",
            "max_position_waiters",
            "public_rate",
            "failed_token_rate",
        ):
            name = f"REGISTRY_{field.upper()}"
            text = env.get(name, "").strip()
            if not text:
                continue
            if not text.isascii() or not text.isdigit():
                # a typo must not silently leave a server unprotected
                raise ValueError(f"{name}: {text!r} is not a whole number")
            numbers[field] = int(text)
        exempt = env.get("REGISTRY_RATE_LIMIT_EXEMPT")
        addresses = (
            default.rate_limit_exempt
            if exempt is None
            else frozenset(a.strip() for a in exempt.split(",") if a.strip())
        )
        return cls(**numbers, rate_limit_exempt=addresses)


# ------------------------------------------------------------------ headers


class _Refused(Exception):
    """Stops the parser once a request's head is refused (httptools wraps it)."""


class LimitedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with a bound on each request's head (:class:`Limits`
    from the environment, read once per process, unless a subclass sets ``limits``)."""

    limits: Limits | None = None

    def connection_made(self, transport: Any) -> None:
        limits = type(self).limits
        if limits is None:
            limits = type(self).limits = Limits.from_env()
        #: read per header: an attribute of the connection
        self._limits = limits
        self._refused = False
        self._in_head = True  # until the first request's head is complete
        self._head_bytes = 0  # received while the head is incomplete
        self._parsed_bytes = 0  # of the head, as parsed: the URL and the header fields
        self._header_count = 0
        self._accept_language: str | None = None
        super().connection_made(transport)

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return
        super().data_received(data)
        # httptools keeps a header's value until it ends: bytes received while the head is
        # still incomplete after them are all head bytes (a pipelined request's start may
        # also count the previous body's tail: harmless).
        if self._in_head and not self._refused:
            self._head_bytes += len(data)
            if self._head_bytes > self._limits.max_header_bytes:
                self._refuse(
                    N_("the request's headers exceed %(most)s bytes"),
                    most=self._limits.max_header_bytes,
                )

    def send_400_response(self, msg: str) -> None:
        if not self._refused:  # the parser stopped because of _Refused: 431 already sent
            super().send_400_response(msg)

    def on_message_begin(self) -> None:
        self._in_head = True
        self._head_bytes = self._parsed_bytes = self._header_count = 0
        self._accept_language: str | None = None
        super().on_message_begin()

    def on_url(self, url: bytes) -> None:
        self._count(len(url))
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._header_count += 1
        if self._header_count > self._limits.max_headers:
            self._refuse(
                N_("the request has more than %(most)s header fields"),
                most=self._limits.max_headers,
            )
            raise _Refused
        self._count(len(name) + len(value) + 4)  # ": " and CRLF
        if name.lower() == b"accept-language":  # the language of a 431, if it comes to that
            self._accept_language = value.decode("latin-1")
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._in_head = False
        super().on_headers_complete()

    def _count(self, size: int) -> None:
        self._parsed_bytes += size
        if self._parsed_bytes > self._limits.max_header_bytes:
            self._refuse(
                N_("the request's headers exceed %(most)s bytes"),
                most=self._limits.max_header_bytes,
            )
            raise _Refused

    def _refuse(self, detail: str, **params: Any) -> None:
        """Answer 431 and close: ``detail`` a msgid of the ``problems`` catalog, in the
        language of the ``Accept-Language`` header if it came before the limit was hit."""
        self._refused = True
        self.headers = []  # drop what was kept at once
        tr = translator(from_accept_language(self._accept_language))
        body = msgspec.json.encode(
            {
                "type": "/problems/headers-too-large",
                "title": Text(title_of("headers-too-large")).text(tr),
                "status": 431,
                "detail": Text(detail, params).text(tr),
            }
        )
        self.transport.write(
            b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
            b"content-type: application/problem+json\r\n"
            b"content-length: " + str(len(body)).encode() + b"\r\n"
            b"connection: close\r\n\r\n" + body
        )
        self.transport.close()


# ------------------------------------------------------------------ rates


def _client_host(scope: Scope) -> str:
    """The client's address as ``request.client`` gives it (``"unknown"`` without one), read
    from the scope before a request object is worth making: most requests are exempt or
    pass."""
    client = scope.get("client")
    return client[0] if client else "unknown"


def _has_authorization(scope: Scope) -> bool:
    """Whether the request carries an ``Authorization`` header."""
    return any(name.lower() == b"authorization" for name, _ in scope["headers"])


class _AddressRateLimit(RateLimitMiddleware):
    """Litestar's rate limit per client address, refusing with a problem and Retry-After."""

    exempt: frozenset[str] = frozenset()

    def _too_many(self, cache_object: CacheObject, detail: Text) -> ApiProblem:
        headers = self.create_response_headers(cache_object)
        headers["Retry-After"] = str(max(1, cache_object.reset - int(time())))
        return ApiProblem(429, "too-many-requests", detail, headers=headers)

    def _exempt(self, scope: Scope) -> bool:
        return _client_host(scope) in self.exempt


class PublicRateLimit(_AddressRateLimit):
    """Requests without a token, per client address (inside authentication)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope.get("user") is not None or self._exempt(scope):
            await self.app(scope, receive, send)
            return
        request: Request[Any, Any, Any] = scope["litestar_app"].request_class(scope)
        store = self.config.get_store_from_app(scope["litestar_app"])
        key = self.cache_key_from_request(request)
        async with self._lock:
            cache_object = await self.retrieve_cached_history(key, store)
            if len(cache_object.history) >= self.max_requests:
                raise self._too_many(
                    cache_object,
                    Text(
                        N_(
                            "more than %(most)s requests without a token from this address "
                            "in a minute"
                        ),
                        {"most": self.max_requests},
                    ),
                )
            await self.set_cached_history(key=key, cache_object=cache_object, store=store)
        await self.app(scope, receive, send)


class FailedTokenRateLimit(_AddressRateLimit):
    """Refused tokens per client address (outside authentication): only 401 answers to a
    request with ``Authorization`` count; past the limit every request with a token from that
    address is refused until the window ends."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not _has_authorization(scope) or self._exempt(scope):
            await self.app(scope, receive, send)
            return
        app = scope["litestar_app"]
        request: Request[Any, Any, Any] = app.request_class(scope)
        store = self.config.get_store_from_app(app)
        key = self.cache_key_from_request(request)
        cache_object = await self.retrieve_cached_history(key, store)
        if len(cache_object.history) >= self.max_requests:
            raise self._too_many(
                cache_object,
                Text(
                    N_("more than %(most)s refused tokens from this address in a minute"),
                    {"most": self.max_requests},
                ),
            )
        statuses: list[int] = []

        async def watching(message: Message) -> None:
            if message["type"] == "http.response.start":
                statuses.append(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, watching)
        except HTTPException as error:
            statuses.append(error.status_code)
            raise
        finally:
            if statuses[:1] == [401]:
                async with self._lock:
                    cache_object = await self.retrieve_cached_history(key, store)
                    await self.set_cached_history(key=key, cache_object=cache_object, store=store)


def rate_limits(limits: Limits) -> tuple[list[DefineMiddleware], list[DefineMiddleware]]:
    """The rate-limit middleware of ``limits``: (outside authentication, inside it)."""

    def configured(middleware: type[_AddressRateLimit], rate: int) -> list[DefineMiddleware]:
        if rate <= 0:
            return []
        # a subclass per app: the exempt addresses are the app's
        limited = type(middleware.__name__, (middleware,), {"exempt": limits.rate_limit_exempt})
        config = RateLimitConfig(
            rate_limit=("minute", rate), exclude=UNLIMITED_PATHS, middleware_class=limited
        )
        return [config.middleware]

    return (
        configured(FailedTokenRateLimit, limits.failed_token_rate),
        configured(PublicRateLimit, limits.public_rate),
    )
