"""Standings as they were (``?as_of=``), the diff of two moments, and every value of every mark
(SQLite and PostgreSQL): the same rules as the live view, visibility of past moments, errors."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from api.server import build_app
from domain.standings import standings
from projections import moments, time_travel
from tests.api.conftest import Ctx, make_ctx
from tests.helpers import ORGANISER, mark_everything, sign_off_all
from tests.registry.test_application import JUDGE, MEASURE

IVANOV = "Иванов Дмитрий Сергеевич"
KASYMOVA = "Қасымова Айгүл"
UNKNOWN = "5e1f0c3a-0000-4000-8000-000000000000"


class SteppingClock:
    """Each event one second after the previous one, so moments between events exist."""

    def __init__(self) -> None:
        self.now = datetime(2025, 5, 12, 4, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


@dataclass
class Story:
    corrected: int
    locked: int
    published: int
    amended: int
    amended_at: datetime


def publish_and_amend(ctx: Ctx) -> Story:
    """Mark everything (with one correction), lock, publish, then amend Ivanov's A1."""
    registry, world = ctx.registry, ctx.world
    mark_everything(registry, world, MEASURE, JUDGE)
    corrected = registry.correct_mark(
        actor=world.experts["e1"],
        competition_id=world.competition,
        competitor_id=world.people[IVANOV],
        aspect_id="A2",
        value="17.50",
        reason="Ошибка ввода: Қ/Ұ перепутаны",
    ).position
    registry.correct_mark(
        actor=world.experts["e1"],
        competition_id=world.competition,
        competitor_id=world.people[IVANOV],
        aspect_id="A2",
        value="18.00",
        reason="Перемер: верное значение",
    )
    sign_off_all(registry, world)
    locked = registry.lock(actor=world.experts["chief"], competition_id=world.competition)
    published = registry.publish(actor=ORGANISER, competition_id=world.competition)
    amended = registry.amend_mark(
        actor=ctx.actors.ids["organiser"],
        competition_id=world.competition,
        competitor_id=world.people[IVANOV],
        aspect_id="A1",
        value="30.00",
        reason="Апелляция: перемер образца (Әділқазылар алқасы)",
    )
    amended_at = registry.events.get(world.competition, gt=amended.version - 1)
    return Story(
        corrected=corrected,
        locked=locked.position,
        published=published.position,
        amended=amended.position,
        amended_at=next(iter(amended_at)).timestamp,
    )


@pytest.fixture
async def full(app) -> AsyncIterator[tuple[AsyncTestClient[Litestar], Ctx]]:
    app.clock = SteppingClock()
    ctx = make_ctx(app)
    async with AsyncTestClient(app=build_app(app, projector="in-process")) as client:
        yield client, ctx


def path(ctx: Ctx, suffix: str = "") -> str:
    return f"/api/v1/competitions/{ctx.world.competition}/standings{suffix}"


def rows(body: dict) -> list[tuple]:
    return [(r["rank"], r["full_name"], r["total"], r["medal"]) for r in body["rows"]]


BEFORE_AMENDMENT = [
    (1, "Нұрланов Әлихан", "95.17", "gold"),
    (2, IVANOV, "78.56", "silver"),
    (2, KASYMOVA, "78.56", "silver"),
    (4, "Өмірбекова Ұлжан", "29.44", None),
]
AFTER_AMENDMENT = [
    (1, "Нұрланов Әлихан", "95.17", "gold"),
    (2, IVANOV, "83.56", "silver"),
    (3, KASYMOVA, "78.56", "bronze"),
    (4, "Өмірбекова Ұлжан", "29.44", None),
]


