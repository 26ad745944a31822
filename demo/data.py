"""Demo history of the registry: the 2025 championships of East Kazakhstan region (VKO), and
the regional championship of 2026, still in progress on the demo's "today" (2 December 2026).

Pure data, no I/O, no randomness. The demo loader feeds these tables through the application
service; :func:`demo.data_check.check` asserts the invariants the tables promise (run
``python -m demo.data_check`` to check them). The 2026 tables are :mod:`demo.data_2026`'s,
the competencies :mod:`demo.competencies`', the row types :mod:`demo.records`'; every name is
re-exported here.

Tables
------
- ``ORGANISATIONS``: colleges, universities, enterprises and state bodies, keyed by short ascii
  ``key`` that the other tables use.
- ``COMPETENCIES``: the catalogue of competencies with their marking schemes (every scheme adds up
  to exactly 100.00).
- ``PEOPLE``: competitors (of 2025, and the newcomers of 2026). ``disability`` is set only for
  Abilympics participants (sensitive data).
- ``EXPERTS``: judges, each from one organisation.
- ``CHAMPIONSHIPS``: the four 2025 championships and their competitions. In every competition
  ``chief`` is the chief expert and ``experts`` are the *other* experts (never the chief), at least
  three of them, so a judgement aspect can always get its three scores.
- ``CHAMPIONSHIP_2026``: WorldSkills Shygys 2026 (30 November - 4 December 2026), each
  competition stopped at its ``stage``: one locked and waiting for publication, one with a
  disputed judgement aspect, two partly marked, two still being set up. Experts of the colleges
  judge there too, never their own college's competitors. ``ALL_CHAMPIONSHIPS`` holds all five.
- ``CONFLICT_OF_INTEREST_DEMO``: the one place in 2025 where an expert shares an organisation
  with a competitor of their competition, on purpose.
- ``NOMINATIONS``: the akimat's three nominations of the Year of Working Professions 2025.

In each regional WorldSkills competition the first competitor listed is the one meant to win;
the VKO competitor of each republican WorldSkills competition is that regional winner (except
Mechatronics, which was not held at the regional championship).

Names of people and organisations are illustrative; organisations are modelled on real ones.
Schoolchildren of the Abilympics are registered with the education department of their region,
which sends the regional team.
"""

from __future__ import annotations

from datetime import date

import msgspec

from demo.competencies import COMPETENCIES
from demo.data_2026 import CHAMPIONSHIP_2026, DISPUTE_2026, PEOPLE_2026, TOKENS_2026
from demo.records import (
    AspectTypeCode,
    CategoryCode,
    ChampionshipKindCode,
    CriterionCode,
    DemoAspect,
    DemoChampionship,
    DemoCompetency,
    DemoCompetition,
    DemoExpert,
    DemoNomination,
    DemoOrganisation,
    DemoPerson,
    LevelCode,
    OrganisationKindCode,
    RegionCode,
    StageCode,
)
from demo.records import competitions as _competitions

__all__ = [
    "ALL_CHAMPIONSHIPS",
    "CHAMPIONSHIPS",
    "CHAMPIONSHIP_2026",
    "COMPETENCIES",
    "CONFLICT_OF_INTEREST_DEMO",
    "DISPUTE_2026",
    "EXPERTS",
    "NOMINATIONS",
    "ORGANISATIONS",
    "PEOPLE",
    "PEOPLE_2026",
    "PRIZE_PROGRAMME",
    "TOKENS_2026",
    "AspectTypeCode",
    "CategoryCode",
    "ChampionshipKindCode",
    "CriterionCode",
    "DemoAspect",
    "DemoChampionship",
    "DemoCompetency",
    "DemoCompetition",
    "DemoExpert",
    "DemoNomination",
    "DemoOrganisation",
    "DemoPerson",
    "DemoPrize",
    "DemoProgramme",
    "LevelCode",
    "OrganisationKindCode",
    "RegionCode",
    "StageCode",
]


# ---------------------------------------------------------------------------------------------
# Organisations
# ---------------------------------------------------------------------------------------------

