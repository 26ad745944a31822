"""The auditor's workbench pages through the real app (SQLite and PostgreSQL): the event history
(filters, paging), one aggregate's story, time travel on the competition's page, the seal
verification on an intact and a tampered store; who may open them.

Expected texts come from the recorded events and the gettext catalogs (``api.i18n``), never
from the pages' own output.
"""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import msgspec
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from api.i18n import translator
from api.server import build_app
from api.web import audit as audit_pages
from registry.application import RegistryApplication
from tests.api.conftest import Ctx, make_ctx
from tests.helpers import mark_everything
from tests.projections.tamper import Tamper

ROW = re.compile(r'<tr id="p(\d+)">')
REASON = "опечатка в протоколе: Әлихан Ұлы Қ"


def ru(message: str, **params: object) -> str:
    return translator("ru").gettext(message, **params)


def kk(message: str, **params: object) -> str:
    return translator("kk").gettext(message, **params)


def text_of(page: str) -> str:
    """What a person reads: tags dropped, entities decoded, spaces collapsed."""
    body = page.split("<main", 1)[-1]
    body = re.sub(r"</?(a|strong|abbr|em|q|span|mark|code)\b[^>]*>", "", body)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def positions(page: str) -> list[int]:
    return [int(p) for p in ROW.findall(page)]


class World:
    """The shared world, marked in full, with one correction by an expert of their own mark
    (at ``corrected``); ``before`` is the position just before the correction."""

    def __init__(self, ctx: Ctx) -> None:
        self.ctx = ctx
        registry, world = ctx.registry, ctx.world
        mark_everything(
            registry,
            world,
            {
                "Нұрланов Әлихан": ("25.00", "18.00"),
                "Қасымова Айгүл": ("24.00", "17.00"),
                "Иванов Дмитрий Сергеевич": ("20.00", "15.00"),
                "Өмірбекова Ұлжан": ("22.00", "16.00"),
            },
            {
                "Нұрланов Әлихан": ((3, 3, 3), (2, 2, 2)),
                "Қасымова Айгүл": ((3, 3, 2), (2, 2, 2)),
                "Иванов Дмитрий Сергеевич": ((2, 2, 2), (1, 1, 1)),
                "Өмірбекова Ұлжан": ((2, 2, 2), (2, 2, 2)),
            },
        )
        self.before = registry.head_position()
        self.competitor = world.people["Иванов Дмитрий Сергеевич"]
        self.expert = world.experts["e1"]
        registry.correct_mark(
            actor=self.expert,
            competition_id=world.competition,
            competitor_id=self.competitor,
            aspect_id="A1",
            value="29.50",
            reason=REASON,
        )
        self.corrected = registry.head_position()


@pytest.fixture
async def web(app: RegistryApplication) -> AsyncIterator[tuple[AsyncTestClient[Litestar], World]]:
    world = World(make_ctx(app))
    async with AsyncTestClient(app=build_app(app, projector="in-process")) as client:
        assert client.app.state.read_side.wait_for(app.head_position(), 30)
        yield client, world


def auditor(world: World, **extra: str) -> dict[str, str]:
    return world.ctx.auth("auditor", **extra)


# ------------------------------------------------------------------ who may open the workbench


async def test_only_auditors_and_admins_open_the_workbench(web):
    client, world = web
    competition = world.ctx.world.competition
    paths = [
        "/audit",
        "/audit?type=MarkCorrected",
        f"/audit/aggregates/{competition}",
        "/audit/verify",
        f"/competitions/{competition}?as_of={world.before}",
        f"/competitions/{competition}?as_of={world.corrected}&compare={world.before}",
    ]
    for path in paths:
        for role in ("auditor", "admin"):
            answer = await client.get(path, headers=world.ctx.auth(role))
            assert answer.status_code == 200, (path, role, answer.text[:500])
            assert answer.headers["content-type"].startswith("text/html")
        for role in ("organiser", "chief", "expert", "akimat"):
            answer = await client.get(path, headers=world.ctx.auth(role))
            assert answer.status_code == 403, (path, role)
            assert ru("Not allowed") in answer.text
        public = await client.get(path, follow_redirects=False)
        assert public.status_code in (302, 303), (path, public.status_code)
        assert public.headers["location"].startswith("/login?next=")