async def test_as_of_the_head_is_the_live_view_and_before_the_amendment_the_old_one(full):
    client, ctx = full
    story = publish_and_amend(ctx)
    head = ctx.registry.head_position()
    wait = {"X-Registry-Min-Position": str(head)}
    live = await client.get(path(ctx), headers=ctx.auth("auditor", **wait))
    assert live.status_code == 200 and live.json()["as_of_position"] == head
    assert rows(live.json()) == AFTER_AMENDMENT
    past = await client.get(path(ctx, f"?as_of={head}"), headers=ctx.auth("auditor"))
    assert past.status_code == 200, past.text
    assert past.json() == live.json()
    assert past.content == live.content  # the same Struct, field for field, byte for byte

    before = (
        await client.get(path(ctx, f"?as_of={story.amended - 1}"), headers=ctx.auth("auditor"))
    ).json()
    assert before["as_of_position"] == story.amended - 1
    assert before["status"] == "published"
    assert rows(before) == BEFORE_AMENDMENT
    at = (await client.get(path(ctx, f"?as_of={story.amended}"))).json()
    assert rows(at) == AFTER_AMENDMENT

    # The same two moments by time: a microsecond before and exactly at the amendment.
    just_before = (story.amended_at - timedelta(microseconds=1)).isoformat()
    by_time = await client.get(path(ctx, ""), params={"as_of": just_before})
    assert by_time.status_code == 200, by_time.text
    assert rows(by_time.json()) == BEFORE_AMENDMENT
    assert by_time.json()["as_of_position"] == story.published  # its last event by then
    local = story.amended_at.astimezone(UTC).replace(tzinfo=None).isoformat() + "+00:00"
    exactly = (await client.get(path(ctx), params={"as_of": local})).json()
    assert rows(exactly) == AFTER_AMENDMENT and exactly["as_of_position"] == story.amended


def appeal_kasymova(ctx: Ctx) -> None:
    """One more amendment after ``publish_and_amend``'s: Kasymova's A2 on appeal."""
    ctx.registry.amend_mark(
        actor=ORGANISER,
        competition_id=ctx.world.competition,
        competitor_id=ctx.world.people[KASYMOVA],
        aspect_id="A2",
        value="19.00",
        reason="Апелляция",
    )


def test_every_past_version_replays_as_a_fresh_aggregate_would(ctx, monkeypatch):
    """Checkpoints every 3 versions, so copies, replays from a checkpoint and the cache
    catching up with new events are all exercised against the repository's own replay."""
    monkeypatch.setattr(time_travel, "CHECKPOINT_EVERY", 3)
    travel = time_travel.TimeTravel(ctx.registry)
    publish_and_amend(ctx)
    timeline = travel.timeline(ctx.world.competition)
    assert timeline is not None and timeline.checkpoints
    appeal_kasymova(ctx)
    timeline = travel.timeline(ctx.world.competition)
    assert timeline is not None
    competition = ctx.registry.competition(ctx.world.competition)
    assert timeline.version == competition.version
    for version in range(1, timeline.version + 1):
        moment = travel.at(timeline, time_travel.AsOf(position=timeline.positions[version - 1]))
        assert moment is not None and moment.version == version
        fresh = ctx.registry.repository.get(ctx.world.competition, version=version)
        assert standings(moment.competition) == standings(fresh), version
        assert moment.competition.status == fresh.status


def test_the_standings_of_a_moment_are_computed_once_and_stay_right(ctx, monkeypatch):
    """A moment asked again answers the standings kept for its competition and version —
    the same as a fresh aggregate's at that version, before and after later events — and
    no more than ``STANDINGS_KEPT`` are kept."""
    monkeypatch.setattr(time_travel, "STANDINGS_KEPT", 3)
    travel = time_travel.TimeTravel(ctx.registry)
    story = publish_and_amend(ctx)

    def at(position: int) -> time_travel.Moment:
        timeline = travel.timeline(ctx.world.competition)
        assert timeline is not None
        moment = travel.at(timeline, time_travel.AsOf(position=position))
        assert moment is not None
        return moment

    def fresh(version: int) -> Any:
        return standings(ctx.registry.repository.get(ctx.world.competition, version=version))

    before, amended = at(story.amended - 1), at(story.amended)
    kept = travel.standings(before)
    assert kept == fresh(before.version) and kept != travel.standings(amended)
    assert travel.standings(at(story.amended - 1)) is kept  # asked again: not recomputed
    appeal_kasymova(ctx)  # a later event changes no earlier moment
    assert travel.standings(at(story.amended - 1)) is kept
    latest = at(ctx.registry.head_position())
    assert travel.standings(latest) == fresh(latest.version) != travel.standings(amended)
    for position in (story.locked, story.corrected):  # 3 kept: ``before`` leaves first
        travel.standings(at(position))
    again = travel.standings(at(story.amended - 1))
    assert again is not kept and again == kept