ORGANISATIONS: tuple[DemoOrganisation, ...] = (
    # Colleges of East Kazakhstan region
    DemoOrganisation(
        key="vktu_college",
        name_ru="Высший колледж ВКТУ имени Д. Серикбаева",
        name_kk="Д. Серікбаев атындағы ШҚТУ жоғары колледжі",
        kind="college",
        region="VKO",
    ),
    DemoOrganisation(
        key="ukstk",
        name_ru="Усть-Каменогорский строительно-технический колледж",
        name_kk="Өскемен құрылыс-техникалық колледжі",
        kind="college",
        region="VKO",
    ),
    DemoOrganisation(
        key="vkpk",
        name_ru="Восточно-Казахстанский политехнический колледж",
        name_kk="Шығыс Қазақстан политехникалық колледжі",
        kind="college",
        region="VKO",
    ),
    DemoOrganisation(
        key="med_college",
        name_ru="Высший медицинский колледж",
        name_kk="Жоғары медициналық колледжі",
        kind="college",
        region="VKO",
    ),
    DemoOrganisation(
        key="ridder_atk",
        name_ru="Риддерский аграрно-технический колледж",
        name_kk="Риддер аграрлық-техникалық колледжі",
        kind="college",
        region="VKO",
    ),
    DemoOrganisation(
        key="altai_tk",
        name_ru="Алтайский технический колледж",
        name_kk="Алтай техникалық колледжі",
        kind="college",
        region="VKO",
    ),
    DemoOrganisation(
        key="ukvpk",
        name_ru="Усть-Каменогорский высший политехнический колледж",
        name_kk="Өскемен жоғары политехникалық колледжі",
        kind="college",
        region="VKO",
    ),
    DemoOrganisation(
        key="vkgk",
        name_ru="Восточно-Казахстанский гуманитарный колледж",
        name_kk="Шығыс Қазақстан гуманитарлық колледжі",
        kind="college",
        region="VKO",
    ),
    DemoOrganisation(
        key="glubokoe_ak",
        name_ru="Глубоковский аграрный колледж",
        name_kk="Глубокое аграрлық колледжі",
        kind="college",
        region="VKO",
    ),
    DemoOrganisation(
        key="kasu_college",
        name_ru="Высший колледж Казахстанско-Американского свободного университета",
        name_kk="Қазақстан-Америка еркін университетінің жоғары колледжі",
        kind="college",
        region="VKO",
    ),
    # Universities of East Kazakhstan region
    DemoOrganisation(
        key="vku",
        name_ru="Восточно-Казахстанский университет имени С. Аманжолова",
        name_kk="С. Аманжолов атындағы Шығыс Қазақстан университеті",
        kind="university",
        region="VKO",
    ),
    DemoOrganisation(
        key="vktu",
        name_ru="Восточно-Казахстанский технический университет имени Д. Серикбаева",
        name_kk="Д. Серікбаев атындағы Шығыс Қазақстан техникалық университеті",
        kind="university",
        region="VKO",
    ),
    DemoOrganisation(
        key="kasu",
        name_ru="Казахстанско-Американский свободный университет",
        name_kk="Қазақстан-Америка еркін университеті",
        kind="university",
        region="VKO",
    ),
    # Enterprises of East Kazakhstan region
    DemoOrganisation(
        key="kazzinc",
        name_ru="ТОО «Казцинк»",
        name_kk="«Қазмырыш» ЖШС",
        kind="enterprise",
        region="VKO",
    ),
    DemoOrganisation(
        key="uktmk",
        name_ru="АО «Усть-Каменогорский титано-магниевый комбинат»",
        name_kk="«Өскемен титан-магний комбинаты» АҚ",
        kind="enterprise",
        region="VKO",
    ),
    DemoOrganisation(
        key="umz",
        name_ru="АО «Ульбинский металлургический завод»",
        name_kk="«Үлбі металлургиялық зауыты» АҚ",
        kind="enterprise",
        region="VKO",
    ),
    DemoOrganisation(
        key="uktec",
        name_ru="АО «Усть-Каменогорская ТЭЦ»",
        name_kk="«Өскемен ЖЭО» АҚ",
        kind="enterprise",
        region="VKO",
    ),
    # State bodies (education departments; they send the Abilympics schoolchildren teams)
    DemoOrganisation(
        key="upr_vko",
        name_ru="ГУ «Управление образования Восточно-Казахстанской области»",
        name_kk="«Шығыс Қазақстан облысының білім басқармасы» ММ",
        kind="state_body",
        region="VKO",
    ),
    DemoOrganisation(
        key="upr_ast",
        name_ru="ГУ «Управление образования города Астаны»",
        name_kk="«Астана қаласының білім басқармасы» ММ",
        kind="state_body",
        region="AST",
    ),
    DemoOrganisation(
        key="upr_pav",
        name_ru="ГУ «Управление образования Павлодарской области»",
        name_kk="«Павлодар облысының білім басқармасы» ММ",
        kind="state_body",
        region="PAV",
    ),
    # Colleges of other regions (republican championships)
    DemoOrganisation(
        key="ast_polytech",
        name_ru="Высший колледж «Astana Polytechnic»",
        name_kk="«Astana Polytechnic» жоғары колледжі",
        kind="college",
        region="AST",
    ),
    DemoOrganisation(
        key="ast_service",
        name_ru="Колледж сервиса и туризма города Астаны",
        name_kk="Астана қаласының сервис және туризм колледжі",
        kind="college",
        region="AST",
    ),
    DemoOrganisation(
        key="ala_polytech",
        name_ru="Алматинский государственный политехнический колледж",
        name_kk="Алматы мемлекеттік политехникалық колледжі",
        kind="college",
        region="ALA",
    ),
    DemoOrganisation(
        key="kar_shtk",
        name_ru="Шахтинский технологический колледж",
        name_kk="Шахтинск технологиялық колледжі",
        kind="college",
        region="KAR",
    ),
    DemoOrganisation(
        key="pav_hmk",
        name_ru="Павлодарский химико-механический колледж",
        name_kk="Павлодар химия-механикалық колледжі",
        kind="college",
        region="PAV",
    ),
    DemoOrganisation(
        key="aba_atk",
        name_ru="Семейский аграрно-технический колледж",
        name_kk="Семей аграрлық-техникалық колледжі",
        kind="college",
        region="ABA",
    ),
    DemoOrganisation(
        key="akm_shagalaly",
        name_ru="Высший агротехнический колледж села Шагалалы",
        name_kk="Шағалалы ауылының жоғары агротехникалық колледжі",
        kind="college",
        region="AKM",
    ),
)


