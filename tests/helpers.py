"""A small championship built through the application service, shared by tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from uuid import UUID

from domain.ids import SYSTEM_ACTOR
from registry.application import AspectInput, RegistryApplication

ORGANISER = SYSTEM_ACTOR

SCHEME = [
    AspectInput("A1", "A", "Размеры шва по чертежу", "30.00", "measurement"),
    AspectInput("A2", "A", "Герметичность соединения", "20.00", "measurement"),
    AspectInput("B1", "B", "Внешний вид шва", "30.00", "judgement"),
    AspectInput("B2", "B", "Организация рабочего места", "20.00", "judgement"),
]


@dataclass
class World:
    championship: UUID
    competition: UUID
    orgs: dict[str, UUID] = field(default_factory=dict)
    people: dict[str, UUID] = field(default_factory=dict)
    experts: dict[str, UUID] = field(default_factory=dict)


def build_world(
    app: RegistryApplication,
    *,
    kind: str = "worldskills",
    level: str = "regional",
    start: bool = True,
    competitors: tuple[tuple[str, str], ...] = (
        ("Нұрланов Әлихан", "college_a"),
        ("Қасымова Айгүл", "college_a"),
        ("Иванов Дмитрий Сергеевич", "college_b"),
        ("Өмірбекова Ұлжан", "college_c"),
    ),
) -> World:
    a = ORGANISER
    orgs = {
        "college_a": ("Высший колледж ВКТУ", "ШҚТУ Жоғары колледжі", "college"),
        "college_b": (
            "Восточно-Казахстанский политехнический колледж",
            "ШҚ политехникалық колледжі",
            "college",
        ),
        "college_c": (
            "Риддерский аграрно-технический колледж",
            "Риддер аграрлық-техникалық колледжі",
            "college",
        ),
        "kazzinc": ("ТОО «Казцинк»", "«Қазмырыш» ЖШС", "enterprise"),
        "vkgu": ("ВКУ им. С. Аманжолова", "С. Аманжолов атындағы ШҚУ", "university"),
    }
    org_ids = {
        key: app.register_organisation(actor=a, name_ru=ru, name_kk=kk, kind=kind_, region="VKO").id
        for key, (ru, kk, kind_) in orgs.items()
    }
    championship = app.create_championship(
        actor=a,
        kind=kind,
        level=level,
        year=2025,
        region="VKO",
        title_ru="Тестовый чемпионат 2025",
        title_kk="Сынақ чемпионаты 2025",
        starts_on=date(2025, 5, 12),
        ends_on=date(2025, 5, 16),
    ).id
    category = "students" if kind == "abilympics" else "main"
    competition = app.add_competition(
        actor=a,
        championship_id=championship,
        code="welding",
        title_ru="Сварочные технологии",
        title_kk="Дәнекерлеу технологиясы",
        category=category,
    ).id
    app.set_scheme(actor=a, competition_id=competition, aspects=SCHEME)
    people = {}
    for name, org in competitors:
        pid = app.register_participant(
            actor=a, full_name=name, organisation_id=org_ids[org], birth_date=date(2004, 3, 1)
        ).id
        app.add_entrant(actor=a, competition_id=competition, participant_id=pid)
        people[name] = pid
    experts = {}
    for key, role, org in (
        ("chief", "chief_expert", "vkgu"),
        ("e1", "expert", "kazzinc"),
        ("e2", "expert", "kazzinc"),
        ("e3", "expert", "vkgu"),
        ("e_conflicted", "expert", "college_a"),
    ):
        account = app.create_account(actor=a, name=f"Эксперт {key}", role=role).id
        app.assign_expert(
            actor=a,
            competition_id=competition,
            account_id=account,
            role="chief" if key == "chief" else "expert",
            organisation_id=org_ids[org],
        )
        experts[key] = account
    if start:
        app.start_marking(actor=a, competition_id=competition)
    return World(championship, competition, org_ids, people, experts)


def mark_everything(
    app: RegistryApplication,
    world: World,
    measurements: dict[str, tuple[str, str]],
    judgements: dict[str, tuple[tuple[int, int, int], tuple[int, int, int]]],
) -> None:
    """Enter every mark: ``measurements[name] = (A1, A2)``, ``judgements[name] = (B1, B2)``
    as the scores of experts e1, e2, e3."""
    for name, (a1, a2) in measurements.items():
        app.enter_marks(
            actor=world.experts["e1"],
            competition_id=world.competition,
            marks=[(world.people[name], "A1", a1), (world.people[name], "A2", a2)],
        )
    for name, (b1, b2) in judgements.items():
        for index, expert in enumerate(("e1", "e2", "e3")):
            app.enter_marks(
                actor=world.experts[expert],
                competition_id=world.competition,
                marks=[
                    (world.people[name], "B1", b1[index]),
                    (world.people[name], "B2", b2[index]),
                ],
            )


def sign_off_all(app: RegistryApplication, world: World) -> None:
    """Every assigned expert (the chief too) signs off their marks, as RULES.md "Closing a
    competition" asks before the chief locks."""
    for expert in world.experts.values():
        app.sign_off(actor=expert, competition_id=world.competition)