async def test_a_signed_in_auditor_opens_the_workbench_through_the_session(web):
    client, world = web
    form = await client.get("/login")
    csrf = re.search(r'name="_csrf_token" value="([^"]+)"', form.text)
    assert csrf
    signed = await client.post(
        "/login",
        data={"token": world.ctx.actors.tokens["auditor"], "_csrf_token": csrf.group(1)},
        follow_redirects=False,
    )
    assert signed.status_code == 303 and signed.headers["location"] == "/audit"
    page = await client.get("/audit")
    assert page.status_code == 200
    assert ru("Event history") in page.text and ru("Event history") != "Event history"


# ------------------------------------------------------------------ /audit


async def test_the_history_is_newest_first_and_pages_by_position(web, monkeypatch):
    client, world = web
    # small pages, and a first window smaller than a page: the reading goes down in windows
    monkeypatch.setattr(audit_pages, "PAGE_SIZE", 20)
    monkeypatch.setattr(audit_pages, "FIRST_WINDOW", 3)
    head = world.ctx.registry.head_position()
    assert head > 2 * 20  # three pages at least
    first = await client.get("/audit", headers=auditor(world))
    seen = positions(first.text)
    assert seen == list(range(head, head - 20, -1))
    assert ru("Older events →") in first.text and ru("← Newer events") not in first.text
    older = html.unescape(re.search(r'href="([^"]+)" rel="next"', first.text).group(1))
    second = await client.get(older, headers=auditor(world))
    assert positions(second.text) == list(range(head - 20, head - 40, -1))
    newer = html.unescape(re.search(r'href="([^"]+)" rel="prev"', second.text).group(1))
    back = await client.get(newer, headers=auditor(world))
    assert positions(back.text) == seen
    # the last page: the oldest events, and no older page
    last = await client.get(f"/audit?upto={head % 20 or 20}", headers=auditor(world))
    assert positions(last.text) == list(range(head % 20 or 20, 0, -1))
    assert 'rel="next"' not in last.text


async def test_the_filters_narrow_the_rows(web):
    client, world = web
    ctx = world.ctx
    everything = positions((await client.get("/audit", headers=auditor(world))).text)
    # by type: the one correction
    page = await client.get("/audit?type=Competition.MarkCorrected", headers=auditor(world))
    assert positions(page.text) == [world.corrected]
    assert ru("Mark corrected") in page.text and REASON in html.unescape(page.text)
    # by actor: the expert's own events only (sheets and the correction)
    page = await client.get(f"/audit?actor={world.expert}", headers=auditor(world))
    mine = positions(page.text)
    assert mine and world.corrected in mine and len(mine) < len(everything)
    feed = await client.get(f"/api/v1/audit/events?actor={world.expert}", headers=auditor(world))
    expected = [int(line.split(",")[0].split(":")[1]) for line in feed.text.splitlines()]
    assert mine == sorted(expected, reverse=True)[:50]
    # by aggregate: one participant's creation only
    person = ctx.world.people["Өмірбекова Ұлжан"]
    page = await client.get(f"/audit?aggregate={person}", headers=auditor(world))
    assert len(positions(page.text)) == 1
    assert "Өмірбекова Ұлжан" in html.unescape(page.text)
    # the feed's withholding: no birth date of anyone anywhere
    assert "2004-03-01" not in page.text
    # by time: nothing before the world existed; everything since then
    early = (datetime.now(UTC) - timedelta(days=3650)).astimezone().strftime("%Y-%m-%dT%H:%M")
    page = await client.get(f"/audit?until={early}", headers=auditor(world))
    assert positions(page.text) == [] and ru("No event matches the filter.") in page.text
    page = await client.get(f"/audit?since={early}", headers=auditor(world))
    assert positions(page.text) == everything
    # filters combine: the expert's corrections only
    page = await client.get(
        f"/audit?actor={world.expert}&type=MarkCorrected", headers=auditor(world)
    )
    assert positions(page.text) == [world.corrected]


async def test_a_bad_filter_is_named_next_to_its_field(web):
    client, world = web
    page = await client.get("/audit?aggregate=not-a-uuid&type=NoSuchEvent", headers=auditor(world))
    assert page.status_code == 200
    assert 'id="f-aggregate-error"' in page.text or 'id="f-type-error"' in page.text
    assert 'aria-invalid="true"' in page.text
    assert positions(page.text) == []