# ---------------------------------------------------------------------------------------------
# Competitors
# DemoPerson(key, full_name, organisation, birth_date, disability=None)
# ---------------------------------------------------------------------------------------------

_HEARING = "нарушение слуха"
_MOBILITY = "нарушение опорно-двигательного аппарата"
_SPEECH = "нарушение речи"
_SIGHT = "нарушение зрения"

PEOPLE: tuple[DemoPerson, ...] = (
    # --- VKO: WorldSkills Shygys 2025 -------------------------------------------------------
    # Welding
    DemoPerson("vko01", "Нұрланов Әлихан Ерланұлы", "vkpk", "2005-03-14"),
    DemoPerson("vko02", "Иванов Дмитрий Сергеевич", "vkpk", "2004-11-02"),
    DemoPerson("vko03", "Қасымов Ержан Болатұлы", "ukvpk", "2006-01-27"),
    DemoPerson("vko04", "Петренко Артём Игоревич", "ukvpk", "2005-07-19"),
    DemoPerson("vko05", "Сәрсенбаев Дәулет", "altai_tk", "2006-09-05"),
    DemoPerson("vko06", "Ковалёв Максим Андреевич", "ridder_atk", "2004-05-30"),
    # Electrical installation
    DemoPerson("vko07", "Жұмаділов Нұрсұлтан Асқарұлы", "vktu_college", "2005-02-11"),
    DemoPerson("vko08", "Смирнов Егор Павлович", "vktu_college", "2006-04-23"),
    DemoPerson("vko09", "Әбілов Айдос", "ukvpk", "2004-08-16"),
    DemoPerson("vko10", "Төлеген Бекзат Маратұлы", "altai_tk", "2005-12-01"),
    DemoPerson("vko11", "Морозов Кирилл Олегович", "ukstk", "2006-06-08"),
    # Cooking (main)
    DemoPerson("vko12", "Қасымова Айгүл Серікқызы", "vkgk", "2005-10-09"),
    DemoPerson("vko13", "Ли Виктория Эдуардовна", "vkgk", "2006-02-17"),
    DemoPerson("vko14", "Омарова Аружан Бауыржанқызы", "kasu_college", "2004-12-24"),
    DemoPerson("vko15", "Соколова Дарья Алексеевна", "kasu_college", "2005-05-05"),
    DemoPerson("vko16", "Мұқанова Іңкәр", "vkpk", "2006-08-21"),
    DemoPerson("vko17", "Байжанов Ғалымжан Нұрболұлы", "ridder_atk", "2005-01-30"),
    # Restaurant service
    DemoPerson("vko18", "Ермекова Әйгерім Қанатқызы", "kasu_college", "2004-09-13"),
    DemoPerson("vko19", "Никитина Полина Романовна", "kasu_college", "2005-11-28"),
    DemoPerson("vko20", "Жақыпова Томирис", "vkgk", "2006-03-03"),
    DemoPerson("vko21", "Васильев Арсений Денисович", "ukvpk", "2005-06-12"),
    # Hairdressing
    DemoPerson("vko22", "Сейітжанова Мөлдір Ерланқызы", "vkgk", "2005-04-04"),
    DemoPerson("vko23", "Кравченко Алина Викторовна", "vkgk", "2004-10-20"),
    DemoPerson("vko24", "Нұрахметова Дильназ", "kasu_college", "2006-07-15"),
    DemoPerson("vko25", "Гусева Анастасия Михайловна", "ukstk", "2005-08-29"),
    DemoPerson("vko26", "Оралбекова Жансая Мұратқызы", "altai_tk", "2006-12-10"),
    # IT network and systems administration
    DemoPerson("vko27", "Тоқтаров Нұрдәулет Ержанұлы", "vktu_college", "2005-09-18"),
    DemoPerson("vko28", "Белов Никита Александрович", "vktu_college", "2004-06-26"),
    DemoPerson("vko29", "Құдайбергенов Санжар", "ukvpk", "2006-02-02"),
    DemoPerson("vko30", "Ким Даниил Вадимович", "kasu_college", "2005-03-22"),
    DemoPerson("vko31", "Әміржанов Ілияс Серікұлы", "vkgk", "2006-10-31"),
    # Car repair
    DemoPerson("vko32", "Мақсұтов Ерасыл Ғаниұлы", "vkpk", "2005-01-08"),
    DemoPerson("vko33", "Степанов Владислав Игоревич", "vkpk", "2004-07-14"),
    DemoPerson("vko34", "Бөкейханов Темірлан", "altai_tk", "2006-05-19"),
    DemoPerson("vko35", "Зайцев Роман Евгеньевич", "ridder_atk", "2005-10-03"),
    DemoPerson("vko36", "Айтқалиев Нұрбол Асқарұлы", "glubokoe_ak", "2006-11-25"),
    # CNC turning
    DemoPerson("vko37", "Шаяхметов Рауан Болатұлы", "ukvpk", "2005-08-07"),
    DemoPerson("vko38", "Лебедев Илья Сергеевич", "vktu_college", "2004-12-15"),
    DemoPerson("vko39", "Ғалымов Абылай", "altai_tk", "2006-04-28"),
    DemoPerson("vko40", "Тимофеев Глеб Андреевич", "vkpk", "2005-02-19"),
    # Plumbing and heating
    DemoPerson("vko41", "Сұлтанов Мирас Дәуренұлы", "ukstk", "2005-06-30"),
    DemoPerson("vko42", "Козлов Денис Валерьевич", "ukstk", "2004-03-11"),
    DemoPerson("vko43", "Есімов Жандос", "vkpk", "2006-09-09"),
    DemoPerson("vko44", "Панов Тимур Рустамович", "ridder_atk", "2005-12-27"),
    # Cooking (juniors, 14-16)
    DemoPerson("vko45", "Әділбекова Аяулым", "vkgk", "2009-09-14"),
    DemoPerson("vko46", "Орлова Ксения Дмитриевна", "kasu_college", "2010-01-22"),
    DemoPerson("vko47", "Қайратұлы Бекнұр", "vkpk", "2009-11-05"),
    DemoPerson("vko48", "Мельникова София Артёмовна", "ukvpk", "2010-03-30"),
    DemoPerson("vko49", "Төребекова Ақбота", "glubokoe_ak", "2009-07-18"),
    # --- VKO: WorldSkills Kazakhstan 2025 only (Mechatronics) -------------------------------
    DemoPerson("vko50", "Серікбай Арман Ғалымжанұлы", "vktu_college", "2004-04-17"),
    # --- VKO: AgroSkills 2025 ---------------------------------------------------------------
    DemoPerson("vko51", "Жанұзақов Ерқанат Талғатұлы", "ridder_atk", "2004-02-09"),
    DemoPerson("vko52", "Гребенщиков Алексей Николаевич", "glubokoe_ak", "2005-05-21"),
    DemoPerson("vko53", "Мұратбекова Жібек Ерболқызы", "glubokoe_ak", "2005-08-13"),
    DemoPerson("vko54", "Дьяченко Ирина Владимировна", "ridder_atk", "2004-10-06"),
    # --- VKO: Abilympics-2025 ---------------------------------------------------------------
    DemoPerson("vko55", "Қуанышева Ұлжан", "upr_vko", "2009-04-12", _HEARING),
    DemoPerson("vko56", "Фролов Артём Витальевич", "upr_vko", "2008-12-03", _MOBILITY),
    DemoPerson("vko57", "Бекмұхамбетов Әли", "vktu_college", "2003-07-25", _MOBILITY),
    DemoPerson("vko58", "Ахметжанова Гүлназ Қайратқызы", "med_college", "2005-02-14", _HEARING),
    DemoPerson("vko59", "Сәрсенова Раушан Әбілқызы", "kazzinc", "1988-06-19", _HEARING),
    DemoPerson("vko60", "Тарасов Евгений Геннадьевич", "uktec", "1995-11-02", _MOBILITY),
    # --- Astana -----------------------------------------------------------------------------
    DemoPerson("ast01", "Абдрахманов Ерсұлтан Қайратұлы", "ast_polytech", "2004-08-01"),
    DemoPerson("ast02", "Мамыров Әділет", "ast_polytech", "2005-01-15"),
    DemoPerson("ast03", "Исаева Камила Руслановна", "ast_service", "2005-04-19"),
    DemoPerson("ast04", "Жанысбаев Ерназар", "ast_polytech", "2005-10-10"),
    DemoPerson("ast05", "Серғазин Олжас Бекұлы", "ast_polytech", "2004-02-28"),
    DemoPerson("ast06", "Тұрарова Аяжан", "upr_ast", "2009-06-21", _HEARING),
    DemoPerson("ast07", "Соловьёв Матвей Ильич", "upr_ast", "2008-10-10", _SPEECH),
    DemoPerson("ast08", "Мұсабеков Дінмұхамед", "ast_polytech", "2003-09-30", _MOBILITY),
    DemoPerson("ast09", "Хасанова Лейла Рашидовна", "ast_service", "1990-03-08", _HEARING),
    # --- Almaty -----------------------------------------------------------------------------
    DemoPerson("ala01", "Сапаров Мадияр", "ala_polytech", "2005-03-09"),
    DemoPerson("ala02", "Григоренко Станислав Олегович", "ala_polytech", "2004-09-27"),
    DemoPerson("ala03", "Осипов Михаил Константинович", "ala_polytech", "2004-05-25"),
    DemoPerson("ala04", "Абрамова Ксения Павловна", "ala_polytech", "2004-01-19", _HEARING),
    # --- Karaganda region -------------------------------------------------------------------
    DemoPerson("kar01", "Шевцов Данил Романович", "kar_shtk", "2004-12-12"),
    DemoPerson("kar02", "Нұрмағанбетов Айбек Жанатұлы", "kar_shtk", "2006-03-06"),
    DemoPerson("kar03", "Ахметова Аружан Ерланқызы", "kar_shtk", "2005-07-22"),
    DemoPerson("kar04", "Исабеков Ақжол", "kar_shtk", "2005-11-17"),
    DemoPerson("kar05", "Руденко Вадим Сергеевич", "kar_shtk", "2005-08-08"),
    DemoPerson("kar06", "Қадырбек Ерназар Асланұлы", "kar_shtk", "2002-05-12", _HEARING),
    # --- Pavlodar region --------------------------------------------------------------------
    DemoPerson("pav01", "Жүсіпов Алмас Серікұлы", "pav_hmk", "2005-06-18"),
    DemoPerson("pav02", "Қабдолов Ислам Маратұлы", "pav_hmk", "2006-04-14"),
    DemoPerson("pav03", "Байтұрсынов Нұртас", "pav_hmk", "2005-12-19"),
    DemoPerson("pav04", "Бақытжанқызы Інжу", "upr_pav", "2010-01-14", _MOBILITY),
    DemoPerson("pav05", "Ержанов Асқар Төлеуұлы", "pav_hmk", "1984-07-27", _MOBILITY),
    # --- Abai region ------------------------------------------------------------------------
    DemoPerson("aba01", "Ыбырайұлы Нұрасыл", "aba_atk", "2005-07-07"),
    DemoPerson("aba02", "Тұрсынова Дана", "aba_atk", "2005-09-02"),
    DemoPerson("aba03", "Қожахметов Бейбарыс", "aba_atk", "2005-11-09"),
    DemoPerson("aba04", "Жұмабаева Ақерке", "aba_atk", "2005-04-26"),
    DemoPerson("aba05", "Пономарёва Ульяна Сергеевна", "aba_atk", "2006-02-08"),
    DemoPerson("aba06", "Нұржанова Балжан Айтбайқызы", "aba_atk", "1979-12-05", _SIGHT),
    # --- Akmola region ----------------------------------------------------------------------
    DemoPerson("akm01", "Әубәкіров Ғабит Ерланұлы", "akm_shagalaly", "2004-06-06"),
    DemoPerson("akm02", "Шульц Андрей Викторович", "akm_shagalaly", "2005-03-17"),
    DemoPerson("akm03", "Сәдуақасова Айдана Бекқызы", "akm_shagalaly", "2004-12-01"),
    *PEOPLE_2026,
)


