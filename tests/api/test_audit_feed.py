"""The audit feed ``GET /api/v1/audit/events`` and aggregate histories over HTTP (SQLite and
PostgreSQL): order, resumption, every filter, the audit index beside the store, NDJSON that
parses, Kazakh and Russian text, the current shape of upcast events, roles, bad parameters."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from uuid import UUID

import pytest
from eventsourcing.persistence import StoredEvent
from litestar import Litestar
from litestar.testing import AsyncTestClient

from api.server import build_app
from demo.history import load_demo
from domain.ids import SYSTEM_ACTOR
from projections.audit import AuditProjection
from projections.audit_feed import (
    CreatedNames,
    Feed,
    FeedFilter,
    LineMaker,
    known_topics,
    resolve_types,
)
from projections.runner import Projector
from projections.store import ViewStore
from store.events import EventReader as StoreReader
from store.mapper import codec_for
from tests.api.conftest import Ctx, make_ctx
from tests.helpers import ORGANISER, mark_everything
from tests.registry.test_application import JUDGE, MEASURE

FEED = "/api/v1/audit/events"
KAZAKH = "Ә Ғ Қ Ң Ө Ұ Ү Һ І ә ғ қ ң ө ұ ү һ і"
FIXTURES = Path(__file__).parent.parent / "fixtures"
UNKNOWN = "5e1f0c3a-0000-4000-8000-000000000000"


@pytest.fixture
async def full(app) -> AsyncIterator[tuple[AsyncTestClient[Litestar], Ctx]]:
    ctx = make_ctx(app)
    mark_everything(app, ctx.world, MEASURE, JUDGE)
    app.correct_mark(
        actor=ctx.world.experts["e1"],
        competition_id=ctx.world.competition,
        competitor_id=ctx.world.people["Өмірбекова Ұлжан"],
        aspect_id="A1",
        value="11.00",
        reason="Қате енгізілді / Ошибка ввода",
    )
    async with AsyncTestClient(app=build_app(app, projector="in-process")) as client:
        yield client, ctx


def parse(body: bytes) -> list[dict]:
    """Every line a JSON object; the body ends with a newline (or is empty)."""
    assert body == b"" or body.endswith(b"\n")
    return [json.loads(line) for line in body.decode("utf-8").splitlines()]


def stored(registry) -> list:
    return list(registry.recorder.select_notifications(start=None, limit=1_000_000))


async def feed(client, ctx: Ctx, role: str = "auditor", **params) -> list[dict]:
    answer = await client.get(FEED, params=params, headers=ctx.auth(role))
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("application/x-ndjson")
    return parse(answer.content)


async def test_every_event_in_position_order_with_its_data(full):
    client, ctx = full
    answer = await client.get(FEED, headers=ctx.auth("auditor"))
    assert int(answer.headers["x-registry-head-position"]) == ctx.registry.head_position()
    lines = parse(answer.content)
    notifications = stored(ctx.registry)
    assert [line["position"] for line in lines] == [n.id for n in notifications]
    for line, n in zip(lines, notifications, strict=True):
        assert set(line) == {
            "position",
            "time",
            "actor",
            "type",
            "aggregate_id",
            "version",
            "data",
        }
        assert (line["type"], UUID(line["aggregate_id"]), line["version"]) == (
            n.topic,
            n.originator_id,
            n.originator_version,
        )
        data = json.loads(n.state)
        if "token_hash" in data:  # a token's hash is withheld, whatever the event
            assert data["token_hash"] and line["data"]["token_hash"] == "withheld"
            data["token_hash"] = "withheld"
        if n.topic == "registry.Participant.Created":  # so are personal fields (issue 13)
            data.update(born_on="withheld", disability="withheld", sealed="withheld")
        assert line["data"] == data  # current shape: exactly as stored
        assert line["actor"]["id"] == line["data"]["actor"]
        assert len(line["time"]) == 27 and line["time"].endswith("Z")
    names = {line["actor"]["id"]: line["actor"]["name"] for line in lines}
    assert names[str(SYSTEM_ACTOR)] == "system"
    assert names[str(ctx.world.experts["e1"])] == "Эксперт e1"
    corrected = next(line for line in lines if line["type"].endswith("MarkCorrected"))
    assert corrected["data"]["reason"] == "Қате енгізілді / Ошибка ввода"
    assert corrected["data"]["mark"]["value"] == "11.00"
    assert corrected["data"]["previous"] == "10.00"


async def test_resuming_after_a_position_gives_exactly_the_rest(full):
    client, ctx = full
    everything = await feed(client, ctx)
    assert len(everything) > 40
    collected: list[dict] = []
    after = 0
    while True:
        page = await feed(client, ctx, after=str(after), limit="7")
        assert len(page) <= 7
        if not page:
            break
        collected.extend(page)
        after = page[-1]["position"]
    assert collected == everything
    middle = everything[20]["position"]
    assert await feed(client, ctx, after=str(middle)) == everything[21:]
    head = everything[-1]["position"]
    assert await feed(client, ctx, after=str(head)) == []
    assert await feed(client, ctx, after=str(head + 1000)) == []
    assert await feed(client, ctx, limit="1") == everything[:1]


async def test_each_filter(full):
    client, ctx = full
    everything = await feed(client, ctx)
    competition = str(ctx.world.competition)
    own = await feed(client, ctx, aggregate_id=competition)
    assert own == [line for line in everything if line["aggregate_id"] == competition]
    assert [line["version"] for line in own] == list(range(1, len(own) + 1))
    assert (
        await feed(client, ctx, aggregate_id=competition, after=str(own[3]["position"]))
        == (own[4:])
    )

    e1 = str(ctx.world.experts["e1"])
    by_e1 = await feed(client, ctx, actor=e1)
    assert by_e1 and by_e1 == [line for line in everything if line["actor"]["id"] == e1]
    assert await feed(client, ctx, actor=UNKNOWN) == []

    entered = [line for line in everything if line["type"] == "registry.Competition.MarksEntered"]
    assert entered
    for value in ("registry.Competition.MarksEntered", "Competition.MarksEntered", "MarksEntered"):
        assert await feed(client, ctx, type=value) == entered, value
    created = await feed(client, ctx, type="Created")
    assert {line["type"] for line in created} == {
        "registry.Organisation.Created",
        "registry.Participant.Created",
        "registry.Championship.Created",
        "registry.Competition.Created",
        "registry.Account.Created",
    }
    both = [
        line
        for line in everything
        if line["type"] in ("registry.Competition.MarkCorrected", "registry.Account.Created")
    ]
    assert await feed(client, ctx, type="MarkCorrected,Account.Created") == both
    answer = await client.get(
        FEED,
        params=[("type", "MarkCorrected"), ("type", "Account.Created")],
        headers=ctx.auth("admin"),
    )
    assert parse(answer.content) == both

    times = sorted({line["time"] for line in everything})
    since, until = times[10], times[30]
    window = [line for line in everything if since <= line["time"] < until]
    assert window and await feed(client, ctx, since=since, until=until) == window
    assert await feed(client, ctx, since=since) == [x for x in everything if x["time"] >= since]
    assert await feed(client, ctx, until=until) == [x for x in everything if x["time"] < until]
    # An offset other than Z names the same instant.
    oskemen = timezone(timedelta(hours=5))
    shifted = datetime.fromisoformat(since).astimezone(oskemen).isoformat()
    assert shifted.endswith("+05:00")
    assert await feed(client, ctx, since=shifted, until=until) == window

    combined = await feed(client, ctx, actor=e1, type="MarksEntered", aggregate_id=competition)
    assert combined == [line for line in by_e1 if line["type"].endswith("MarksEntered")]
    assert await feed(client, ctx, actor=e1, limit="2") == by_e1[:2]


async def test_kazakh_and_russian_text_round_trips(full):
    client, ctx = full
    account = ctx.registry.create_account(
        actor=SYSTEM_ACTOR, name=f"Ұйымдастырушы {KAZAKH}", role="organiser"
    ).id
    made = ctx.registry.register_organisation(
        actor=account,
        name_ru="Колледж «Әлем» — Ёлкин и Щукин",
        name_kk=f"«Әлем» колледжі {KAZAKH}",
        kind="college",
        region="VKO",
    )
    person = ctx.registry.register_participant(
        actor=account,
        full_name=f"Һәкімқызы Іңкәр {KAZAKH}",
        organisation_id=made.id,
        birth_date=date(2006, 2, 3),
    )
    lines = await feed(client, ctx, after=str(made.position - 1))
    organisation, participant = lines[0], lines[1]
    assert organisation["data"]["name_kk"] == f"«Әлем» колледжі {KAZAKH}"
    assert organisation["data"]["name_ru"] == "Колледж «Әлем» — Ёлкин и Щукин"
    assert organisation["actor"] == {"id": str(account), "name": f"Ұйымдастырушы {KAZAKH}"}
    assert participant["data"]["full_name"] == f"Һәкімқызы Іңкәр {KAZAKH}"
    assert participant["position"] == person.position
    # Sent as UTF-8 text, not \u escapes.
    answer = await client.get(
        FEED, params={"after": str(made.position - 1)}, headers=ctx.auth("admin")
    )
    assert KAZAKH.encode() in answer.content


async def test_an_event_stored_in_an_old_shape_is_shown_in_the_current_one(app):
    raw = (FIXTURES / "championship_created_v1.json").read_bytes()
    championship = UUID("9336cc46-eccb-5c4a-88a6-521c557e19fd")
    app.recorder.insert_events([StoredEvent(championship, 1, "registry.Championship.Created", raw)])
    lines = parse(b"".join(Feed(app, head=app.head_position()).chunks()))
    assert len(lines) == 1
    data = lines[0]["data"]
    assert data["class_version"] == 2 and data["title_en"] is None
    assert data["title_kk"] == "WorldSkills Shygys 2025 өңірлік чемпионаты"
    assert {k: v for k, v in data.items() if k not in ("class_version", "title_en")} == json.loads(
        raw
    )
    assert lines[0]["time"] == "2025-04-01T06:00:00.000000Z"


def test_the_actor_filter_reads_the_audit_index_then_the_store(app, monkeypatch):
    """With the audit view part way: the index answers up to its position, the store after;
    the result is the same as the store's alone, with or without other filters."""
    ctx = make_ctx(app)
    mark_everything(app, ctx.world, MEASURE, JUDGE)
    head = app.head_position()
    by_e1 = FeedFilter(actor=ctx.world.experts["e1"])
    e1_positions = [
        line["position"] for line in parse(b"".join(Feed(app, head=head, selected=by_e1).chunks()))
    ]
    middle = e1_positions[len(e1_positions) // 2]
    store = ViewStore(app.settings)
    try:
        before_middle = sum(1 for n in stored(app) if n.id <= middle)
        Projector(app, store, [AuditProjection(app, store)]).run_once(limit=before_middle)
        indexed = store.position("audit")
        assert indexed == middle and e1_positions[0] <= indexed < e1_positions[-1]
        looked_up: list[int] = []
        original = StoreReader.positions

        def spy(self, positions):
            looked_up.extend(positions)
            return original(self, positions)

        monkeypatch.setattr(StoreReader, "positions", spy)
        for actor in (ctx.world.experts["e1"], ctx.world.experts["e3"], SYSTEM_ACTOR):
            for extra in ({}, {"types": resolve_types(["MarksEntered"])}):
                selected = FeedFilter(actor=actor, **extra)
                plain = b"".join(Feed(app, head=head, selected=selected).chunks())
                looked_up.clear()
                indexed_feed = Feed(app, head=head, selected=selected, views=store)
                assert b"".join(indexed_feed.chunks()) == plain
                lines = parse(plain)
                assert all(line["actor"]["id"] == str(actor) for line in lines)
                assert looked_up == [
                    p for p in (line["position"] for line in lines) if p <= indexed
                ]
    finally:
        store.close()


async def test_histories_of_aggregates(full):
    client, ctx = full
    url = f"/api/v1/audit/aggregates/{ctx.world.competition}"
    answer = await client.get(url, headers=ctx.auth("auditor"))
    assert answer.status_code == 200, answer.text
    history = answer.json()
    assert history["aggregate_type"] == "registry.Competition"
    events = history["events"]
    assert [e["version"] for e in events] == list(range(1, len(events) + 1))
    assert history["version"] == len(events)
    assert events == [
        {k: v for k, v in line.items() if k != "aggregate_id"}
        | {"reason": line["data"].get("reason")}
        for line in await feed(client, ctx, aggregate_id=str(ctx.world.competition))
    ]
    corrected = next(e for e in events if e["type"] == "registry.Competition.MarkCorrected")
    assert corrected["reason"] == "Қате енгізілді / Ошибка ввода"
    assert corrected["actor"]["name"] == "Эксперт e1"
    account = (
        await client.get(
            f"/api/v1/audit/aggregates/{ctx.actors.ids['expert']}", headers=ctx.auth("admin")
        )
    ).json()
    assert [e["type"] for e in account["events"]] == [
        "registry.Account.Created",
        "registry.Account.ScopeGranted",
        "registry.Account.TokenRotated",
    ]
    missing = await client.get(f"/api/v1/audit/aggregates/{UNKNOWN}", headers=ctx.auth("admin"))
    assert missing.status_code == 404 and missing.json()["type"] == "/problems/not-found"


@pytest.mark.parametrize(
    "url",
    [
        FEED,
        "/api/v1/audit/aggregates/{competition}",
        "/api/v1/audit/competitions/{competition}/marks",
    ],
)
async def test_only_auditors_and_admins(full, url):
    client, ctx = full
    url = url.format(competition=ctx.world.competition)
    for role, status in (
        ("auditor", 200),
        ("admin", 200),
        ("organiser", 403),
        ("chief", 403),
        ("expert", 403),
        ("outsider", 403),
        ("akimat", 403),
        (None, 401),
    ):
        answer = await client.get(url, headers=ctx.auth(role))
        assert answer.status_code == status, (role, answer.text)
        if status != 200:
            assert answer.headers["content-type"].startswith("application/problem+json")
    bogus = await client.get(url, headers={"Authorization": "Bearer " + "x" * 80})
    assert bogus.status_code == 401


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"after": "-1"}, "after"),
        ({"after": "x"}, "after"),
        ({"after": "1.5"}, "after"),
        ({"limit": "0"}, "limit"),
        ({"limit": "many"}, "limit"),
        ({"limit": "9" * 30}, "limit"),
        ({"aggregate_id": "not-a-uuid"}, "aggregate_id"),
        ({"actor": "42"}, "actor"),
        ({"type": "MarkDeleted"}, "type"),
        ({"type": "registry.Competition"}, "type"),
        ({"since": "yesterday"}, "since"),
        ({"since": "2025-05-12T10:00:00"}, "since"),
        ({"until": "2025-05-12"}, "until"),
        ({"since": "2025-05-12T10:00:00Z", "until": "2025-05-12T10:00:00Z"}, "until"),
        ({"since": "2025-05-13T10:00:00Z", "until": "2025-05-12T10:00:00+05:00"}, "until"),
    ],
)
async def test_bad_parameters_are_400_naming_the_field(full, params, field):
    client, ctx = full
    head = ctx.registry.head_position()
    answer = await client.get(FEED, params=params, headers=ctx.auth("auditor"))
    assert answer.status_code == 400, answer.text
    body = answer.json()
    assert body["type"] == "/problems/invalid-input"
    assert body["errors"][0]["field"] == field
    assert ctx.registry.head_position() == head


