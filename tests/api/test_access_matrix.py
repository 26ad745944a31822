"""Every endpoint × every role (and no token, and a bogus token): the exact status class.

One row per endpoint (and per interesting id: unknown competition, unknown account...). Each
row runs on a fresh world (SQLite and PostgreSQL) brought to the state the row needs, then
sends the same request with each role's token and compares the whole role → status map at
once, so a failure shows every mismatch of the row.

To add endpoints (e.g. the Results reads), append ``Case`` rows to ``CASES``: ``expect`` maps
every role of ``ROLES`` plus ``public`` (no token) to ``"2xx"``, ``"401"``, ``"403"`` or
``"404"``; ``bogus`` (an unknown token) defaults to ``"401"``. ``state`` is what the world's
competition must be in first (``prepare`` below).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID, uuid4

import pytest

from domain.ids import SYSTEM_ACTOR
from domain.prizes import Prize
from domain.values import AspectType, CompetitionStatus
from tests.api.conftest import ROLES, Ctx, make_ctx
from tests.helpers import SCHEME, sign_off_all
from tests.registry.test_imports import marks_file, participants_file

UNKNOWN = UUID("5e1f0c3a-0000-4000-8000-000000000000")
PROGRAMME_BODY = {
    "title_ru": "Призы акима ВКО 2025",
    "title_kk": "ШҚО әкімінің сыйлықтары 2025",
    "year": 2025,
    "region": "VKO",
    "kinds": ["worldskills"],
    "prizes": [{"place": 1, "description": "Ноутбук", "amount_kzt": 500000}],
}
ALL = (*ROLES, "public", "bogus")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ENTRANT_LIST = participants_file([["Сейітқали Ерасыл", "02.01.2005", "Высший колледж ВКТУ"]])


def only(*allowed: str, unknown: tuple[str, ...] = ()) -> dict[str, str]:
    """A write: ``allowed`` roles succeed (or get 404 for ``unknown`` ids), the other roles
    403, no token 401."""
    expect = {role: "403" for role in ROLES}
    expect.update({role: "2xx" for role in allowed})
    expect.update({role: "404" for role in unknown})
    expect["public"] = "401"
    return expect


def everyone(status: str = "2xx") -> dict[str, str]:
    return {role: status for role in (*ROLES, "public")}


Body = Callable[[Ctx], Any] | None


@dataclass(frozen=True)
class Case:
    name: str
    method: str
    #: formatted with: championship, competition, competition2, unknown, throwaway,
    #: participant
    path: str
    expect: dict[str, str]
    body: Body = None
    #: marking (the world's competition starts there; the second one is in setup), own-scores,
    #: complete, signed (complete and signed off), locked, published, setup-with-scheme
    #: (see ``prepare``)
    state: str = "marking"
    headers: dict[str, str] = field(default_factory=dict)
    #: a multipart body (``files`` of the test client), e.g. a spreadsheet to import
    files: Body = None


def person(ctx: Ctx, name: str = "Иванов Дмитрий Сергеевич") -> str:
    return str(ctx.world.people[name])


def readers(public: str = "404") -> dict[str, str]:
    """A read of an unpublished competition: organisers, auditors, admins and the
    competition's experts; 403 for other tokens; ``public`` without one."""
    expect = {role: "403" for role in ROLES}
    expect.update({role: "2xx" for role in ("admin", "organiser", "auditor", "chief", "expert")})
    expect["public"] = public
    return expect