# ------------------------------------------------------------------ /audit/aggregates/{id}


async def test_a_correction_is_told_as_a_story_with_names_values_and_the_reason(web):
    client, world = web
    ctx = world.ctx
    competition = ctx.world.competition
    expert = "Эксперт e1"  # the account's name, as registered
    competitor = "Иванов Дмитрий Сергеевич"
    for lang, tr in (("ru", translator("ru")), ("kk", translator("kk"))):
        page = await client.get(
            f"/audit/aggregates/{competition}?lang={lang}", headers=auditor(world)
        )
        assert page.status_code == 200
        story = tr.gettext(
            "%(actor)s corrected %(aspect)s for %(competitor)s from %(previous)s to "
            "%(value)s: “%(reason)s”",
            actor=expert,
            aspect="A1",
            competitor=competitor,
            previous=tr.number(Decimal("20.00")),
            value=tr.number(Decimal("29.50")),
            reason=REASON,
        )
        assert story in text_of(page.text), (lang, story)
        assert f'id="event-{world.corrected}"' in page.text
        # the actor's and the competitor's names link to their own histories
        assert f'href="/audit/aggregates/{world.expert}"' in page.text
        assert f'href="/audit/aggregates/{world.competitor}"' in page.text
    unknown = await client.get(
        "/audit/aggregates/00000000-0000-4000-8000-000000000000", headers=auditor(world)
    )
    assert unknown.status_code == 404


async def test_a_participants_history_withholds_personal_data(web):
    client, world = web
    person = world.ctx.world.people["Нұрланов Әлихан"]
    page = await client.get(f"/audit/aggregates/{person}", headers=auditor(world))
    assert page.status_code == 200
    assert "Нұрланов Әлихан" in html.unescape(page.text)
    assert '"withheld"' in html.unescape(page.text) and "2004-03-01" not in page.text


# ------------------------------------------------------------------ time travel


async def test_time_travel_shows_the_older_standings_and_the_comparison(web):
    client, world = web
    ctx = world.ctx
    competition = ctx.world.competition
    tr = translator("ru")
    old = await client.get(
        f"/competitions/{competition}?as_of={world.before}", headers=auditor(world)
    )
    assert old.status_code == 200
    text = text_of(old.text)
    assert ru("Standings as of position %(position)s", position=tr.integer(world.before)) in text
    # Иванов: A1 20.00 + A2 15.00 + B1 (2,2,2) 20.00 + B2 (1,1,1) 6.67 = 61.67 before
    api_old = (
        await client.get(
            f"/api/v1/competitions/{competition}/standings?as_of={world.before}",
            headers=auditor(world),
        )
    ).json()
    row_old = next(r for r in api_old["rows"] if r["competitor_id"] == str(world.competitor))
    assert f"Иванов Дмитрий Сергеевич {row_old['organisation']}" in text
    assert tr.number(row_old["total"]) in text
    now = (
        await client.get(f"/api/v1/competitions/{competition}/standings", headers=auditor(world))
    ).json()
    row_now = next(r for r in now["rows"] if r["competitor_id"] == str(world.competitor))
    assert Decimal(row_now["total"]) - Decimal(row_old["total"]) == Decimal("9.50")
    assert tr.number(row_now["total"]) not in text

    compared = await client.get(
        f"/competitions/{competition}?as_of={world.corrected}&compare={world.before}",
        headers=auditor(world),
    )
    assert compared.status_code == 200
    text = text_of(compared.text)
    assert (
        ru(
            "What changed from position %(from)s to position %(to)s",
            **{"from": tr.integer(world.before), "to": tr.integer(world.corrected)},
        )
        in text
    )
    change = ru("rank %(rank)s, %(total)s", rank=row_now["rank"], total=tr.number(row_now["total"]))
    assert "Иванов Дмитрий Сергеевич" in text and change in text
    assert (
        ru("rank %(rank)s, %(total)s", rank=row_old["rank"], total=tr.number(row_old["total"]))
        in text
    )
    # the event in between, with its reason
    assert ru("Mark corrected") in text and REASON in text


async def test_a_bad_moment_is_named_next_to_the_field(web):
    client, world = web
    competition = world.ctx.world.competition
    page = await client.get(f"/competitions/{competition}?as_of=99999999", headers=auditor(world))
    assert page.status_code == 200
    assert 'id="tt-as-of-error"' in page.text and 'aria-invalid="true"' in page.text
    page = await client.get(
        f"/competitions/{competition}?as_of={world.before}&compare={world.corrected}",
        headers=auditor(world),
    )
    assert 'id="tt-compare-error"' in page.text


