"""Personal data through HTTP (issue 13, point 12), on SQLite and PostgreSQL.

``GET /api/v1/participants/{id}`` shows the birth date and the disability to organisers and
auditors only; admins and other accounts get ``withheld``; the public sees a person only once
they have a published result, never their personal data. Then the walk: every GET endpoint of
the demo store, with every id the demo has, as the public and as an admin, and no body holds
any demo disability text or birth date (ISO and dd.mm.yyyy), while an organiser does read
them (the search is not vacuous)."""

from __future__ import annotations

import re
from datetime import date
from typing import Any
from urllib.parse import quote
from uuid import UUID

from demo import data
from demo.history import load_demo
from domain.ids import SYSTEM_ACTOR
from domain.participant import Participant
from sheets.reader import read_tables
from tests.api.conftest import ROLES, bearer, make_ctx

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PARAM = re.compile(r"\{([a-z_]+)(?::[a-z]+)?\}")


async def test_who_sees_a_persons_personal_data(app, client):
    ctx = make_ctx(app)
    born, disability = date(2007, 8, 9), "ДЦП, передвигается на коляске"
    person = app.register_participant(
        actor=SYSTEM_ACTOR,
        full_name="Абенова Дана",
        organisation_id=ctx.world.orgs["college_b"],
        birth_date=born,
        disability=disability,
    )
    path = f"/api/v1/participants/{person.id}"
    wait = {"X-Registry-Min-Position": str(person.position)}
    for role in ROLES:
        answer = await client.get(path, headers=ctx.auth(role, **wait))
        assert answer.status_code == 200, (role, answer.text)
        body = answer.json()
        assert body["full_name"] == "Абенова Дана" and body["region"] == "VKO"
        if role in ("organiser", "auditor"):
            assert body["personal_data"] == "shown", role
            assert (body["birth_date"], body["disability"]) == (born.isoformat(), disability)
        else:
            assert body["personal_data"] == "withheld", role
            assert body["birth_date"] is None and body["disability"] is None
            assert "2007-08-09" not in answer.text and "ДЦП" not in answer.text
    # no published result: the public does not learn the person exists
    assert (await client.get(path, headers=wait)).status_code == 404
    assert (await client.get(f"/api/v1/participants/{UUID(int=7)}")).status_code == 404

    erased = app.erase_personal_data(
        actor=ctx.actors.ids["organiser"], participant_id=person.id, reason="заявление"
    )
    wait = {"X-Registry-Min-Position": str(erased.position)}
    for role in ("organiser", "auditor"):
        body = (await client.get(path, headers=ctx.auth(role, **wait))).json()
        assert body["personal_data"] == "erased"
        assert body["birth_date"] is None and body["disability"] is None


def _secrets() -> list[str]:
    """Every demo disability text and birth date, as ISO and as printed (dd.mm.yyyy)."""
    found: set[str] = set()
    for person in data.PEOPLE:
        born = date.fromisoformat(person.birth_date)
        found.update({born.isoformat(), born.strftime("%d.%m.%Y")})
        if person.disability:
            found.add(person.disability)
    return sorted(found)


def _ids(app) -> dict[str, list[str]]:
    """Every id of the demo store by the kind of path parameter that names it."""
    by_topic: dict[str, list[str]] = {}
    for n in app.recorder.select_notifications(start=None, limit=1_000_000):
        if n.originator_version == 1:
            aggregate = n.topic.rsplit(".", 1)[0]
            by_topic.setdefault(aggregate, []).append(str(n.originator_id))
    return {
        "championship_id": by_topic["registry.Championship"],
        "competition_id": by_topic["registry.Competition"],
        "participant_id": by_topic["registry.Participant"],
        "programme_id": by_topic["registry.PrizeProgramme"],
        "aggregate_id": [i for ids in by_topic.values() for i in ids],
    }


async def _certificate_codes(client, participants: list[str]) -> list[str]:
    """Every certificate code of the demo, as the public reads them."""
    codes: list[str] = []
    for participant in participants:
        answer = await client.get(f"/api/v1/participants/{participant}/certificates")
        if answer.status_code == 200:
            codes.extend(c["code"] for c in answer.json())
    return codes


def _text_of(answer) -> str:
    """What an answer says: a spreadsheet's cells read back, else its body as text."""
    if answer.headers.get("content-type", "").startswith(XLSX):
        tables = read_tables(answer.content, "answer.xlsx")
        return " ".join(
            str(cell) for table in tables.values() for row in table.rows for cell in row.cells
        )
    return answer.content.decode("utf-8", errors="replace")


def _paths(api: Any, ids: dict[str, list[str]], head: int) -> list[str]:
    """Every GET path of the app, once per id for each of its parameters."""
    paths: list[str] = []
    for route in api.routes:
        if "GET" not in getattr(route, "methods", ()) or route.path.startswith("/schema/{"):
            continue
        if route.path.startswith(("/static/", "/schema/assets/")) or route.path.endswith(
            ("/stream", "/live")
        ):
            continue  # our own assets; streams never end (tests/api/test_streams.py)
        names = PARAM.findall(route.path)
        if not names:
            paths.append(route.path)
            continue
        assert len(names) == 1, f"{route.path}: teach this walk its parameters"
        for value in ids[names[0]]:
            paths.append(PARAM.sub(value, route.path))
    extra = []
    for path in paths:
        if path.endswith("/standings"):
            extra.append(f"{path}?as_of={head}")
        if path.endswith("/standings/diff"):
            extra.append(f"{path}?from=0&to={head}")
    feed = [f"/api/v1/audit/events?limit=100000&after={after}" for after in (0,)]
    return [*paths, *extra, *feed]


async def test_no_public_or_admin_answer_holds_any_personal_data(app, api, client):
    load_demo(app)
    head = app.head_position()
    admin = app.create_account(actor=SYSTEM_ACTOR, name="Администратор проверки", role="admin")
    organiser = app.create_account(
        actor=SYSTEM_ACTOR, name="Организатор проверки", role="organiser"
    )
    secrets = _secrets()
    assert len(secrets) > 100
    ids = _ids(app)
    ids["code"] = await _certificate_codes(client, ids["participant_id"])
    assert len(ids["code"]) > 50  # the demo's medals, medallions and prizes
    ids["name"] = [f"{kind}.xlsx" for kind in ("participants", "experts", "scheme", "marks")]
    paths = _paths(api, ids, head)
    wait = {"X-Registry-Min-Position": str(app.head_position())}
    checked = 0
    for headers in ({}, bearer(admin.token)):
        for path in paths:
            answer = await client.get(path, headers={**headers, **wait})
            assert answer.status_code < 500, (path, answer.status_code, answer.text[:300])
            text = _text_of(answer)
            text = text + " " + quote(text)  # percent-encoded forms in links, too
            leaked = [s for s in secrets if s in text]
            assert not leaked, (path, "admin" if headers else "public", leaked[:3])
            checked += answer.status_code == 200
    assert checked > len(paths)  # most answers had a body to search
    # the same walk would have found them: an organiser reads every Abilympics disability
    shown = set()
    for participant in ids["participant_id"]:
        answer = await client.get(
            f"/api/v1/participants/{participant}", headers=bearer(organiser.token)
        )
        shown.add(answer.json()["disability"])
    assert {p.disability for p in data.PEOPLE if p.disability} <= shown
    assert Participant.Created.class_version == 4  # v3 sealed; v4 added distinct_from