CASES: list[Case] = [
    # ------------------------------------------------------------------ health
    Case("healthz", "GET", "/healthz", {**everyone(), "bogus": "2xx"}),
    Case("readyz", "GET", "/readyz", {**everyone(), "bogus": "2xx"}),
    # ------------------------------------------------------------------ results
    Case("list championships", "GET", "/api/v1/championships", everyone()),
    Case("championship", "GET", "/api/v1/championships/{championship}", everyone()),
    Case("unknown championship", "GET", "/api/v1/championships/{unknown}", everyone("404")),
    Case("medal table", "GET", "/api/v1/championships/{championship}/medals", everyone()),
    Case("competition in marking", "GET", "/api/v1/competitions/{competition}", readers()),
    Case(
        "published competition",
        "GET",
        "/api/v1/competitions/{competition}",
        everyone(),
        state="published",
    ),
    Case("unknown competition", "GET", "/api/v1/competitions/{unknown}", everyone("404")),
    Case(
        "standings in marking",
        "GET",
        "/api/v1/competitions/{competition}/standings",
        readers(),
    ),
    Case(
        "published standings",
        "GET",
        "/api/v1/competitions/{competition}/standings",
        everyone(),
        state="published",
    ),
    Case(
        "a person's results",
        "GET",
        "/api/v1/participants/{participant}/results",
        everyone(),
    ),
    Case(
        "an unknown person's results",
        "GET",
        "/api/v1/participants/{unknown}/results",
        everyone("404"),
    ),
    Case(
        "a person without a published result",
        "GET",
        "/api/v1/participants/{participant}",
        {**everyone(), "public": "404"},
    ),
    Case(
        "a person with a published result",
        "GET",
        "/api/v1/participants/{participant}",
        everyone(),
        state="published",
    ),
    Case("an unknown person", "GET", "/api/v1/participants/{unknown}", everyone("404")),
    # ------------------------------------------------------------------ certificates (issue 16)
    Case(
        "a person's certificates",
        "GET",
        "/api/v1/participants/{participant}/certificates",
        everyone(),
        state="published",
    ),
    Case(
        "an unknown person's certificates",
        "GET",
        "/api/v1/participants/{unknown}/certificates",
        everyone("404"),
    ),
    Case(
        "a code that is no certificate",
        "GET",
        "/api/v1/certificates/{unknown}",
        everyone("404"),
    ),
    # ------------------------------------------------------------------ templates (issue 16)
    Case("a blank import template", "GET", "/api/v1/templates/participants.xlsx", everyone()),
    # (its path, a placeholder where the file's name goes, is what covers the route)
    Case("an unknown template", "GET", "/api/v1/templates/{unknown}", everyone("404")),
    Case(
        "a mark sheet pre-filled for a competition in marking",
        "GET",
        "/api/v1/templates/marks.xlsx?competition_id={competition}",
        readers(),
    ),
    Case(
        "a scheme template of a published competition",
        "GET",
        "/api/v1/templates/scheme.xlsx?competition_id={competition}&lang=kk",
        everyone(),
        state="published",
    ),
    # ------------------------------------------------------------------ lists (issue 15)
    Case("list organisations", "GET", "/api/v1/organisations?q=колледж&limit=2", everyone()),
    Case("list participants", "GET", "/api/v1/participants?q=Иванов", everyone()),
    Case(
        "list participants, published",
        "GET",
        "/api/v1/participants?limit=1",
        everyone(),
        state="published",
    ),
    Case("list accounts", "GET", "/api/v1/accounts?limit=3", only("admin")),
    # ------------------------------------------------------------------ audit
    Case("audit feed", "GET", "/api/v1/audit/events", only("auditor", "admin")),
    Case(
        "audit feed of one aggregate",
        "GET",
        "/api/v1/audit/events?aggregate_id={competition}&limit=5",
        only("auditor", "admin"),
    ),
    Case("verify the seal chain", "GET", "/api/v1/audit/verify", only("auditor", "admin")),
    Case(
        "history of an aggregate",
        "GET",
        "/api/v1/audit/aggregates/{competition}",
        only("auditor", "admin"),
    ),
    Case(
        "history of an unknown aggregate",
        "GET",
        "/api/v1/audit/aggregates/{unknown}",
        only(unknown=("auditor", "admin")),
    ),
    Case(
        "every value of every mark",
        "GET",
        "/api/v1/audit/competitions/{competition}/marks",
        only("auditor", "admin"),
    ),
    Case(
        "marks of an unknown competition",
        "GET",
        "/api/v1/audit/competitions/{unknown}/marks",
        only(unknown=("auditor", "admin")),
    ),
    Case(
        "standings as of a position, in marking",
        "GET",
        "/api/v1/competitions/{competition}/standings?as_of={head}",
        readers(),
    ),
    Case(
        "standings diff, in marking",
        "GET",
        "/api/v1/competitions/{competition}/standings/diff?from=0",
        readers(),
    ),
    Case(
        "standings diff since publication",
        "GET",
        "/api/v1/competitions/{competition}/standings/diff?from={head}",
        everyone(),
        state="published",
    ),
    # ------------------------------------------------------------------ prizes
    Case(
        "create prize programme",
        "POST",
        "/api/v1/prize-programmes",
        only("akimat"),
        body=lambda c: PROGRAMME_BODY,
    ),
    Case("prize programmes", "GET", "/api/v1/prize-programmes", everyone()),
    Case(
        "prize list",
        "GET",
        "/api/v1/prize-programmes/{programme}",
        everyone(),
        state="programme",
    ),
    Case(
        "unknown prize list",
        "GET",
        "/api/v1/prize-programmes/{unknown}",
        everyone("404"),
    ),
    Case(
        "prize list CSV",
        "GET",
        "/api/v1/prize-programmes/{programme}/export.csv",
        everyone(),
        state="programme",
    ),
    Case(
        "printable prize list",
        "GET",
        "/api/v1/prize-programmes/{programme}/print",
        everyone(),
        state="programme",
    ),
    # ------------------------------------------------------------------ exports (issue 16)
    Case(
        "prize list .xlsx",
        "GET",
        "/api/v1/prize-programmes/{programme}/export.xlsx?lang=kk",
        everyone(),
        state="programme",
    ),
    Case(
        "protocol of a competition in marking",
        "GET",
        "/api/v1/competitions/{competition}/protocol.xlsx",
        readers(),
    ),
    Case(
        "protocol of a published competition",
        "GET",
        "/api/v1/competitions/{competition}/protocol.xlsx?lang=kk",
        everyone(),
        state="published",
    ),
    Case(
        "printable protocol of a competition in marking",
        "GET",
        "/api/v1/competitions/{competition}/protocol/print",
        readers(),
    ),
    Case(
        "protocol of a championship",
        "GET",
        "/api/v1/championships/{championship}/protocol.xlsx",
        everyone(),
    ),
    Case(
        "printable protocol of a championship",
        "GET",
        "/api/v1/championships/{championship}/protocol/print?lang=kk",
        everyone(),
        state="published",
    ),
    Case(
        "protocol of an unknown championship",
        "GET",
        "/api/v1/championships/{unknown}/protocol.xlsx",
        everyone("404"),
    ),
    *(
        Case(
            f"{decision} unknown prize entry",
            "POST",
            "/api/v1/prize-programmes/{programme}/entries/{unknown}/" + decision,
            only(unknown=("akimat",)),
            body=body,
            state="programme",
        )
        for decision, body in (
            ("approve", None),
            ("reject", lambda c: {"reason": "Не житель области"}),
            ("award", lambda c: {"awarded_on": "2025-12-19"}),
            ("revoke", lambda c: {"reason": "Ошибка в протоколе"}),
        )
    ),
    Case(
        "reconsider unknown prize entry",
        "POST",
        "/api/v1/prize-programmes/{programme}/entries/{unknown}/reconsider",
        only(unknown=("akimat",)),
        body=lambda c: {"reason": "Справка о прописке"},
        state="programme",
    ),
    Case(
        "revoke unknown nominee",
        "POST",
        "/api/v1/prize-programmes/{programme}/nominations/{nomination}/nominees/{unknown}/revoke",
        only(unknown=("akimat",)),
        body=lambda c: {"reason": "Ошибка"},
        state="programme",
    ),
    Case(
        "define nomination",
        "POST",
        "/api/v1/prize-programmes/{programme}/nominations",
        only("akimat"),
        body=lambda c: {"title_ru": "Лучший меценат года", "title_kk": "Жылдың үздік меценаты"},
        state="programme",
    ),
    Case(
        "nominate",
        "POST",
        "/api/v1/prize-programmes/{programme}/nominations/{nomination}/nominees",
        only("akimat"),
        body=lambda c: {
            "organisation_id": str(c.world.orgs["vkgu"]),
            "citation": "За непрерывное образование",
        },
        state="programme",
    ),
    Case(
        "approve nominee",
        "POST",
        "/api/v1/prize-programmes/{programme}/nominations/{nomination}/nominees/{nominee}/approve",
        only("akimat"),
        state="programme",
    ),
    Case(
        "reject nominee",
        "POST",
        "/api/v1/prize-programmes/{programme}/nominations/{nomination}/nominees/{nominee}/reject",
        only("akimat"),
        body=lambda c: {"reason": "Не выполнены условия"},
        state="programme",
    ),
    # ------------------------------------------------------------------ imports (issue 16)
    Case(
        "import an entrant list (dry run)",
        "POST",
        "/api/v1/imports?kind=participants&competition_id={competition2}&dry_run=true",
        only("organiser"),
        files=lambda c: {"file": ("list.xlsx", ENTRANT_LIST, XLSX)},
    ),
    Case(
        "import an entrant list into an unknown competition",
        "POST",
        "/api/v1/imports?kind=participants&competition_id={unknown}&dry_run=true",
        only(unknown=("organiser",)),
        files=lambda c: {"file": ("list.xlsx", ENTRANT_LIST, XLSX)},
    ),
    Case(
        "import one's mark sheet (dry run)",
        "POST",
        "/api/v1/imports?kind=marks&competition_id={competition}&dry_run=true",
        only("chief", "expert"),
        files=lambda c: {
            "file": ("marks.xlsx", marks_file(["A1"], [["Өмірбекова Ұлжан", "7,5"]]), XLSX)
        },
    ),
    # ------------------------------------------------------------------ accounts
    Case(
        "create account",
        "POST",
        "/api/v1/accounts",
        only("admin"),
        body=lambda c: {"name": "Новый эксперт", "role": "expert"},
    ),
    Case(
        "create account scoped to an unknown competition",
        "POST",
        "/api/v1/accounts",
        only(unknown=("admin",)),
        body=lambda c: {"name": "Ещё эксперт", "role": "expert", "competition_ids": [str(UNKNOWN)]},
    ),
    Case("rotate token", "POST", "/api/v1/accounts/{throwaway}/rotate", only("admin")),
    Case(
        "rotate unknown account",
        "POST",
        "/api/v1/accounts/{unknown}/rotate",
        only(unknown=("admin",)),
    ),
    Case(
        "revoke account",
        "POST",
        "/api/v1/accounts/{throwaway}/revoke",
        only("admin"),
        body=lambda c: {"reason": "уволился"},
    ),
    # ------------------------------------------------------------------ registration
    Case(
        "register organisation",
        "POST",
        "/api/v1/organisations",
        only("organiser"),
        body=lambda c: {
            "name_ru": "Усть-Каменогорский строительный колледж",
            "name_kk": "Өскемен құрылыс колледжі",
            "kind": "college",
            "region": "VKO",
        },
    ),
    Case(
        "register participant",
        "POST",
        "/api/v1/participants",
        only("organiser"),
        body=lambda c: {
            "full_name": "Сейітқали Ерасыл",
            "organisation_id": str(c.world.orgs["college_b"]),
            "birth_date": "2005-01-02",
        },
    ),
    Case(
        "register participant of an unknown organisation",
        "POST",
        "/api/v1/participants",
        only(unknown=("organiser",)),
        body=lambda c: {"full_name": "Кто-то", "organisation_id": str(UNKNOWN)},
    ),
    Case(
        "create championship",
        "POST",
        "/api/v1/championships",
        only("organiser"),
        body=lambda c: {
            "kind": "abilympics",
            "level": "regional",
            "year": 2025,
            "region": "VKO",
            "title_ru": "Абилимпикс ВКО 2025",
            "title_kk": "Абилимпикс ШҚО 2025",
            "starts_on": "2025-04-01",
            "ends_on": "2025-04-03",
        },
    ),
    Case(
        "add competition",
        "POST",
        "/api/v1/championships/{championship}/competitions",
        only("organiser"),
        body=lambda c: {
            "code": "electrical",
            "title_ru": "Электромонтаж",
            "title_kk": "Электр монтажы",
            "category": "main",
        },
    ),
    Case(
        "add competition to an unknown championship",
        "POST",
        "/api/v1/championships/{unknown}/competitions",
        only(unknown=("organiser",)),
        body=lambda c: {"code": "x", "title_ru": "x", "title_kk": "x", "category": "main"},
    ),
    Case(
        "set scheme",
        "PUT",
        "/api/v1/competitions/{competition2}/scheme",
        only("organiser"),
        body=lambda c: {"aspects": SCHEME_BODY},
        state="setup",
    ),
    Case(
        "add entrant",
        "POST",
        "/api/v1/competitions/{competition2}/entrants",
        only("organiser"),
        body=lambda c: {"participant_id": person(c)},
        state="setup",
    ),
    Case(
        "assign expert",
        "POST",
        "/api/v1/competitions/{competition2}/experts",
        only("organiser"),
        body=lambda c: {
            "account_id": str(c.world.experts["e3"]),
            "role": "expert",
            "organisation_id": str(c.world.orgs["vkgu"]),
        },
        state="setup",
    ),
    Case(
        "start marking",
        "POST",
        "/api/v1/competitions/{competition2}/start",
        only("organiser"),
        state="setup-with-scheme",
    ),
    Case(
        "start an unknown competition",
        "POST",
        "/api/v1/competitions/{unknown}/start",
        only(unknown=("organiser",)),
    ),
    # ------------------------------------------------------------------ marking
    Case(
        "enter a mark",
        "POST",
        "/api/v1/competitions/{competition}/marks",
        only("chief", "expert"),
        body=lambda c: {"competitor_id": person(c), "aspect_id": "B1", "value": 2},
    ),
    Case(
        "enter a sheet",
        "POST",
        "/api/v1/competitions/{competition}/marks",
        only("chief", "expert"),
        body=lambda c: {
            "marks": [
                {"competitor_id": person(c), "aspect_id": "B2", "value": 2},
                {"competitor_id": person(c, "Өмірбекова Ұлжан"), "aspect_id": "B2", "value": 3},
            ]
        },
    ),
    Case(
        "enter a mark in an unknown competition",
        "POST",
        "/api/v1/competitions/{unknown}/marks",
        only(),
        body=lambda c: {"competitor_id": person(c), "aspect_id": "B1", "value": 2},
    ),
    Case(
        "correct a mark",
        "POST",
        "/api/v1/competitions/{competition}/corrections",
        only("chief", "expert"),
        body=lambda c: {
            "competitor_id": person(c),
            "aspect_id": "B1",
            "value": 1,
            "reason": "ошибка ввода",
        },
        state="own-scores",
    ),
    Case(
        "sign off", "POST", "/api/v1/competitions/{competition}/sign-off", only("chief", "expert")
    ),
    Case(
        "sign off in an unknown competition",
        "POST",
        "/api/v1/competitions/{unknown}/sign-off",
        only(),
    ),
    Case("lock", "POST", "/api/v1/competitions/{competition}/lock", only("chief"), state="signed"),
    Case(
        "lock with an override reason",
        "POST",
        "/api/v1/competitions/{competition}/lock",
        only("chief"),
        body=lambda c: {"override_reason": "Эксперт e3 выбыл по болезни"},
        state="complete",
    ),
    Case("lock an unknown competition", "POST", "/api/v1/competitions/{unknown}/lock", only()),
    Case(
        "marks with their histories",
        "GET",
        "/api/v1/competitions/{competition}/marks",
        only("organiser", "auditor", "chief", "expert"),
        state="own-scores",
    ),
    Case(
        "marks of an unknown competition (experts: not theirs)",
        "GET",
        "/api/v1/competitions/{unknown}/marks",
        only(unknown=("organiser", "auditor")),
    ),
    Case(
        "preview an amendment",
        "POST",
        "/api/v1/competitions/{competition}/amendments/preview",
        only("organiser"),
        body=lambda c: {
            "competitor_id": person(c),
            "aspect_id": "A1",
            "value": "12.50",
            "reason": "Апелляционная комиссия: протокол №3",
        },
        state="published",
    ),
    Case(
        "preview an amendment of an unknown competition",
        "POST",
        "/api/v1/competitions/{unknown}/amendments/preview",
        only(unknown=("organiser",)),
        body=lambda c: {
            "competitor_id": person(c),
            "aspect_id": "A1",
            "value": "12.50",
            "reason": "Апелляционная комиссия: протокол №3",
        },
    ),
    Case(
        "reopen",
        "POST",
        "/api/v1/competitions/{competition}/reopen",
        only("chief"),
        body=lambda c: {"reason": "апелляция участника"},
        state="locked",
    ),
    Case(
        "publish",
        "POST",
        "/api/v1/competitions/{competition}/publish",
        only("organiser"),
        state="locked",
    ),
    Case(
        "amend a published mark",
        "POST",
        "/api/v1/competitions/{competition}/amendments",
        only("organiser"),
        body=lambda c: {
            "competitor_id": person(c),
            "aspect_id": "A1",
            "value": "12.50",
            "reason": "Апелляционная комиссия: протокол №3",
        },
        state="published",
    ),
]

