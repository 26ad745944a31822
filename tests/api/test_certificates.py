"""Verifiable certificates over HTTP (issue 16 point 7), on SQLite and PostgreSQL: the codes
the pages and the API show, verification against the standings, tampered and made-up codes
plainly refused, amendments and revocations, prizes, and codes that survive a rebuild.

The world: an AgroSkills competition (medallion = a total of 70.00 or more without a medal)
with five competitors whose judgement scores are all 3 (50.00), so the measurements decide:

=========================  =====  =====  ======  ==================
competitor                 A1     A2     total   honour
=========================  =====  =====  ======  ==================
Нұрланов Әлихан            30.00  15.00  95.00   gold
Қасымова Айгүл             25.00  15.00  90.00   silver
Иванов Дмитрий Сергеевич   20.00  15.00  85.00   bronze
Өмірбекова Ұлжан           15.00  10.00  75.00   medallion
Ғабитов Үмбет              0.00   0.00   50.00   -
=========================  =====  =====  ======  ==================
"""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime
from uuid import UUID

import pytest

from domain import certificates
from domain.ids import SYSTEM_ACTOR
from domain.values import local_date
from projections.runner import rebuild
from projections.seal import chain_head
from registry.policy import PrizePolicy
from store.certificate_key import TABLE as KEY_TABLE
from store.dialect import dialect_of
from tests.api.conftest import bearer
from tests.helpers import ORGANISER, build_world, mark_everything, sign_off_all
from tests.prizes_world import build_prize_world, create_programme

GOLD, SILVER, BRONZE, MEDALLION, NONE = (
    "Нұрланов Әлихан",
    "Қасымова Айгүл",
    "Иванов Дмитрий Сергеевич",
    "Өмірбекова Ұлжан",
    "Ғабитов Үмбет",
)
COMPETITORS = (
    (GOLD, "college_a"),
    (SILVER, "college_a"),
    (BRONZE, "college_b"),
    (MEDALLION, "college_c"),
    (NONE, "college_c"),
)
MEASURE = {
    GOLD: ("30.00", "15.00"),
    SILVER: ("25.00", "15.00"),
    BRONZE: ("20.00", "15.00"),
    MEDALLION: ("15.00", "10.00"),
    NONE: ("0.00", "0.00"),
}
FULL = {name: ((3, 3, 3), (3, 3, 3)) for name in MEASURE}
CODE_LINK = re.compile(r'href="/certificates/([0-9A-Z]{5}(?:-[0-9A-Z]{5}){3})"')


def fresh(app, **headers: str) -> dict[str, str]:
    return {"X-Registry-Min-Position": str(app.head_position()), **headers}


def settle(client, app) -> None:
    """Wait until the views hold every event (pages do not read X-Registry-Min-Position)."""
    assert client.app.state.read_side.wait_for(app.head_position(), 10)


def publish_world(app):
    world = build_world(app, kind="agroskills", competitors=COMPETITORS)
    mark_everything(app, world, MEASURE, FULL)
    sign_off_all(app, world)
    app.lock(actor=world.experts["chief"], competition_id=world.competition)
    published = app.publish(actor=ORGANISER, competition_id=world.competition)
    return world, published.position


def amend(app, world, name: str, aspect: str, value: str) -> int:
    return app.amend_mark(
        actor=ORGANISER,
        competition_id=world.competition,
        competitor_id=world.people[name],
        aspect_id=aspect,
        value=value,
        reason="Ошибка при переносе протокола",
    ).position


async def certificates_of(client, app, person: UUID) -> list[dict]:
    response = await client.get(f"/api/v1/participants/{person}/certificates", headers=fresh(app))
    assert response.status_code == 200, response.text
    return response.json()


async def verify(client, app, code: str, **headers: str):
    return await client.get(f"/api/v1/certificates/{code}", headers=fresh(app, **headers))


def tampered(code: str) -> str:
    """``code`` with its first character changed (hyphens kept)."""
    first = code[0]
    other = certificates.ALPHABET[(certificates.ALPHABET.index(first) + 7) % 32]
    return other + code[1:]


