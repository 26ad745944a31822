"""The judges' single marks without the layers that have nothing to do for them.

``POST /api/v1/competitions/{id}/marks`` with a bearer token is the registry's busiest request
(an expert's laptop sends each mark as it is typed). Litestar routes it as any other, then
runs it through the session middleware, the authentication middleware, the web sessions'
account lookup, CSRF, the public rate limit, the guards, the signature model and the
response machinery. For a bearer request to this route all but the first two of those have
nothing to do (no session, CSRF and the public limit exclude ``/api/``), yet together they cost
more than the mark itself.

:class:`MarksShortcut` is a middleware that sits just inside the refused-tokens rate limit
(which still sees and counts every answer) and serves that request itself when it is the
plain case, with the same functions the long way uses, in the same order:

1. the token: :func:`api.auth.bearer_token` and ``RegistryApplication.authenticate``
   (:class:`api.auth.BearerAuthMiddleware`'s own steps);
2. the guard: :func:`api.auth.marking_refusal` (``competition_expert``'s own check), raised
   as it is;
3. the body: read up to ``MAX_BODY_BYTES``, decoded by :func:`api.strict_json.decode` and
   converted to :class:`api.schemas.MarksIn` (msgspec, strictly);
4. the command: :func:`api.commands.sheet_of` and ``enter_marks_async``, answered by
   :func:`api.routes.answer` — the very objects the handler uses.

A refusal of steps 2 and 4 is raised, and Litestar's exception handling answers it with the
same problem document as on the long way. Anything else that is not the plain case — no or
a malformed or unknown token, an ``Idempotency-Key`` or an ``If-Match`` naming several
versions, a body without a length or over the limit, a body that does not decode or convert
— takes the long way, untouched (the body already read is handed on), so every refusal there
(401, 413, 400, 422) is Litestar's own. ``tests/api/test_marks_shortcut.py`` sends the same
requests both ways and compares the answers byte for byte.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import msgspec
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from api import commands
from api import schemas as s
from api.auth import authenticate, bearer_token, marking_refusal
from api.routes import answer, expected_version
from api.strict_json import decode

#: the function of the route this serves (Litestar may copy the handler; its ``fn`` stays)
_ROUTE_FN = commands.enter_marks.fn
#: header names that send a request the long way (they need a worker thread or a check the
#: long way owns)
_LONG_WAY = (b"idempotency-key",)
#: the longest ``If-Match`` the route's header parameter accepts
_IF_MATCH_MAX = 200


class MarksShortcut:
    """ASGI middleware (Litestar's ``middleware=[...]``, after routing): see the module."""

    #: requests answered here (a mark or a refusal), in this process: tests tell the two
    #: ways apart by it
    answered = 0

    def __init__(self, app: ASGIApp, max_body: int) -> None:
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        handler = scope.get("route_handler")
        if (
            scope["type"] != "http"
            or scope["method"] != "POST"
            or getattr(handler, "fn", None) is not _ROUTE_FN
        ):
            await self.app(scope, receive, send)
            return
        authorization = if_match = length = None
        for name, value in scope["headers"]:
            if name == b"authorization":
                if authorization is not None:
                    break  # twice: the long way decides
                authorization = value
            elif name == b"content-length":
                length = value
            elif name == b"if-match":
                if_match = value
            elif name in _LONG_WAY:
                break
        else:
            if authorization is not None and length is not None:
                await self._shortcut(scope, receive, send, authorization, length, if_match)
                return
        await self.app(scope, receive, send)

    async def _shortcut(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        authorization: bytes,
        length: bytes,
        if_match: bytes | None,
    ) -> None:
        registry = scope["litestar_app"].state.registry
        token = bearer_token(authorization.decode("latin-1"))
        condition = if_match.decode("latin-1") if if_match is not None else None
        if (
            token is None
            or not length.isdigit()
            or int(length) > self.max_body
            or (condition is not None and ("," in condition or len(condition) > _IF_MATCH_MAX))
        ):
            await self.app(scope, receive, send)
            return
        account = await authenticate(scope["litestar_app"].state, token)
        if account is None:
            await self.app(scope, receive, send)  # 401, counted by the rate limit outside
            return
        competition_id: UUID = scope["path_params"]["competition_id"]
        refusal = marking_refusal(account, competition_id)
        if refusal is not None:
            MarksShortcut.answered += 1
            raise refusal
        read: list[Message] = []
        body = await _read_body(receive, read, self.max_body)
        data = None
        if body is not None:
            try:
                data = msgspec.convert(decode(body or b"null"), s.MarksIn)
            except Exception:
                data = None
        if data is None:
            await self.app(scope, _replay(read, receive), send)
            return
        MarksShortcut.answered += 1
        result = await registry.enter_marks_async(
            actor=account.id,
            competition_id=competition_id,
            marks=commands.sheet_of(data),
            expected_version=expected_version(condition, lambda: 0),
        )
        sending = answer(result, created=True).to_asgi_response(None, None)  # type: ignore[arg-type]
        await sending(scope, receive, send)


async def _read_body(receive: Receive, read: list[Message], limit: int) -> bytes | None:
    """The whole body, keeping each message in ``read``; None when it is over ``limit`` or the
    client left (the long way then reads the same messages and answers)."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        read.append(message)
        if message["type"] != "http.request":
            return None
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replay(read: list[Message], receive: Receive) -> Receive:
    """``receive`` that answers the messages already read first."""
    pending = list(read)

    async def replayed() -> Any:
        if pending:
            return pending.pop(0)
        return await receive()

    return replayed  # type: ignore[return-value]