# ---------------------------------------------------------------------------------------------
# Experts (judges)
# ---------------------------------------------------------------------------------------------

EXPERTS: tuple[DemoExpert, ...] = (
    DemoExpert("exp01", "Ткаченко Сергей Викторович", "kazzinc"),
    DemoExpert("exp02", "Жақсыбеков Ерлан Серікұлы", "kazzinc"),
    DemoExpert("exp03", "Бекова Гүлнар Маратқызы", "kazzinc"),
    DemoExpert("exp04", "Мұхамедиев Асхат Ерланұлы", "uktmk"),
    DemoExpert("exp05", "Кузнецова Ольга Николаевна", "uktmk"),
    DemoExpert("exp06", "Шевченко Андрей Петрович", "umz"),
    DemoExpert("exp07", "Тоқтарова Әсел Бауыржанқызы", "umz"),
    DemoExpert("exp08", "Оспанов Дәурен Қайратұлы", "uktec"),
    DemoExpert("exp09", "Павленко Виктор Иванович", "uktec"),
    DemoExpert("exp10", "Смағұлова Жанар Төлегенқызы", "vku"),
    DemoExpert("exp11", "Ермеков Нұржан Асқарұлы", "vku"),
    DemoExpert("exp12", "Попов Алексей Владимирович", "vktu"),
    DemoExpert("exp13", "Әбдірахманов Ерболат Мұратұлы", "vktu"),
    DemoExpert("exp14", "Сейітқазина Динара Әлібекқызы", "vktu"),
    DemoExpert("exp15", "Миллер Наталья Александровна", "kasu"),
    DemoExpert("exp16", "Қалиев Бағдат Нұрланұлы", "kasu"),
    DemoExpert("exp17", "Григорьев Игорь Степанович", "vktu_college"),
    DemoExpert("exp18", "Төлеубаев Серік Жұмабайұлы", "ukvpk"),
    DemoExpert("exp19", "Иманғалиева Сәуле Қанатқызы", "vkgk"),
    DemoExpert("exp20", "Белоусов Николай Андреевич", "ukstk"),
    DemoExpert("exp21", "Нұрғалиев Талғат Әмірұлы", "vkpk"),
    DemoExpert("exp22", "Федоров Михаил Юрьевич", "ridder_atk"),
    DemoExpert("exp23", "Ахметов Бауыржан Серікұлы", "ast_polytech"),
    DemoExpert("exp24", "Ким Елена Вячеславовна", "ast_polytech"),
    DemoExpert("exp25", "Жұмабекова Айнұр Қуанышқызы", "ala_polytech"),
    DemoExpert("exp26", "Сидоренко Павел Олегович", "ala_polytech"),
    DemoExpert("exp27", "Ғабдуллин Руслан Маратұлы", "kar_shtk"),
    DemoExpert("exp28", "Волкова Татьяна Геннадьевна", "pav_hmk"),
    DemoExpert("exp29", "Рахымжанов Қанат Болатұлы", "akm_shagalaly"),
    DemoExpert("exp30", "Лисицын Геннадий Павлович", "akm_shagalaly"),
    DemoExpert("exp31", "Үсенова Гүлмира Ержанқызы", "aba_atk"),
)


