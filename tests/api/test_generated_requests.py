"""Generated requests against the real ``registry serve`` over HTTP (issue 13), on SQLite and
PostgreSQL: a bounded property-based run (hypothesis; 1,000 requests per store, about 2,000
in all, deterministic) over every operation of the served OpenAPI document, as every role,
an unknown token and no token, with random path parameters (known ids, random UUIDs, random
text), query strings, headers (``Idempotency-Key``, ``If-Match``, ``If-None-Match``,
``X-Registry-Min-Position``, ``Content-Type``) and bodies (random JSON, the operation's own
fields with random values, random bytes).

It asserts that no answer is a server error — a 5xx other than a documented 503, which
always carries ``Retry-After`` — and that a refusal (4xx) stores nothing: the events table
gains no event during it, except proposals of the prize policy, which follows earlier
accepted commands on its own.
"""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import psycopg
import pytest
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as run_settings
from hypothesis import strategies as st

from registry.application import RegistryApplication
from store.settings import Settings, parse_database_url
from tests.api.conftest import make_ctx
from tests.api.test_serve import free_port, registry

EXAMPLES = 1_000
#: events the server may write on its own while a refusal is answered (the prize policy)
POLICY_TOPICS = ("registry.PrizeProgramme.EntryProposed", "registry.PrizeProgramme.EntryPlace")
METHODS = ("get", "post", "put", "patch", "delete")

printable = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=40)
#: what an HTTP client can send as a header value (no white space at either end)
header_text = st.text(st.characters(min_codepoint=33, max_codepoint=126), max_size=40)
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)


