"""An organisation's Kazakh name beside its Russian one (SQLite and PostgreSQL, the real HTTP
app): the JSON reads carry ``organisation`` (Russian, API.md) and ``organisation_kk``, live and
``?as_of=`` alike; pages and exports in Kazakh name a competitor's organisation in Kazakh, in
Russian they stay Russian. The names are written here, not taken from the pages."""

from __future__ import annotations

import html
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from api.server import build_app
from domain.ids import SYSTEM_ACTOR
from registry.application import RegistryApplication
from tests.helpers import ORGANISER, World, build_world, mark_everything, sign_off_all
from tests.xlsx_checks import check_xlsx

#: every letter of the Kazakh alphabet that Russian lacks, capital and small
NAME_KK = "«ӘҒҚҢӨҰҮҺІ» Өскемен ұлттық үздік ғылым және қоңыр һәм іскер әуе колледжі"
NAME_RU = "Усть-Каменогорский колледж «Наука и искусство»"
WINNER = "Һәкімов Іңкәр Үмітұлы"

MEASUREMENTS = {
    WINNER: ("30.00", "20.00"),
    "Нұрланов Әлихан": ("28.00", "20.00"),
    "Қасымова Айгүл": ("26.00", "18.00"),
    "Иванов Дмитрий Сергеевич": ("25.00", "18.00"),
    "Өмірбекова Ұлжан": ("5.00", "5.00"),
}
JUDGEMENTS = {
    WINNER: ((3, 3, 3), (3, 3, 3)),
    "Нұрланов Әлихан": ((3, 3, 3), (3, 3, 2)),
    "Қасымова Айгүл": ((3, 3, 2), (2, 2, 2)),
    "Иванов Дмитрий Сергеевич": ((2, 2, 2), (2, 2, 2)),
    "Өмірбекова Ұлжан": ((1, 1, 1), (0, 0, 0)),
}


@dataclass
class Kazakh:
    client: AsyncTestClient[Litestar]
    app: RegistryApplication
    world: World
    winner: UUID
    #: the position of a moment while marking (before publication) and of the publication
    marking: int
    published: int
    auditor: str
    organiser: str

    def headers(self, token: str | None = None) -> dict[str, str]:
        headers = {"X-Registry-Min-Position": str(self.app.head_position())}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        return headers

    async def json(self, path: str, token: str | None = None) -> Any:
        answer = await self.client.get(f"/api/v1/{path}", headers=self.headers(token))
        assert answer.status_code == 200, answer.text
        return answer.json()

    async def page(self, path: str, token: str | None = None) -> str:
        answer = await self.client.get(path, headers=self.headers(token))
        assert answer.status_code == 200, answer.text
        return html.unescape(answer.text)


@pytest.fixture
async def kazakh(app: RegistryApplication) -> AsyncIterator[Kazakh]:
    world = build_world(app, start=False)
    organisation = app.register_organisation(
        actor=ORGANISER, name_ru=NAME_RU, name_kk=NAME_KK, kind="college", region="VKO"
    ).id
    winner = app.register_participant(
        actor=ORGANISER, full_name=WINNER, organisation_id=organisation, birth_date=date(2005, 2, 3)
    ).id
    app.add_entrant(actor=ORGANISER, competition_id=world.competition, participant_id=winner)
    world.people[WINNER] = winner
    app.start_marking(actor=ORGANISER, competition_id=world.competition)
    mark_everything(app, world, MEASUREMENTS, JUDGEMENTS)
    marking = app.head_position()
    sign_off_all(app, world)
    app.lock(actor=world.experts["chief"], competition_id=world.competition)
    published = app.publish(actor=SYSTEM_ACTOR, competition_id=world.competition).position
    auditor = app.create_account(actor=SYSTEM_ACTOR, name="Аудитор", role="auditor").token
    organiser = app.create_account(actor=SYSTEM_ACTOR, name="Ұйымдастырушы", role="organiser")
    assert auditor and organiser.token
    async with AsyncTestClient(app=build_app(app, projector="in-process")) as client:
        assert client.app.state.read_side.wait_for(app.head_position(), 30)
        yield Kazakh(client, app, world, winner, marking, published, auditor, organiser.token)


def winner_row(standings: dict[str, Any], k: Kazakh) -> dict[str, Any]:
    return next(r for r in standings["rows"] if r["competitor_id"] == str(k.winner))