# ---------------------------------------------------------------------------------------------
# Championships and competitions
# A competition is one row: (competency, category, competitors, chief, experts), the keys of
# people and experts separated by spaces; ``experts`` are the others, never the chief.
# ---------------------------------------------------------------------------------------------


_WS_SHYGYS_2025 = _competitions(
    ("welding", "main", "vko01 vko02 vko03 vko04 vko05 vko06", "exp01", "exp04 exp13 exp20"),
    ("electrical", "main", "vko07 vko08 vko09 vko10 vko11", "exp08", "exp09 exp06 exp16"),
    ("cooking", "main", "vko12 vko13 vko14 vko15 vko16 vko17", "exp10", "exp05 exp07 exp14"),
    ("restaurant_service", "main", "vko18 vko19 vko20 vko21", "exp11", "exp03 exp17 exp22"),
    ("hairdressing", "main", "vko22 vko23 vko24 vko25 vko26", "exp18", "exp10 exp07 exp14"),
    ("it_network", "main", "vko27 vko28 vko29 vko30 vko31", "exp06", "exp21 exp02 exp11"),
    ("car_repair", "main", "vko32 vko33 vko34 vko35 vko36", "exp20", "exp17 exp15 exp08"),
    # Conflict-of-interest demo: exp21 (vkpk) judges vko40 (vkpk). Three other non-chief
    # experts remain, so every judgement aspect can still get three scores.
    ("cnc_turning", "main", "vko37 vko38 vko39 vko40", "exp04", "exp05 exp01 exp15 exp21"),
    ("plumbing", "main", "vko41 vko42 vko43 vko44", "exp09", "exp18 exp03 exp12"),
    ("cooking", "juniors", "vko45 vko46 vko47 vko48 vko49", "exp13", "exp22 exp12 exp02"),
)