# ------------------------------------------------------------------ /audit/verify


async def test_verify_shows_an_intact_store(web):
    client, world = web
    page = await client.get("/audit/verify", headers=auditor(world))
    assert page.status_code == 200
    report = (await client.get("/api/v1/audit/verify", headers=auditor(world))).json()
    text = text_of(page.text)
    assert ru("Intact: every stored event matches its seal.") in text
    assert report["head_hash"] in page.text
    assert translator("ru").integer(report["checked"]) in text
    assert "seal-status--broken" not in page.text


async def test_verify_shows_a_tampered_store_as_broken_at_the_first_bad_position(web):
    client, world = web
    tamper = Tamper(world.ctx.registry)
    bad = tamper.positions()[20]
    tamper.edit_one_byte(bad)
    page = await client.get("/audit/verify", headers=auditor(world))
    assert page.status_code == 200
    text = text_of(page.text)
    assert ru("Broken: the history contradicts its seals.") in text
    assert (
        ru(
            "The stored event at position %(position)s does not match its seal: it was changed "
            "after it was sealed.",
            position=bad,
        )
        in text
    )
    assert f'<mark class="seal-bad" id="first-bad-position">{bad}</mark>' in page.text
    assert 'role="alert"' in page.text
    kk_page = await client.get("/audit/verify?lang=kk", headers=auditor(world))
    assert kk("Broken: the history contradicts its seals.") in text_of(kk_page.text)


async def test_a_damaged_row_is_explained_not_a_crash(web):
    client, world = web
    tamper = Tamper(world.ctx.registry)
    bad = world.before  # an event of the competition
    tamper.edit(bad, b"not json at all")
    page = await client.get("/audit", headers=auditor(world))
    assert page.status_code == 200
    damaged = ru(
        "The history cannot be read here: a stored row is damaged. The seal verification names it."
    )
    assert damaged in text_of(page.text)
    history = await client.get(
        f"/audit/aggregates/{world.ctx.world.competition}", headers=auditor(world)
    )
    assert damaged in text_of(history.text)
    verify = await client.get("/audit/verify", headers=auditor(world))
    assert f'<mark class="seal-bad" id="first-bad-position">{bad}</mark>' in verify.text


async def test_the_rows_alone_for_the_live_script(web):
    client, world = web
    page = await client.get("/audit", headers=auditor(world))
    assert 'data-live="/audit/live?after=' in page.text and "/static/audit.js" in page.text
    fragment = await client.get(
        f"/audit?fragment=rows&after={world.before}", headers=auditor(world)
    )
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert positions(fragment.text)[0] == world.corrected
    # an older page does not go live
    older = await client.get(f"/audit?upto={world.before}", headers=auditor(world))
    assert "data-live" not in older.text and "/static/audit.js" not in older.text
    refused = await client.get("/audit/live", headers=world.ctx.auth("organiser"))
    assert refused.status_code == 403


async def test_verify_shows_the_recorded_checkpoint_and_its_signature(web):
    from projections.seal.checkpoints import new_seed, record_checkpoint, sign_checkpoint

    client, world = web
    registry = world.ctx.registry
    report = (await client.get("/api/v1/audit/verify", headers=auditor(world))).json()
    checkpoint = sign_checkpoint(new_seed(), report["head_position"], report["head_hash"])
    record_checkpoint(registry, checkpoint)
    page = await client.get("/audit/verify", headers=auditor(world))
    text = text_of(page.text)
    assert ru("Recorded checkpoint") in text and checkpoint.public_key in page.text
    assert ru("valid (Ed25519)") in text
    assert ru("Intact: every stored event matches its seal.") in text
    # a forged newer checkpoint: its signature fails, and so does the verification
    forged = sign_checkpoint(new_seed(), report["head_position"] + 5, report["head_hash"])
    record_checkpoint(registry, msgspec.structs.replace(forged, signature="00" * 64))
    page = await client.get("/audit/verify", headers=auditor(world))
    text = text_of(page.text)
    assert ru("does not match: the checkpoint was altered or forged") in text
    assert ru("Broken: the history contradicts its seals.") in text