async def test_the_json_reads_carry_the_kazakh_name_live_and_as_of(kazakh: Kazakh) -> None:
    k = kazakh
    competition = k.world.competition
    names = {
        o["id"]: (o["name_ru"], o["name_kk"])
        for o in (await k.json("organisations?limit=200"))["items"]
    }
    live = await k.json(f"competitions/{competition}/standings")
    row = winner_row(live, k)
    assert (row["rank"], row["organisation"], row["organisation_kk"]) == (1, NAME_RU, NAME_KK)
    for r in live["rows"]:
        assert (r["organisation"], r["organisation_kk"]) == names[r["organisation_id"]]
    # time travel names them alike: at the head exactly the live rows, before too
    head = await k.json(
        f"competitions/{competition}/standings?as_of={k.app.head_position()}", k.auditor
    )
    assert head["rows"] == live["rows"]
    at_publication = await k.json(f"competitions/{competition}/standings?as_of={k.published}")
    assert at_publication["rows"] == live["rows"]
    while_marking = await k.json(
        f"competitions/{competition}/standings?as_of={k.marking}", k.auditor
    )
    assert while_marking["status"] == "marking"
    for r in while_marking["rows"]:
        assert (r["organisation"], r["organisation_kk"]) == names[r["organisation_id"]]
    assert winner_row(while_marking, k)["organisation_kk"] == NAME_KK
    # the competition's entrants, the person, their results, the people found
    detail = await k.json(f"competitions/{competition}")
    entrant = next(e for e in detail["entrants"] if e["competitor_id"] == str(k.winner))
    assert (entrant["organisation"], entrant["organisation_kk"]) == (NAME_RU, NAME_KK)
    for e in detail["entrants"]:
        assert (e["organisation"], e["organisation_kk"]) == names[e["organisation_id"]]
    person = await k.json(f"participants/{k.winner}")
    assert (person["organisation"], person["organisation_kk"]) == (NAME_RU, NAME_KK)
    results = await k.json(f"participants/{k.winner}/results")
    assert (results["organisation"], results["organisation_kk"]) == (NAME_RU, NAME_KK)
    [result] = results["results"]
    assert (result["organisation"], result["organisation_kk"]) == (NAME_RU, NAME_KK)
    [found] = (await k.json("participants?q=Һәкімов"))["items"]
    assert (found["organisation"], found["organisation_kk"]) == (NAME_RU, NAME_KK)


async def test_kazakh_pages_name_the_organisation_in_kazakh(kazakh: Kazakh) -> None:
    k = kazakh
    competition, championship = k.world.competition, k.world.championship
    pages = [
        f"/competitions/{competition}",  # the standings
        f"/competitions/{competition}?fragment=standings",  # the live part
        f"/championships/{championship}",  # the podiums
        f"/participants/{k.winner}",
        "/participants?q=Һәкімов",
    ]
    # and the auditor's time travel, the organiser's competition page
    signed_in = [
        (f"/competitions/{competition}?as_of={k.marking}", k.auditor),
        (f"/manage/competitions/{competition}", k.organiser),
    ]
    for path, token in [*((p, None) for p in pages), *signed_in]:
        joiner = "&" if "?" in path else "?"
        kk = await k.page(f"{path}{joiner}lang=kk", token)
        assert NAME_KK in kk and NAME_RU not in kk, path
        ru = await k.page(f"{path}{joiner}lang=ru", token)
        assert NAME_RU in ru and NAME_KK not in ru, path
    standings = await k.page(f"/competitions/{competition}?lang=kk")
    assert "ШҚТУ Жоғары колледжі" in standings and "Высший колледж ВКТУ" not in standings


async def test_kazakh_protocols_name_the_organisation_in_kazakh(kazakh: Kazakh) -> None:
    k = kazakh
    competition, championship = k.world.competition, k.world.championship
    for path in (
        f"competitions/{competition}/protocol/print",
        f"championships/{championship}/protocol/print",
    ):
        kk = await k.client.get(f"/api/v1/{path}?lang=kk", headers=k.headers())
        assert kk.status_code == 200
        assert NAME_KK in html.unescape(kk.text) and NAME_RU not in html.unescape(kk.text)
        ru = await k.client.get(f"/api/v1/{path}?lang=ru", headers=k.headers())
        assert NAME_RU in html.unescape(ru.text) and NAME_KK not in html.unescape(ru.text)
    for lang, name in (("kk", NAME_KK), ("ru", NAME_RU)):
        answer = await k.client.get(
            f"/api/v1/competitions/{competition}/protocol.xlsx?lang={lang}", headers=k.headers()
        )
        assert answer.status_code == 200
        sheet = check_xlsx(answer.content)["welding"]
        winner = next(row for row in sheet.rows if row.cells[1] == WINNER)
        assert winner.cells[2] == name