async def test_every_moment_over_http_from_checkpoints_is_the_full_replays(full, monkeypatch):
    """With a checkpoint every 4 versions, every position and every event's time asked over
    HTTP answers exactly (byte for byte) what a replay from the competition's creation does."""
    monkeypatch.setattr(moments, "CHECKPOINT_EVERY", 4)
    client, ctx = full
    publish_and_amend(ctx)
    head = ctx.registry.head_position()
    wait = ctx.auth("auditor", **{"X-Registry-Min-Position": str(head)})
    assert (await client.get(path(ctx), headers=wait)).status_code == 200
    travel = time_travel.for_app(ctx.registry, client.app.state.read_side.store)
    history = travel.history(ctx.world.competition)
    # the views' checkpoints: from version 16 on (the world was built before the patch,
    # so its first versions have none: those moments start from the creation)
    assert history is not None and len(history.marks) >= 5
    replay = time_travel.TimeTravel(ctx.registry)  # no views: from creation
    timeline = replay.timeline(ctx.world.competition)
    assert timeline is not None
    created = ctx.registry.position_of(ctx.world.competition, 1)
    asked = [str(p) for p in range(created, head + 1)]
    asked += [e.timestamp.isoformat() for e in timeline.events]
    for text in asked:
        answer = await client.get(path(ctx), params={"as_of": text}, headers=ctx.auth("auditor"))
        assert answer.status_code == 200, (text, answer.text)
        moment = replay.at(timeline, time_travel.parse_as_of(text))
        assert moment is not None
        expected = time_travel.standings_at(ctx.registry, moment)
        assert not expected.disputed  # else the auditor's answer names who gave what
        assert answer.content == msgspec.json.encode(expected), text


async def test_who_sees_which_moment(full):
    client, ctx = full
    head = ctx.registry.head_position()
    # Not published: the live rules (the public does not learn it exists).
    unpublished = {
        None: 404,
        "akimat": 403,
        "outsider": 403,
        "expert": 200,
        "organiser": 200,
        "auditor": 200,
        "admin": 200,
    }
    for role, status in unpublished.items():
        answer = await client.get(path(ctx, f"?as_of={head}"), headers=ctx.auth(role))
        assert answer.status_code == status, (role, answer.text)
    story = publish_and_amend(ctx)
    # Published now; a moment before publication is for those who could see it then.
    before = {**unpublished, None: 401}
    for role, status in before.items():
        answer = await client.get(path(ctx, f"?as_of={story.locked}"), headers=ctx.auth(role))
        assert answer.status_code == status, (role, answer.text)
        if status == 200:
            assert answer.json()["status"] == "locked"
    for role in unpublished:
        answer = await client.get(path(ctx, f"?as_of={story.published}"), headers=ctx.auth(role))
        assert answer.status_code == 200, (role, answer.text)
        assert answer.json()["status"] == "published"
    public = await client.get(path(ctx, f"?as_of={story.locked}"))
    assert public.json()["type"] == "/problems/unauthorized"
    assert "Bearer" in public.headers["www-authenticate"]