SCHEME_BODY = [
    {
        "id": "A1",
        "criterion": "A",
        "description": "Выход блюда",
        "max_mark": "60.00",
        "type": "measurement",
    },
    {
        "id": "B1",
        "criterion": "B",
        "description": "Подача",
        "max_mark": "40.00",
        "type": "judgement",
    },
]


# ---------------------------------------------------------------------------- world states


def _complete(ctx: Ctx) -> None:
    """Every mark of the competition entered (judgement scores 2, or matching earlier ones)."""
    registry, world = ctx.registry, ctx.world
    competition = registry.competition(world.competition)
    markers = [world.experts[k] for k in ("e2", "e3", "e1", "chief")]
    for person_id in competition.entrants:
        for aspect in competition.scheme:
            key = (person_id, aspect.id)
            if aspect.type is AspectType.MEASUREMENT:
                if key not in competition.measurements:
                    registry.enter_mark(
                        actor=world.experts["e2"],
                        competition_id=world.competition,
                        competitor_id=person_id,
                        aspect_id=aspect.id,
                        value="10.00",
                    )
                continue
            scores = dict(competition.judgements.get(key, {}))
            value = min(scores.values(), default=2)
            for expert in markers:
                if len(scores) >= 3:
                    break
                if expert not in scores:
                    registry.enter_mark(
                        actor=expert,
                        competition_id=world.competition,
                        competitor_id=person_id,
                        aspect_id=aspect.id,
                        value=value,
                    )
                    scores[expert] = value