_WS_KAZAKHSTAN_2025 = _competitions(
    ("welding", "main", "vko01 ast01 ala01 kar01 pav01", "exp29", "exp13 exp31 exp01"),
    ("electrical", "main", "vko07 ast02 ala02 kar02 aba01", "exp28", "exp08 exp30 exp06"),
    ("cooking", "main", "vko12 ast03 kar03 aba02", "exp25", "exp10 exp29 exp15"),
    ("it_network", "main", "vko27 ast04 ala03 kar04 pav02", "exp16", "exp31 exp30 exp21"),
    ("mechatronics", "main", "vko50 ast05 kar05 pav03", "exp26", "exp25 exp06 exp04"),
)

_AGROSKILLS_2025 = _competitions(
    ("agri_machinery", "main", "vko51 vko52 akm01 akm02 aba03", "exp23", "exp24 exp02 exp27"),
    ("veterinary", "main", "vko53 vko54 akm03 aba04 aba05", "exp11", "exp26 exp28 exp23"),
)

_ABILYMPICS_2025 = _competitions(
    ("abl_sewing", "schoolchildren", "vko55 vko56 ast06 ast07 pav04", "exp19", "exp25 exp27 exp07"),
    ("abl_graphics", "students", "vko57 vko58 ast08 ala04 kar06", "exp16", "exp15 exp28 exp30"),
    ("abl_cooking", "specialists", "vko59 vko60 ast09 pav05 aba06", "exp10", "exp26 exp27 exp15"),
)