async def test_bad_moments_are_400_and_moments_before_the_competition_404(full):
    client, ctx = full
    story = publish_and_amend(ctx)
    auditor = ctx.auth("auditor")
    head = ctx.registry.head_position()
    for value in (
        "yesterday",
        "2025-05-12T10:00:00",  # no offset
        "2025-13-01T00:00:00Z",
        "-5",
        "",
        str(head + 1),  # beyond the head
        "2099-01-01T00:00:00+05:00",  # the future
        "9" * 30,
    ):
        answer = await client.get(path(ctx), params={"as_of": value}, headers=auditor)
        assert answer.status_code == 400, (value, answer.text)
        body = answer.json()
        assert body["type"] == "/problems/invalid-input"
        assert body["errors"][0]["field"] == "as_of"
    created = ctx.registry.position_of(ctx.world.competition, 1)
    for value in ("0", str(created - 1), "2020-01-01T00:00:00Z"):
        answer = await client.get(path(ctx), params={"as_of": value}, headers=auditor)
        assert answer.status_code == 404, (value, answer.text)
    assert (await client.get(path(ctx, f"?as_of={created}"), headers=auditor)).status_code == 200
    unknown = f"/api/v1/competitions/{UNKNOWN}/standings?as_of=5"
    assert (await client.get(unknown, headers=auditor)).status_code == 404
    organisation = f"/api/v1/competitions/{ctx.world.orgs['kazzinc']}/standings?as_of=5"
    assert (await client.get(organisation, headers=auditor)).status_code == 404
    assert ctx.registry.head_position() == head  # nothing recorded by any of it
    assert story.amended == head


async def test_the_diff_of_two_moments_names_the_changes_and_the_events(full):
    client, ctx = full
    story = publish_and_amend(ctx)
    answer = await client.get(
        path(ctx, "/diff"), params={"from": str(story.published)}, headers=ctx.auth("admin")
    )
    assert answer.status_code == 200, answer.text
    diff = answer.json()
    assert diff["from"]["as_of_position"] == story.published
    assert diff["to"]["as_of_position"] == ctx.registry.head_position()
    assert (diff["from"]["status"], diff["to"]["status"]) == ("published", "published")
    changed = {c["full_name"]: c for c in diff["changes"]}
    assert changed[IVANOV]["before"]["total"] == "78.56"
    assert changed[IVANOV]["after"]["total"] == "83.56"
    assert "total" in changed[IVANOV]["changed"] and "rank" not in changed[IVANOV]["changed"]
    assert {"rank", "medal"} <= set(changed[KASYMOVA]["changed"])
    assert "total" not in changed[KASYMOVA]["changed"]
    assert (changed[KASYMOVA]["before"]["medal"], changed[KASYMOVA]["after"]["medal"]) == (
        "silver",
        "bronze",
    )
    assert [e["type"] for e in diff["events"]] == ["registry.Competition.MarkAmended"]
    event = diff["events"][0]
    assert event["position"] == story.amended
    assert event["reason"] == "Апелляция: перемер образца (Әділқазылар алқасы)"
    assert event["actor"] == {"id": str(ctx.actors.ids["organiser"]), "name": "Организатор тестов"}

    # By time, and over the whole marking: the corrections are among the events.
    whole = await client.get(
        path(ctx, "/diff"),
        params={"from": str(story.corrected - 1), "to": str(story.published)},
        headers=ctx.auth("auditor"),
    )
    assert whole.status_code == 200, whole.text
    types = [e["type"] for e in whole.json()["events"]]
    assert types == [
        "registry.Competition.MarkCorrected",
        "registry.Competition.MarkCorrected",
        *["registry.Competition.SignedOff"] * 5,  # every assigned expert, before the lock
        "registry.Competition.Locked",
        "registry.Competition.Published",
    ]
    assert whole.json()["changes"] == []  # 78.56 -> 78.06 -> 78.56: no net change

    # From before the competition existed: everyone is new, every event is listed.
    origin = await client.get(path(ctx, "/diff"), params={"from": "0"}, headers=ctx.auth("expert"))
    assert origin.status_code == 200, origin.text
    body = origin.json()
    assert body["from"] == {
        "as_of_position": 0,
        "position": 0,
        "time": None,
        "version": 0,
        "status": None,
    }
    assert [c["before"] for c in body["changes"]] == [None] * 4
    assert [(c["after"]["rank"], c["full_name"]) for c in body["changes"]] == [
        (rank, name) for rank, name, _, _ in AFTER_AMENDMENT
    ]
    versions = [e["version"] for e in body["events"]]
    assert versions == list(range(1, ctx.registry.competition(ctx.world.competition).version + 1))
    assert body["events"][0]["type"] == "registry.Competition.Created"

    later = (story.amended_at + timedelta(seconds=1)).isoformat()
    for params, status in (
        ({}, 400),
        ({"from": "soon"}, 400),
        ({"from": str(story.amended), "to": str(story.published)}, 400),
        ({"from": later, "to": story.amended_at.isoformat()}, 400),
        ({"from": "0", "to": "1"}, 404),  # "to" before the competition existed
        ({"from": str(ctx.registry.head_position() + 1)}, 400),
    ):
        bad = await client.get(path(ctx, "/diff"), params=params, headers=ctx.auth("auditor"))
        assert bad.status_code == status, (params, bad.text)
    # The public sees a diff between published moments only.
    public = await client.get(path(ctx, "/diff"), params={"from": str(story.published)})
    assert public.status_code == 200
    for moment in (str(story.locked), "0"):
        hidden = await client.get(path(ctx, "/diff"), params={"from": moment})
        assert hidden.status_code == 401, moment
        other = await client.get(
            path(ctx, "/diff"), params={"from": moment}, headers=ctx.auth("akimat")
        )
        assert other.status_code == 403, moment