async def test_medal_certificates_verify_against_the_standings_and_refuse_forgeries(app, client):
    world, published = publish_world(app)
    standings = (
        await client.get(f"/api/v1/competitions/{world.competition}/standings", headers=fresh(app))
    ).json()
    rows = {row["full_name"]: row for row in standings["rows"]}
    assert [(n, rows[n]["medal"], rows[n]["medallion"]) for n in MEASURE] == [
        (GOLD, "gold", False),
        (SILVER, "silver", False),
        (BRONZE, "bronze", False),
        (MEDALLION, None, True),
        (NONE, None, False),
    ]
    championship = (
        await client.get(f"/api/v1/championships/{world.championship}", headers=fresh(app))
    ).json()
    seal = chain_head(app, published).hash

    # The competition page links every medal and the medallion to its certificate...
    settle(client, app)
    page = await client.get(f"/competitions/{world.competition}")
    assert page.status_code == 200
    on_standings = CODE_LINK.findall(page.text)
    assert len(on_standings) == 4

    codes: dict[str, str] = {}
    for name in MEASURE:
        person = world.people[name]
        listed = await certificates_of(client, app, person)
        # ...and so does the participant page, with the codes the API lists.
        participant_page = await client.get(f"/participants/{person}")
        assert CODE_LINK.findall(participant_page.text) == [c["code"] for c in listed]
        if name == NONE:
            assert listed == []
            continue
        [certificate] = listed
        codes[name] = certificate["code"]
        response = await verify(client, app, certificate["code"])
        assert response.status_code == 200, response.text
        body = response.json()
        assert body == certificate
        row = rows[name]
        assert body["valid"] is True and body["verdict"] == "valid"
        assert body["amended"] is False and body["revoked"] is False
        assert body["kind"] == ("medallion" if name == MEDALLION else "medal")
        assert body["medal"] == row["medal"] and body["medallion"] == row["medallion"]
        assert body["competitor"] == {
            "participant_id": str(person),
            "full_name": name,
            "organisation_id": row["organisation_id"],
            "organisation": row["organisation"],
            "organisation_kk": body["competitor"]["organisation_kk"],
            "region": "VKO",
        }
        assert body["competitor"]["organisation_kk"]  # the Kazakh name, from the register
        assert set(body["competitor"]) == {
            "participant_id",
            "full_name",
            "organisation_id",
            "organisation",
            "organisation_kk",
            "region",
        }  # no birth date, no disability
        expected = {
            "rank": row["rank"],
            "total": row["total"],
            "scaled_score": row["scaled_score"],
            "medal": row["medal"],
            "medallion": row["medallion"],
        }
        assert body["result"] == expected and body["current_result"] == expected
        assert body["championship"]["id"] == str(world.championship)
        assert body["championship"]["title_ru"] == championship["title_ru"]
        assert body["competition"]["id"] == str(world.competition)
        assert body["competition"]["title_kk"] == "Дәнекерлеу технологиясы"
        assert body["published_position"] == published
        assert body["seal_hash"] == seal
        assert body["current_certificate"] is None and body["prize"] is None
    assert sorted(on_standings) == sorted(codes.values())
    assert len(set(codes.values())) == 4

    code = codes[GOLD]
    compact = code.replace("-", "")
    assert len(compact) == 20 and certificates.BITS >= 80
    assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{20}", compact)
    # Read as people type it: lower case, no hyphens, spaces, O for 0 and I/L for 1.
    sloppy = compact.lower().replace("0", "o").replace("1", "l")
    assert (await verify(client, app, sloppy)).json()["code"] == code
    assert (await verify(client, app, " ".join(code.split("-")))).json()["code"] == code

    before = app.head_position()
    # One character changed: told apart as mistyped, in the caller's language.
    for wrong in (tampered(code), code[:-1] + tampered(code[-1])):
        refused = await verify(client, app, wrong)
        assert refused.status_code == 404
        assert refused.headers["content-type"].startswith("application/problem+json")
        problem = refused.json()
        assert problem["type"] == "/problems/certificate-mistyped"
        assert problem["valid"] is False and problem["reason"] == "mistyped"
        assert problem["title"] == "Не является сертификатом этого реестра"
        assert "опечатка" in problem["detail"] and wrong in problem["detail"]
    # Two neighbours swapped: caught by the check too.
    swapped = compact[1] + compact[0] + compact[2:]
    if swapped != compact:
        assert (await verify(client, app, swapped)).json()["reason"] == "mistyped"
    kazakh = (await verify(client, app, tampered(code), **{"Accept-Language": "kk"})).json()
    assert kazakh["title"] == "Бұл тізілімнің сертификаты емес"
    assert "қате терілген" in kazakh["detail"]
    # A well-formed code with a right check that no certificate has: not found.
    made_up = certificates.grouped(certificates.code_for(os.urandom(32), "medal/forged"))
    unknown = await verify(client, app, made_up)
    assert unknown.status_code == 404
    assert unknown.json()["type"] == "/problems/certificate-not-found"
    assert unknown.json()["reason"] == "unknown"
    assert "выдуман или изменён" in unknown.json()["detail"]
    for junk in ("hello", "ABCDE-FGHJK", "U" * 20, "x" * 300):
        malformed = await verify(client, app, junk)
        assert malformed.status_code == 404
        assert malformed.json()["type"] == "/problems/certificate-malformed", junk
        assert len(malformed.json()["code"]) <= certificates.MAX_TEXT
    assert app.head_position() == before  # verifying records nothing

    # The verification and printable pages, for anyone.
    page = await client.get(f"/verify/{code}")
    assert page.status_code == 200
    assert "Сертификат действителен" in page.text and GOLD in page.text
    assert seal in page.text and f"/competitions/{world.competition}" in page.text
    forged = await client.get(f"/verify/{made_up}")
    assert forged.status_code == 404
    assert "Не является сертификатом этого реестра" in forged.text
    mistyped = await client.get(f"/verify?code={tampered(code)}")
    assert mistyped.status_code == 404 and "опечатка" in mistyped.text
    typed = await client.get(f"/verify?code={compact.lower()}", follow_redirects=False)
    assert typed.status_code == 303 and typed.headers["location"] == f"/verify/{code}"
    printable = await client.get(f"/certificates/{code}?lang=kk")
    assert printable.status_code == 200
    assert '<html lang="kk">' in printable.text and "<svg" in printable.text
    assert "Алтын медаль" in printable.text and GOLD in printable.text
    assert f"http://testserver.local/verify/{code}" in printable.text
    assert code in printable.text
    russian = await client.get(f"/certificates/{code}?lang=ru")
    assert "Золотая медаль" in russian.text