def prepare(ctx: Ctx, state: str) -> None:
    """Bring the world's competition to ``state`` (it starts in marking)."""
    registry, world = ctx.registry, ctx.world
    chief = world.experts["chief"]
    if state in ("setup", "marking"):
        return
    if state == "programme":  # a prize programme with a nomination and a proposed nominee
        akimat = ctx.actors.ids["akimat"]
        programme = registry.create_prize_programme(
            actor=akimat,
            title_ru=PROGRAMME_BODY["title_ru"],
            title_kk=PROGRAMME_BODY["title_kk"],
            year=2025,
            region="VKO",
            kinds=["worldskills"],
            prizes=[Prize(1, "Ноутбук", 500_000)],
        ).id
        nomination = registry.define_nomination(
            actor=akimat,
            programme_id=programme,
            title_ru="Лучший социальный партнер",
            title_kk="Үздік әлеуметтік серіктес",
        ).id
        nominee = registry.nominate(
            actor=akimat,
            programme_id=programme,
            nomination_id=nomination,
            organisation_id=world.orgs["kazzinc"],
            citation="За развитие дуального обучения",
        ).id
        ctx.extra.update(programme=programme, nomination=nomination, nominee=nominee)
        return
    if state == "setup-with-scheme":  # the second competition has a scheme, can start
        registry.set_scheme(actor=SYSTEM_ACTOR, competition_id=ctx.competition2, aspects=SCHEME)
        return
    if state == "own-scores":  # the chief and the expert each hold a score to correct
        for role in ("chief", "expert"):
            registry.enter_mark(
                actor=ctx.actors.ids[role],
                competition_id=world.competition,
                competitor_id=world.people["Иванов Дмитрий Сергеевич"],
                aspect_id="B1",
                value=2,
            )
        return
    _complete(ctx)
    if state == "complete":
        return
    sign_off_all(registry, world)
    if state == "signed":  # complete, and every expert has signed off
        return
    registry.lock(actor=chief, competition_id=world.competition)
    if state == "locked":
        return
    registry.publish(actor=SYSTEM_ACTOR, competition_id=world.competition)
    assert state == "published", f"unknown state {state!r}"
    assert registry.competition(world.competition).status is CompetitionStatus.PUBLISHED