async def test_every_value_each_mark_ever_had(full):
    client, ctx = full
    story = publish_and_amend(ctx)
    url = f"/api/v1/audit/competitions/{ctx.world.competition}/marks"
    for role, status in (
        (None, 401),
        ("organiser", 403),
        ("expert", 403),
        ("chief", 403),
        ("akimat", 403),
        ("auditor", 200),
        ("admin", 200),
    ):
        assert (await client.get(url, headers=ctx.auth(role))).status_code == status, role
    body = (await client.get(url, headers=ctx.auth("auditor"))).json()
    assert body["status"] == "published"
    assert body["as_of_position"] == story.amended
    # 4 competitors x (2 measurements + 2 judgement aspects x 3 experts)
    assert len(body["marks"]) == 4 * (2 + 2 * 3)
    ivanov = ctx.world.people[IVANOV]
    a1 = next(
        m for m in body["marks"] if m["competitor_id"] == str(ivanov) and m["aspect_id"] == "A1"
    )
    assert [(v["kind"], v["value"]) for v in a1["values"]] == [
        ("entered", "25.00"),
        ("amended", "30.00"),
    ]
    assert a1["value"] == "30.00" and a1["values"][1]["previous"] == "25.00"
    assert a1["values"][1]["reason"].startswith("Апелляция")
    assert a1["values"][1]["actor"]["name"] == "Организатор тестов"
    a2 = next(
        m for m in body["marks"] if m["competitor_id"] == str(ivanov) and m["aspect_id"] == "A2"
    )
    assert [(v["kind"], v["value"], v["reason"]) for v in a2["values"]] == [
        ("entered", "18.00", None),
        ("corrected", "17.50", "Ошибка ввода: Қ/Ұ перепутаны"),
        ("corrected", "18.00", "Перемер: верное значение"),
    ]
    assert a2["values"][1]["position"] == story.corrected
    assert a2["expert_name"] == "Эксперт e1"
    judged = [
        m for m in body["marks"] if m["competitor_id"] == str(ivanov) and m["aspect_id"] == "B1"
    ]
    assert len({m["expert_id"] for m in judged}) == 3
    missing = await client.get(
        f"/api/v1/audit/competitions/{UNKNOWN}/marks", headers=ctx.auth("auditor")
    )
    assert missing.status_code == 404 and missing.json()["type"] == "/problems/not-found"