async def test_an_amendment_marks_certificates_amended_or_revoked(app, client):
    world, published = publish_world(app)
    first = {
        name: (await certificates_of(client, app, world.people[name]))[0]["code"]
        for name in (GOLD, SILVER, BRONZE, MEDALLION)
    }
    # The gold medallist's A1 was 7.00, not 30.00: 72.00, fourth, a medallion; everyone
    # above moves up a medal.
    amended = amend(app, world, GOLD, "A1", "7.00")
    gold = (await verify(client, app, first[GOLD])).json()
    assert gold["verdict"] == "revoked" and gold["valid"] is False and gold["revoked"] is True
    assert gold["result"]["medal"] == "gold" and gold["result"]["total"] == "95.00"
    assert gold["current_result"] == {
        "rank": 4,
        "total": "72.00",
        "scaled_score": None,
        "medal": None,
        "medallion": True,
    }
    assert gold["amended_position"] == amended and gold["revoked_position"] == amended
    assert gold["published_position"] == published
    # The honour held now has its own certificate, issued by the amendment.
    now = [c for c in await certificates_of(client, app, world.people[GOLD]) if c["valid"]]
    assert [(c["kind"], c["published_position"]) for c in now] == [("medallion", amended)]
    assert gold["current_certificate"] == now[0]["code"]
    assert now[0]["seal_hash"] == chain_head(app, amended).hash
    for name, was, becomes in (
        (SILVER, "silver", "gold"),
        (BRONZE, "bronze", "silver"),
        (MEDALLION, None, "bronze"),
    ):
        old = (await verify(client, app, first[name])).json()
        assert old["verdict"] == "revoked", name
        assert old["result"]["medal"] == was and old["current_result"]["medal"] == becomes
        assert old["current_certificate"] is not None
        new = (await verify(client, app, old["current_certificate"])).json()
        assert (new["verdict"], new["medal"], new["published_position"]) == (
            "valid",
            becomes,
            amended,
        )

    # A smaller amendment: the new bronze keeps the medal with a changed total (amended);
    # the former champion falls below 70.00 and loses the medallion too (revoked).
    bronze_code = (await verify(client, app, first[MEDALLION])).json()["current_certificate"]
    second = amend(app, world, MEDALLION, "A2", "11.00")
    third = amend(app, world, GOLD, "A1", "0.00")
    bronze = (await verify(client, app, bronze_code)).json()
    assert bronze["verdict"] == "amended" and bronze["valid"] is True
    assert bronze["amended"] is True and bronze["revoked"] is False
    assert bronze["amended_position"] == second
    assert bronze["result"]["total"] == "75.00" and bronze["current_result"]["total"] == "76.00"
    medallion = (await verify(client, app, now[0]["code"])).json()
    assert medallion["verdict"] == "revoked" and medallion["revoked_position"] == third
    gold = (await verify(client, app, first[GOLD])).json()
    assert gold["current_result"]["medallion"] is False and gold["current_result"]["rank"] == 4
    assert gold["amended_position"] == third and gold["current_certificate"] is None
    page = await client.get(f"/verify/{first[GOLD]}")
    assert page.status_code == 200 and "Отозван" in page.text
    page = await client.get(f"/verify/{bronze_code}?lang=kk")
    assert "Жарамды, бірақ нәтиже өзгертілген" in page.text

    # A rebuild of the views gives the very same certificates, codes and all.
    every = {name: await certificates_of(client, app, world.people[name]) for name in world.people}
    store = client.app.state.read_side.store
    rebuild(app, store, ["certificates"])
    assert {
        name: await certificates_of(client, app, world.people[name]) for name in world.people
    } == every
    rebuild(app, store)
    assert {
        name: await certificates_of(client, app, world.people[name]) for name in world.people
    } == every