CHAMPIONSHIPS: tuple[DemoChampionship, ...] = (
    DemoChampionship(
        key="ws_shygys_2025",
        kind="worldskills",
        level="regional",
        year=2025,
        region="VKO",
        title_ru="Региональный чемпионат «WorldSkills Shygys 2025»",
        title_kk="«WorldSkills Shygys 2025» өңірлік чемпионаты",
        title_en="WorldSkills Shygys 2025",
        starts_on="2025-05-12",
        ends_on="2025-05-16",
        tie_tolerance="0.00",
        min_competitors_for_medals=3,
        competitions=_WS_SHYGYS_2025,
    ),
    DemoChampionship(
        key="ws_kazakhstan_2025",
        kind="worldskills",
        level="republican",
        year=2025,
        region="AST",
        title_ru="Республиканский чемпионат «WorldSkills Kazakhstan 2025»",
        title_kk="«WorldSkills Kazakhstan 2025» республикалық чемпионаты",
        title_en="WorldSkills Kazakhstan 2025",
        starts_on="2025-12-04",
        ends_on="2025-12-06",
        tie_tolerance="0.00",
        min_competitors_for_medals=3,
        competitions=_WS_KAZAKHSTAN_2025,
    ),
    DemoChampionship(
        key="agroskills_2025",
        kind="agroskills",
        level="republican",
        year=2025,
        region="AKM",
        title_ru="Республиканский чемпионат «AgroSkills 2025»",
        title_kk="«AgroSkills 2025» республикалық чемпионаты",
        title_en="AgroSkills Kazakhstan 2025",
        starts_on="2025-10-21",
        ends_on="2025-10-23",
        tie_tolerance="0.50",
        min_competitors_for_medals=3,
        competitions=_AGROSKILLS_2025,
    ),
    DemoChampionship(
        key="abilympics_2025",
        kind="abilympics",
        level="republican",
        year=2025,
        region="AST",
        title_ru="Республиканский чемпионат «Abilympics-2025»",
        title_kk="«Abilympics-2025» республикалық чемпионаты",
        title_en="Abilympics Kazakhstan 2025",
        starts_on="2025-11-18",
        ends_on="2025-11-20",
        tie_tolerance="0.00",
        min_competitors_for_medals=3,
        competitions=_ABILYMPICS_2025,
    ),
)

