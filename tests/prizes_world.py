"""A republican competition with a known outcome, for the prize tests.

Five competitors: one from Astana (AST) and four from East Kazakhstan (VKO). Every judgement
score is 2, so only the measurements decide, and the places are worked out by hand here:

=====================  ======  ======  =====
competitor              A1      A2      place
=====================  ======  ======  =====
Астанаев Арман (AST)    30.00   20.00   1
Нұрланов Әлихан         28.00   20.00   2
Қасымова Айгүл          25.00   20.00   3 (tie)
Иванов Дмитрий С.       25.00   20.00   3 (tie)
Өмірбекова Ұлжан        20.00   10.00   5
=====================  ======  ======  =====

So a programme of region VKO covering WorldSkills proposes exactly three entries: Нұрланов
(2nd), Қасымова and Иванов (both 3rd). The Astana winner is another region's; 5th is no
place.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID

from domain.ids import SYSTEM_ACTOR
from domain.prizes import Prize
from registry.application import RegistryApplication
from tests.helpers import World, build_world, mark_everything, sign_off_all

AKIMAT_NAME = "Акимат ВКО (тест)"
AST_NAME = "Астанаев Арман"
#: every letter of the Kazakh alphabet beyond the Russian one, upper and lower case
KAZAKH_LETTERS = "ӘәҒғҚқҢңӨөҰұҮүҺһІі"

PRIZES = (
    Prize(1, "Ноутбук", 500_000),
    Prize(2, "Планшет", 300_000),
    Prize(3, "Сертификат «Өнер» на обучение", 150_000),
)
MEASUREMENTS = {
    AST_NAME: ("30.00", "20.00"),
    "Нұрланов Әлихан": ("28.00", "20.00"),
    "Қасымова Айгүл": ("25.00", "20.00"),
    "Иванов Дмитрий Сергеевич": ("25.00", "20.00"),
    "Өмірбекова Ұлжан": ("20.00", "10.00"),
}
#: (name, place, prize amount) of the entries a VKO WorldSkills programme must hold
EXPECTED = {
    ("Нұрланов Әлихан", 2, 300_000),
    ("Қасымова Айгүл", 3, 150_000),
    ("Иванов Дмитрий Сергеевич", 3, 150_000),
}


@dataclass
class PrizeWorld:
    world: World
    akimat: UUID


def build_prize_world(
    app: RegistryApplication, *, level: str = "republican", publish: bool = True
) -> PrizeWorld:
    world = build_world(app, level=level, start=False)
    astana = app.register_organisation(
        actor=SYSTEM_ACTOR,
        name_ru="Астанинский политехнический колледж",
        name_kk="Астана политехникалық колледжі",
        kind="college",
        region="AST",
    ).id
    person = app.register_participant(
        actor=SYSTEM_ACTOR, full_name=AST_NAME, organisation_id=astana, birth_date=date(2004, 1, 1)
    ).id
    app.add_entrant(actor=SYSTEM_ACTOR, competition_id=world.competition, participant_id=person)
    world.people[AST_NAME] = person
    world.orgs["astana"] = astana
    app.start_marking(actor=SYSTEM_ACTOR, competition_id=world.competition)
    mark_everything(
        app,
        world,
        MEASUREMENTS,
        {name: ((2, 2, 2), (2, 2, 2)) for name in MEASUREMENTS},
    )
    akimat = app.create_account(actor=SYSTEM_ACTOR, name=AKIMAT_NAME, role="akimat").id
    if publish:
        sign_off_all(app, world)
        app.lock(actor=world.experts["chief"], competition_id=world.competition)
        app.publish(actor=SYSTEM_ACTOR, competition_id=world.competition)
    return PrizeWorld(world, akimat)


def create_programme(
    app: RegistryApplication,
    akimat: UUID,
    *,
    title: str = "Призы акима ВКО 2025",
    year: int = 2025,
    region: str = "VKO",
    kinds: tuple[str, ...] = ("worldskills", "agroskills", "abilympics"),
) -> UUID:
    return app.create_prize_programme(
        actor=akimat,
        title_ru=title,
        title_kk="ШҚО әкімінің сыйлықтары 2025",
        year=year,
        region=region,
        kinds=kinds,
        prizes=PRIZES,
    ).id