def status_class(status: int) -> str:
    return "2xx" if 200 <= status < 300 else str(status)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
async def test_role_matrix(case: Case, app, client):
    ctx = make_ctx(app)
    throwaway = app.create_account(actor=SYSTEM_ACTOR, name=f"Временный {uuid4()}", role="auditor")
    prepare(ctx, case.state)
    path = case.path.format(
        championship=ctx.world.championship,
        competition=ctx.world.competition,
        competition2=ctx.competition2,
        unknown=UNKNOWN,
        throwaway=throwaway.id,
        participant=ctx.world.people["Нұрланов Әлихан"],
        programme=ctx.extra.get("programme", UNKNOWN),
        head=app.head_position(),
        nomination=ctx.extra.get("nomination", UNKNOWN),
        nominee=ctx.extra.get("nominee", UNKNOWN),
    )
    if case.method == "GET":  # reads see the views once they hold everything prepared
        case = Case(
            case.name,
            case.method,
            case.path,
            case.expect,
            case.body,
            case.state,
            {**case.headers, "X-Registry-Min-Position": str(app.head_position())},
        )
    expected = {role: case.expect.get(role, "401") for role in ALL}
    actual = {}
    for role in ALL:
        if role == "public":
            headers = {}
        elif role == "bogus":
            headers = {"Authorization": f"Bearer {uuid4().hex}.{'x' * 43}"}
        else:
            headers = ctx.auth(role)
        body = case.body(ctx) if case.body else None
        files = case.files(ctx) if case.files else None
        response = await client.request(
            case.method, path, json=body, files=files, headers={**headers, **case.headers}
        )
        actual[role] = status_class(response.status_code)
        if response.status_code >= 400:
            assert response.headers["content-type"].startswith("application/problem+json")
        assert response.status_code < 500, response.text
    assert actual == expected


def test_every_command_endpoint_is_in_the_matrix(api):
    """A new command endpoint without a row in the table fails here."""
    covered = {(c.method, _template(c.path)) for c in CASES}
    # Server-Sent Events never end, which the test client waits for: their role matrices
    # run over real HTTP in tests/api/test_streams.py.
    covered |= {
        ("GET", "/api/v1/competitions/{}/standings/stream"),
        ("GET", "/api/v1/audit/events/stream"),
    }
    for route in api.routes:
        for method in sorted(getattr(route, "methods", ())):
            if method in ("HEAD", "OPTIONS") or not route.path.startswith(("/api/", "/h", "/r")):
                continue  # the OpenAPI pages, assets and the HTML pages (tests/api/test_*pages*)
            assert (method, _template(route.path)) in covered, f"{method} {route.path}"


def _template(path: str) -> str:
    import re

    return re.sub(r"\{[^}]+\}", "{}", path.partition("?")[0])
