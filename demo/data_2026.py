"""The demo's regional championship of 2026, still in progress on the demo's "today"
(2 December 2026): its newcomers (``PEOPLE_2026``, part of ``demo.data.PEOPLE``), its
competitions and stages (``CHAMPIONSHIP_2026``, in ``demo.data.ALL_CHAMPIONSHIPS``), the
competitions whose experts get demo tokens and its dispute. Pure data; :mod:`demo.data`
re-exports every name, :mod:`demo.data_check` checks them."""

from __future__ import annotations

import msgspec

from demo.records import DemoChampionship, DemoPerson, StageCode
from demo.records import competitions as _competitions

#: The competitors of 2026 (newcomers; some of 2025 compete again, listed in ``PEOPLE``).
PEOPLE_2026: tuple[DemoPerson, ...] = (
    # --- VKO: WorldSkills Shygys 2026 (newcomers; some of 2025 compete again) --------------
    # Welding
    DemoPerson("vko61", "Әлімжанов Бауыржан Қайратұлы", "ukvpk", "2007-02-18"),
    DemoPerson("vko62", "Гончаров Павел Андреевич", "altai_tk", "2006-10-09"),
    DemoPerson("vko63", "Төкенов Ерасыл", "ridder_atk", "2008-05-21"),
    DemoPerson("vko64", "Мусин Рустам Ильдарович", "ukstk", "2007-08-30"),
    # Electrical installation
    DemoPerson("vko65", "Серікқали Данияр Ерланұлы", "vkpk", "2007-04-12"),
    DemoPerson("vko66", "Шевчук Артур Вадимович", "ukstk", "2006-12-03"),
    DemoPerson("vko67", "Байғабылов Әлішер", "vktu_college", "2008-01-25"),
    DemoPerson("vko68", "Фёдорова Валерия Игоревна", "ridder_atk", "2007-09-14"),
    DemoPerson("vko69", "Құрманғазы Ақжол Нұрланұлы", "altai_tk", "2008-03-07"),
    # Car repair
    DemoPerson("vko70", "Жексенбаев Темірлан Асанұлы", "vkpk", "2007-06-16"),
    DemoPerson("vko71", "Лысенко Игорь Дмитриевич", "altai_tk", "2006-03-28"),
    DemoPerson("vko72", "Оспан Мағжан", "ridder_atk", "2008-08-08"),
    DemoPerson("vko73", "Кравец Даниил Сергеевич", "glubokoe_ak", "2007-11-19"),
    # Cooking
    DemoPerson("vko74", "Мамырбекова Назерке Асқарқызы", "kasu_college", "2007-07-07"),
    DemoPerson("vko75", "Воронина Екатерина Олеговна", "vkpk", "2008-02-14"),
    DemoPerson("vko76", "Ізбасарова Дана", "glubokoe_ak", "2007-12-30"),
    # Restaurant service
    DemoPerson("vko77", "Нұрланқызы Аружан", "vkgk", "2008-06-11"),
    DemoPerson("vko78", "Ситникова Алёна Максимовна", "kasu_college", "2007-10-02"),
    DemoPerson("vko79", "Ермұханова Сымбат Талғатқызы", "vkgk", "2008-11-20"),
    # Hairdressing
    DemoPerson("vko80", "Қалиақбарова Айым Ерланқызы", "vkgk", "2007-03-15"),
    DemoPerson("vko81", "Медведева Вероника Павловна", "ukstk", "2008-09-23"),
    DemoPerson("vko82", "Тұрсынбек Жанерке", "altai_tk", "2006-05-05"),
)


# The regional championship of 2026, still under way on the demo's "today" (2 December
# 2026): each competition stops at its ``stage``. Experts from the colleges judge at home:
# they share an organisation with some competitors and never mark them (in electrical
# installation, the chief expert too), so every competitor keeps three unconflicted experts.
_WS_SHYGYS_2026 = _competitions(
    ("welding", "main", "vko61 vko02 vko62 vko63 vko64", "exp01", "exp04 exp13 exp02"),
    ("cooking", "main", "vko45 vko46 vko74 vko75 vko76", "exp18", "exp16 exp19 exp06 exp12"),
    (
        "electrical",
        "main",
        "vko65 vko66 vko67 vko09 vko68 vko69",
        "exp20",
        "exp21 exp17 exp22 exp12",
    ),
    ("car_repair", "main", "vko36 vko70 vko71 vko72 vko73", "exp08", "exp09 exp15 exp11"),
    ("restaurant_service", "main", "vko18 vko77 vko78 vko79", "exp11", "exp02 exp13 exp16"),
    ("hairdressing", "main", "vko22 vko80 vko81 vko82", "exp04", "exp15 exp17 exp22"),
)
_STAGES_2026: dict[str, StageCode] = {
    "welding": "locked",
    "cooking": "disputed",
    "electrical": "marking",
    "car_repair": "marking",
    "restaurant_service": "setup_partial",
    "hairdressing": "setup",
}

#: The championship still in progress on the demo's "today" (2 December 2026). Not in
#: ``CHAMPIONSHIPS`` (the finished 2025 ones); ``demo.data.ALL_CHAMPIONSHIPS`` holds both.
CHAMPIONSHIP_2026 = DemoChampionship(
    key="ws_shygys_2026",
    kind="worldskills",
    level="regional",
    year=2026,
    region="VKO",
    title_ru="Региональный чемпионат «WorldSkills Shygys 2026»",
    title_kk="«WorldSkills Shygys 2026» өңірлік чемпионаты",
    title_en="WorldSkills Shygys 2026",
    starts_on="2026-11-30",
    ends_on="2026-12-04",
    tie_tolerance="0.00",
    min_competitors_for_medals=3,
    competitions=tuple(
        msgspec.structs.replace(c, stage=_STAGES_2026[c.competency]) for c in _WS_SHYGYS_2026
    ),
)
#: The 2026 competitions whose expert and chief get demo tokens, by stage: the one in
#: marking (its expert also has a competitor of their own college, to try a refusal) and
#: the one with a disputed aspect (its chief).
TOKENS_2026: dict[StageCode, str] = {"marking": "electrical", "disputed": "cooking"}
#: (competency, position of the competitor, aspect): the 2026 dispute, scores 1, 3, 3.
DISPUTE_2026: tuple[str, int, str] = ("cooking", 1, "C2")