async def test_the_head_is_fixed_when_the_request_begins(app):
    """Events recorded while a feed streams are not in it (its head was fixed at the start):
    the client resumes after the head it was told."""
    make_ctx(app)
    head = app.head_position()
    chunks = Feed(app, head=head, batch=5).chunks()
    first = next(chunks)
    app.register_organisation(
        actor=ORGANISER, name_ru="Новая", name_kk="Жаңа", kind="college", region="VKO"
    )
    lines = parse(first + b"".join(chunks))
    assert lines[-1]["position"] == head and len(lines) == len(stored(app)) - 1
    after = parse(b"".join(Feed(app, head=app.head_position(), after=head).chunks()))
    assert [line["data"]["name_kk"] for line in after] == ["Жаңа"]


def test_a_head_below_the_store_s_in_small_batches_with_names_looked_up_together(app, monkeypatch):
    """A feed whose head is below the store's (events recorded since), read in batches of
    a few rows, with and without a type filter: exactly the lines up to its head, the same
    bytes as with each actor's name looked up alone (PostgreSQL reads past the head and
    drops those rows; the names of a batch are one query)."""
    load_demo(app)
    head = app.head_position()
    app.register_organisation(
        actor=ORGANISER, name_ru="Поздняя", name_kk="Кеш", kind="college", region="VKO"
    )
    everything = b"".join(Feed(app, head=app.head_position()).chunks())
    for types in ((), resolve_types(["Created"])):
        selected = FeedFilter(types=types)
        wanted = [
            line
            for line in parse(
                b"".join(Feed(app, head=app.head_position(), selected=selected).chunks())
            )
            if line["position"] <= head
        ]
        small = b"".join(Feed(app, head=head, batch=4, selected=selected).chunks())
        assert parse(small) == wanted and wanted
        with monkeypatch.context() as patched:
            patched.setattr(CreatedNames, "prefetch", lambda self, keys: None)
            alone = b"".join(Feed(app, head=head, batch=4, selected=selected).chunks())
        assert small == alone
    assert parse(everything)[-1]["data"]["name_kk"] == "Кеш"


def test_the_fast_path_gives_the_same_bytes_as_the_general_one(app, monkeypatch):
    """Lines read straight from the stored bytes equal those made by decoding each head
    (the demo history: every kind of event, Kazakh and Russian text, corrections, an
    amendment, prizes), for the feed and for the export."""
    load_demo(app)
    head = app.head_position()
    decoded: list[str] = []
    general_decode = LineMaker.decode

    def counting(self, row):
        decoded.append(row.topic)
        return general_decode(self, row)

    monkeypatch.setattr(LineMaker, "decode", counting)
    versioned = {t for t in known_topics() if codec_for(t).class_version > 1}
    versioned &= {n.topic for n in stored(app)}
    for export in (False, True):
        decoded.clear()
        fast = b"".join(Feed(app, head=head, export=export).chunks())
        # only the event classes past version 1 (they may need upcasting) take the general
        # path; every other event is read straight from its stored bytes
        assert decoded and set(decoded) == versioned
        general = b"".join(Feed(app, head=head, export=export, fast=False).chunks())
        assert fast == general
        assert len(parse(fast)) == len(stored(app))