async def test_the_key_is_made_once_per_store_and_shared(app, client):
    world, _ = publish_world(app)
    [certificate] = await certificates_of(client, app, world.people[GOLD])
    dialect = dialect_of(app.settings)
    with app.recorder.datastore.transaction(commit=False) as cursor:
        cursor.execute(f"SELECT key FROM {dialect.table(KEY_TABLE)}")
        rows = cursor.fetchall()
    assert len(rows) == 1 and len(bytes(rows[0]["key"])) == 32
    # The code is the HMAC of the honour under that key (what the pages compute).
    identity = certificates.medal_identity(world.competition, world.people[GOLD], "gold")
    expected = certificates.code_for(bytes(rows[0]["key"]), identity)
    assert certificate["code"] == certificates.grouped(expected)


async def test_an_awarded_prize_has_a_certificate_until_it_is_revoked(app, client):
    pw = build_prize_world(app)
    programme = create_programme(app, pw.akimat, kinds=("worldskills",))
    PrizePolicy(app).catch_up()
    entries = app.prize_programme(programme).entries.values()
    entry = next(e for e in entries if e.placing.full_name == "Нұрланов Әлихан")
    today = local_date(datetime.now(UTC))
    for decision in ("approve", "award"):
        position = app.decide_prize_entry(
            actor=pw.akimat,
            programme_id=programme,
            entry_id=entry.id,
            decision=decision,
            awarded_on=today if decision == "award" else None,
        ).position
    settle(client, app)
    prizes_page = await client.get(f"/prizes/{programme}")
    [code] = CODE_LINK.findall(prizes_page.text)  # the awarded entry only
    listed = await certificates_of(client, app, pw.world.people["Нұрланов Әлихан"])
    prize = next(c for c in listed if c["kind"] == "prize")
    assert prize["code"] == code
    body = (await verify(client, app, code)).json()
    assert body["verdict"] == "valid" and body["published_position"] == position
    assert body["prize"] == {
        "programme_id": str(programme),
        "programme_title_ru": "Призы акима ВКО 2025",
        "programme_title_kk": "ШҚО әкімінің сыйлықтары 2025",
        "place": 2,
        "description": "Планшет",
        "amount_kzt": 300_000,
        "awarded_on": today.isoformat(),
        "status": "awarded",
    }
    assert body["result"]["rank"] == 2 and body["competition"]["id"] == str(pw.world.competition)
    printable = await client.get(f"/certificates/{code}")
    assert "Планшет" in printable.text and "300" in printable.text

    revoked_at = app.decide_prize_entry(
        actor=pw.akimat,
        programme_id=programme,
        entry_id=entry.id,
        decision="revoke",
        reason="Выявлено нарушение регламента",
    ).position
    body = (await verify(client, app, code)).json()
    assert body["verdict"] == "revoked" and body["valid"] is False
    assert body["revoked_position"] == revoked_at
    assert body["prize"]["status"] == "awarded" and body["current_prize"]["status"] == "revoked"
    assert "reason" not in body and "нарушение" not in str(body)  # no decision reasons
    page = await client.get(f"/verify/{code}")
    assert "Отозван" in page.text


@pytest.mark.parametrize("text", ["", "   "])
async def test_the_verify_form_asks_for_a_code(client, text):
    page = await client.get(f"/verify?code={text}")
    assert page.status_code == 200
    assert 'name="code"' in page.text and "Проверка сертификата" in page.text


async def test_a_bearer_token_sees_the_same_certificate(app, client):
    world, _ = publish_world(app)
    auditor = app.create_account(actor=SYSTEM_ACTOR, name="Аудитор", role="auditor").token
    [certificate] = await certificates_of(client, app, world.people[GOLD])
    response = await verify(client, app, certificate["code"], **bearer(auditor))
    assert response.status_code == 200 and response.json() == certificate