class Events:
    """The events table, read directly: its head, and the topics above a position."""

    def __init__(self, settings: Settings) -> None:
        if settings.backend == "sqlite":
            assert settings.sqlite_path is not None
            self.sqlite: sqlite3.Connection | None = sqlite3.connect(settings.sqlite_path)
            self.pg: psycopg.Connection | None = None
            self.table, self.pos = "stored_events", "rowid"
        else:
            self.sqlite = None
            self.pg = psycopg.connect(settings.pg_conninfo(), autocommit=True)
            self.table = f'"{settings.pg_schema}".registry_events'
            self.pos = "notification_id"

    def _rows(self, statement: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        if self.sqlite is not None:
            return self.sqlite.execute(statement.replace("%s", "?"), params).fetchall()
        assert self.pg is not None
        return self.pg.execute(statement, params).fetchall()

    def head(self) -> int:
        return int(self._rows(f"SELECT COALESCE(MAX({self.pos}), 0) FROM {self.table}")[0][0])

    def topics_after(self, position: int) -> list[str]:
        return [
            row[0]
            for row in self._rows(
                f"SELECT topic FROM {self.table} WHERE {self.pos} > %s ORDER BY {self.pos}",
                (position,),
            )
        ]

    def close(self) -> None:
        for connection in (self.sqlite, self.pg):
            if connection is not None:
                connection.close()


def _resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    for option in schema.get("oneOf", schema.get("anyOf", [])):
        resolved = _resolve(document, option)
        if resolved.get("properties"):
            return resolved
    return schema


def operations(document: dict[str, Any]) -> list[tuple[str, str, list[str]]]:
    """``(method, path template, body field names)`` of every operation."""
    found = []
    for path, item in document["paths"].items():
        for method in METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            content = operation.get("requestBody", {}).get("content", {})
            schema = next(iter(content.values()), {}).get("schema", {})
            fields = sorted(_resolve(document, schema).get("properties", {})) if schema else []
            found.append((method, path, fields))
    return found


@pytest.fixture
def served(store_url: str, tmp_path: Any) -> Iterator[tuple[str, dict[str, str], list[str]]]:
    """``registry serve`` on a store holding the API tests' world: its base URL, a token per
    role and the ids worth aiming at."""
    settings = parse_database_url(store_url)
    app = RegistryApplication(settings)
    try:
        ctx = make_ctx(app)
    finally:
        app.close()
    world = ctx.world
    ids = [
        str(value)
        for value in (
            world.championship,
            world.competition,
            ctx.competition2,
            *world.orgs.values(),
            *world.people.values(),
            *ctx.actors.ids.values(),
        )
    ]
    port = free_port()
    env = {**os.environ, "REGISTRY_DATABASE_URL": store_url, "REGISTRY_PROJECTOR": "in-process"}
    log = (tmp_path / "serve.log").open("w")
    process = subprocess.Popen(
        registry("serve", "--port", str(port)), env=env, stdout=log, stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None, (tmp_path / "serve.log").read_text()
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.1)
        yield base, dict(ctx.actors.tokens), ids
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def test_generated_requests_give_no_server_error_and_refusals_store_nothing(served, settings):
    base, tokens, ids = served
    client = httpx.Client(base_url=base, timeout=30)
    document = client.get("/schema/openapi.json").json()
    ops = operations(document)
    assert len(ops) > 30
    events = Events(settings)
    failures: list[str] = []
    statuses: dict[int, int] = {}
    roles = [*sorted(tokens), None, "unknown"]
    head = [events.head()]

    def path_value() -> st.SearchStrategy[str]:
        return st.sampled_from(ids) | st.uuids().map(str) | printable | st.integers().map(str)

    def body(fields: list[str]) -> st.SearchStrategy[Any]:
        own = (
            st.dictionaries(st.sampled_from(fields), json_values, max_size=len(fields))
            if fields
            else st.nothing()
        )
        return st.none() | json_values | own | st.binary(max_size=64)

    @st.composite
    def requests(draw: Callable[..., Any]) -> dict[str, Any]:
        method, template, fields = draw(st.sampled_from(ops))
        path = re.sub(r"\{[^}]+\}", lambda _: draw(path_value()).replace("/", "%2F"), template)
        role = draw(st.sampled_from(roles))
        headers: dict[str, str] = {}
        if role == "unknown":
            headers["Authorization"] = "Bearer " + draw(header_text) + "x"
        elif role is not None:
            headers["Authorization"] = f"Bearer {tokens[role]}"
        for name in ("Idempotency-Key", "If-Match", "If-None-Match", "X-Registry-Min-Position"):
            if draw(st.booleans()):
                headers[name] = draw(header_text | st.integers(-5, 10**6).map(str))
        content = draw(body(fields))
        if isinstance(content, bytes):
            headers["Content-Type"] = draw(
                st.sampled_from(["application/json", "text/plain", "multipart/form-data"])
            )
        query = draw(st.dictionaries(st.sampled_from(["q", "limit", "after", "lang"]), printable))
        return {"method": method, "path": path, "headers": headers, "content": content, "q": query}

    @run_settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],  # no shrinking: failures are listed instead
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    @given(requests())
    def one(request: dict[str, Any]) -> None:
        before = head[0]  # the head after the previous request (policy events are let pass)
        content = request["content"]
        response = client.request(
            request["method"].upper(),
            request["path"],
            headers=request["headers"],
            params=request["q"],
            **({"content": content} if isinstance(content, bytes) else {"json": content}),
        )
        status = response.status_code
        statuses[status] = statuses.get(status, 0) + 1
        summary = f"{request['method'].upper()} {request['path']} -> {status}"
        if status >= 500 and not (status == 503 and "retry-after" in response.headers):
            failures.append(f"{summary}: {response.text[:200]}")
        head[0] = events.head()
        if 400 <= status < 500 and head[0] != before:
            added = [t for t in events.topics_after(before) if not t.startswith(POLICY_TOPICS)]
            if added:
                failures.append(f"{summary} stored {added}")

    started = time.monotonic()
    try:
        one()
    finally:
        client.close()
        events.close()
    seconds = time.monotonic() - started
    print(
        f"\n{EXAMPLES} generated requests in {seconds:.1f} s; statuses {sorted(statuses.items())}"
    )
    assert not failures, failures[:20]
    assert sum(statuses.values()) == EXAMPLES