ALL_CHAMPIONSHIPS: tuple[DemoChampionship, ...] = (*CHAMPIONSHIPS, CHAMPIONSHIP_2026)

#: (championship key, competency code, expert key): the one expert who shares an organisation
#: with a competitor of their competition (exp21 of vkpk and competitor vko40 of vkpk).
CONFLICT_OF_INTEREST_DEMO: tuple[str, str, str] = ("ws_shygys_2025", "cnc_turning", "exp21")


# ---------------------------------------------------------------------------------------------
# The akimat's nominations (Year of Working Professions 2025)
# ---------------------------------------------------------------------------------------------

NOMINATIONS: tuple[DemoNomination, ...] = (
    DemoNomination(
        key="best_patron",
        title_ru="Лучший меценат года",
        title_kk="Жылдың үздік меценаты",
        winners=("kazzinc",),
        citation="За поддержку колледжей области и оснащение мастерских в Год рабочих профессий",
    ),
    DemoNomination(
        key="best_social_partner",
        title_ru="Лучший социальный партнер",
        title_kk="Үздік әлеуметтік серіктес",
        winners=("uktmk", "umz", "uktec"),
        citation="За развитие дуального обучения и подготовку квалифицированных кадров",
    ),
    DemoNomination(
        key="continuous_education",
        title_ru="Партнер непрерывного образования",
        title_kk="Үздіксіз білім беру серіктесі",
        winners=("vku", "vktu", "kasu"),
        citation="За сотрудничество с колледжами региона в непрерывной подготовке кадров",
    ),
)


class DemoPrize(msgspec.Struct, frozen=True):
    place: int
    description: str
    amount_kzt: int


class DemoProgramme(msgspec.Struct, frozen=True):
    title_ru: str
    title_kk: str
    year: int
    region: RegionCode
    kinds: tuple[ChampionshipKindCode, ...]
    prizes: tuple[DemoPrize, ...]
    #: when the akimat reviews the proposals, and the forum where prizes are handed over
    review_on: date
    forum_on: date


#: The akim's prizes of the Year of Working Professions 2025. The seed says only that the
#: winners and prize-holders of the republican championships received valuable prizes from
#: the akim at the forum; the prizes, amounts and dates here are illustrative.
PRIZE_PROGRAMME = DemoProgramme(
    title_ru="Призы акима ВКО — Год рабочих профессий 2025",
    title_kk="ШҚО әкімінің сыйлықтары — Жұмысшы мамандықтары жылы 2025",
    year=2025,
    region="VKO",
    kinds=("worldskills", "agroskills", "abilympics"),
    prizes=(
        DemoPrize(1, "Ноутбук и денежная премия", 500_000),
        DemoPrize(2, "Планшет и денежная премия", 300_000),
        DemoPrize(3, "Смартфон и денежная премия", 200_000),
    ),
    review_on=date(2025, 12, 15),
    forum_on=date(2025, 12, 19),
)
