"""Demo history of the registry: the 2025 championships of East Kazakhstan region (VKO), and
the regional championship of 2026, still in progress on the demo's "today" (2 December 2026).

Pure data, no I/O, no randomness. The demo loader feeds these tables through the application
service; :func:`check` asserts the invariants the tables promise (run this module to check them).

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

import re
from datetime import date
from decimal import Decimal
from typing import Literal

import msgspec

RegionCode = Literal["VKO", "AST", "ALA", "KAR", "PAV", "ABA", "AKM"]
OrganisationKindCode = Literal["college", "university", "enterprise", "state_body"]
ChampionshipKindCode = Literal["worldskills", "agroskills", "abilympics"]
LevelCode = Literal["regional", "republican", "international"]
CategoryCode = Literal["main", "juniors", "schoolchildren", "students", "specialists"]
AspectTypeCode = Literal["measurement", "judgement"]
CriterionCode = Literal["A", "B", "C", "D", "E"]
#: How far the demo takes a competition: ``setup_partial`` (scheme set, the first entrants
#: registered, only the chief assigned), ``setup`` (entrants and experts, no scheme yet),
#: ``marking`` (day one marked, day two under way), ``disputed`` (all marked, one judgement
#: aspect disputed, the experts signed off), ``locked`` (all marked, signed off, locked,
#: waiting for publication), ``published`` (the whole story, as in 2025).
StageCode = Literal["setup_partial", "setup", "marking", "disputed", "locked", "published"]


class DemoOrganisation(msgspec.Struct, frozen=True):
    key: str
    name_ru: str
    name_kk: str
    kind: OrganisationKindCode
    region: RegionCode


class DemoAspect(msgspec.Struct, frozen=True):
    id: str
    criterion: CriterionCode
    description: str
    max_mark: str
    type: AspectTypeCode


class DemoCompetency(msgspec.Struct, frozen=True):
    code: str
    title_ru: str
    title_kk: str
    kind: ChampionshipKindCode
    scheme: tuple[DemoAspect, ...]


class DemoPerson(msgspec.Struct, frozen=True):
    key: str
    full_name: str
    organisation: str
    birth_date: str
    disability: str | None = None


class DemoExpert(msgspec.Struct, frozen=True):
    key: str
    name: str
    organisation: str


class DemoCompetition(msgspec.Struct, frozen=True):
    competency: str
    category: CategoryCode
    competitors: tuple[str, ...]
    chief: str
    experts: tuple[str, ...]
    #: how far the demo takes it (``STAGES``); every 2025 competition is published
    stage: StageCode = "published"


class DemoChampionship(msgspec.Struct, frozen=True):
    key: str
    kind: ChampionshipKindCode
    level: LevelCode
    year: int
    region: RegionCode
    title_ru: str
    title_kk: str
    title_en: str | None
    starts_on: str
    ends_on: str
    tie_tolerance: str
    min_competitors_for_medals: int
    competitions: tuple[DemoCompetition, ...]


class DemoNomination(msgspec.Struct, frozen=True):
    key: str
    title_ru: str
    title_kk: str
    winners: tuple[str, ...]
    citation: str


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
# Competencies and marking schemes
# _m(...) is a measurement aspect, _j(...) a judgement aspect: (id, description, max_mark); the
# criterion is the first letter of the id.
# ---------------------------------------------------------------------------------------------


def _m(aspect_id: str, description: str, max_mark: str) -> DemoAspect:
    """A measurement aspect; its criterion is the first letter of ``aspect_id``."""
    return DemoAspect(aspect_id, _criterion(aspect_id), description, max_mark, "measurement")


def _j(aspect_id: str, description: str, max_mark: str) -> DemoAspect:
    """A judgement aspect; its criterion is the first letter of ``aspect_id``."""
    return DemoAspect(aspect_id, _criterion(aspect_id), description, max_mark, "judgement")


_CRITERIA: dict[str, CriterionCode] = {"A": "A", "B": "B", "C": "C", "D": "D", "E": "E"}


def _criterion(aspect_id: str) -> CriterionCode:
    return _CRITERIA[aspect_id[:1]]


COMPETENCIES: tuple[DemoCompetency, ...] = (
    # WorldSkills
    DemoCompetency(
        code="welding",
        title_ru="Сварочные технологии",
        title_kk="Дәнекерлеу технологиясы",
        kind="worldskills",
        scheme=(
            _m("A1", "Соблюдение охраны труда и техники безопасности", "5.00"),
            _m("A2", "Организация рабочего места и расход материалов", "3.00"),
            _m("B1", "Точность сборки и соответствие размеров чертежу", "12.00"),
            _j("B2", "Внешний вид и геометрия швов контрольных пластин", "15.00"),
            _m("C1", "Герметичность сосуда под давлением", "20.00"),
            _m("C2", "Швы сосуда: отсутствие пор, подрезов и непроваров", "15.00"),
            _m("D1", "Результат радиографического контроля стыкового шва", "15.00"),
            _m("E1", "Качество сварки алюминиевой конструкции", "10.00"),
            _j("E2", "Общее впечатление от конструкции и культура производства", "5.00"),
        ),
    ),
    DemoCompetency(
        code="electrical",
        title_ru="Электромонтаж",
        title_kk="Электрмонтаж",
        kind="worldskills",
        scheme=(
            _m("A1", "Соблюдение охраны труда и электробезопасности", "6.00"),
            _m("A2", "Порядок на рабочем месте", "4.00"),
            _m("B1", "Монтаж кабель-каналов и лотков по чертежу (допуск ±2 мм)", "18.00"),
            _m("B2", "Установка и подключение оборудования распределительного щита", "20.00"),
            _m("C1", "Работа схемы управления согласно заданию", "22.00"),
            _m("C2", "Измерение сопротивления изоляции и протокол испытаний", "10.00"),
            _j("D1", "Качество разделки и маркировки проводов", "10.00"),
            _j("D2", "Эстетика монтажа и общее исполнение", "10.00"),
        ),
    ),
    DemoCompetency(
        code="cooking",
        title_ru="Поварское дело",
        title_kk="Аспаздық іс",
        kind="worldskills",
        scheme=(
            _m("A1", "Гигиена, санитария и пищевая безопасность", "8.00"),
            _m("A2", "Рациональное использование продуктов", "4.00"),
            _m("B1", "Холодная закуска: соответствие заданию, выход и время подачи", "8.00"),
            _j("B2", "Холодная закуска: вкус и текстура", "12.00"),
            _m("C1", "Горячее блюдо из мяса: соответствие заданию и время подачи", "8.00"),
            _j("C2", "Горячее блюдо: вкус, степень готовности, сочетание", "20.00"),
            _m("D1", "Десерт: соответствие заданию и время подачи", "8.00"),
            _j("D2", "Десерт: вкус и текстура", "12.00"),
            _j("E1", "Визуальное оформление и подача всех блюд", "20.00"),
        ),
    ),
    DemoCompetency(
        code="restaurant_service",
        title_ru="Ресторанный сервис",
        title_kk="Мейрамхана сервисі",
        kind="worldskills",
        scheme=(
            _m("A1", "Подготовка зала и сервировка столов по стандарту", "12.00"),
            _m("A2", "Внешний вид и личная гигиена официанта", "5.00"),
            _m("B1", "Обслуживание по меню а-ля карт: последовательность и техника", "18.00"),
            _j("B2", "Общение с гостями и гостеприимство", "15.00"),
            _m("C1", "Приготовление коктейлей и подача напитков", "15.00"),
            _m("C2", "Бариста: эспрессо и капучино", "15.00"),
            _m("D1", "Декантация и подача вина", "10.00"),
            _j("D2", "Общее впечатление от обслуживания", "10.00"),
        ),
    ),
    DemoCompetency(
        code="hairdressing",
        title_ru="Парикмахерское искусство",
        title_kk="Шаштараз өнері",
        kind="worldskills",
        scheme=(
            _m("A1", "Санитарные нормы и безопасность клиента", "6.00"),
            _m("A2", "Консультация и подготовка модели", "4.00"),
            _m("B1", "Женская модная стрижка: соответствие заданию", "15.00"),
            _j("B2", "Женская стрижка и укладка: общее впечатление", "15.00"),
            _m("C1", "Окрашивание: соответствие цвета и равномерность", "15.00"),
            _j("C2", "Окрашивание: коммерческая привлекательность образа", "10.00"),
            _m("D1", "Мужская стрижка: точность линий и переходов", "20.00"),
            _j("D2", "Мужская стрижка и оформление бороды: общее впечатление", "15.00"),
        ),
    ),
    DemoCompetency(
        code="it_network",
        title_ru="Сетевое и системное администрирование",
        title_kk="Желілік және жүйелік әкімшілендіру",
        kind="worldskills",
        scheme=(
            _m("A1", "Соблюдение регламента и документирование работ", "4.00"),
            _m("B1", "Коммутация: VLAN, агрегирование каналов, STP", "16.00"),
            _m("B2", "Маршрутизация: OSPF, BGP, статические маршруты", "18.00"),
            _m("C1", "Службы Linux: DNS, DHCP, веб-сервер", "16.00"),
            _m("C2", "Службы Windows Server: домен, групповые политики", "16.00"),
            _m("D1", "Сетевая безопасность: межсетевой экран, VPN, NAT", "18.00"),
            _j("E1", "Качество технической документации и схемы сети", "6.00"),
            _j("E2", "Поиск неисправностей: логика и объяснение решения", "6.00"),
        ),
    ),
    DemoCompetency(
        code="mechatronics",
        title_ru="Мехатроника",
        title_kk="Мехатроника",
        kind="worldskills",
        scheme=(
            _m("A1", "Охрана труда и порядок на рабочем месте", "5.00"),
            _m("B1", "Сборка и механическая наладка модульной системы", "20.00"),
            _m("B2", "Пневматический монтаж и подключение датчиков", "15.00"),
            _m("C1", "Программирование ПЛК и работа станции", "25.00"),
            _m("C2", "Интеграция станций и обмен данными", "15.00"),
            _j("D1", "Качество прокладки кабелей и пневмолиний", "10.00"),
            _j("D2", "Документация и презентация решения", "10.00"),
        ),
    ),
    DemoCompetency(
        code="car_repair",
        title_ru="Ремонт и обслуживание легковых автомобилей",
        title_kk="Жеңіл автомобильдерді жөндеу және оларға қызмет көрсету",
        kind="worldskills",
        scheme=(
            _m("A1", "Охрана труда и соблюдение регламента", "5.00"),
            _m("B1", "Диагностика и ремонт двигателя", "20.00"),
            _m("C1", "Диагностика электрических и электронных систем", "20.00"),
            _m("D1", "Ремонт тормозной системы и ходовой части", "20.00"),
            _m("D2", "Регулировка углов установки колёс", "10.00"),
            _j("E1", "Оформление заказ-наряда и общение с клиентом", "10.00"),
            _j("E2", "Культура выполнения работ и аккуратность", "15.00"),
        ),
    ),
    DemoCompetency(
        code="cnc_turning",
        title_ru="Токарные работы на станках с ЧПУ",
        title_kk="СББ станоктарындағы токарлық жұмыстар",
        kind="worldskills",
        scheme=(
            _m("A1", "Охрана труда и организация рабочего места", "5.00"),
            _m("A2", "Управляющая программа в CAM-системе", "10.00"),
            _m("B1", "Точность наружных диаметров", "25.00"),
            _m("B2", "Точность линейных размеров и резьбы", "20.00"),
            _m("C1", "Шероховатость поверхностей", "15.00"),
            _m("C2", "Сборка деталей узла", "10.00"),
            _j("D1", "Внешний вид детали: отсутствие заусенцев и забоин", "8.00"),
            _j("D2", "Рациональность технологии обработки", "7.00"),
        ),
    ),
    DemoCompetency(
        code="plumbing",
        title_ru="Сантехника и отопление",
        title_kk="Сантехника және жылыту",
        kind="worldskills",
        scheme=(
            _m("A1", "Охрана труда и порядок на рабочем месте", "5.00"),
            _m("B1", "Система отопления из медных труб: размеры по чертежу", "20.00"),
            _m("B2", "Система водоснабжения из полипропиленовых труб", "18.00"),
            _m("C1", "Подключение котла и санитарных приборов", "17.00"),
            _m("C2", "Опрессовка: герметичность систем под давлением", "20.00"),
            _j("D1", "Качество соединений и эстетика монтажа", "12.00"),
            _j("D2", "Общее впечатление и культура работы", "8.00"),
        ),
    ),
    # AgroSkills
    DemoCompetency(
        code="agri_machinery",
        title_ru="Эксплуатация сельскохозяйственных машин",
        title_kk="Ауыл шаруашылығы машиналарын пайдалану",
        kind="agroskills",
        scheme=(
            _m("A1", "Охрана труда и безопасная эксплуатация техники", "8.00"),
            _m("B1", "Подготовка трактора к работе и ежесменное обслуживание", "15.00"),
            _m("B2", "Агрегатирование трактора с сельхозмашиной", "15.00"),
            _m("C1", "Вождение машинно-тракторного агрегата по фигурному маршруту", "20.00"),
            _m("C2", "Настройка сеялки на заданную норму высева", "17.00"),
            _j("D1", "Поиск и устранение неисправностей", "15.00"),
            _j("D2", "Культура производства и общее впечатление", "10.00"),
        ),
    ),
    DemoCompetency(
        code="veterinary",
        title_ru="Ветеринария",
        title_kk="Ветеринария",
        kind="agroskills",
        scheme=(
            _m("A1", "Биобезопасность, санитария и охрана труда", "8.00"),
            _m("A2", "Фиксация животного и безопасное обращение", "7.00"),
            _m("B1", "Клинический осмотр и оформление документации", "20.00"),
            _m("B2", "Лабораторная диагностика: анализ крови, микроскопия", "20.00"),
            _m("C1", "Инъекции и лечебные манипуляции", "15.00"),
            _j("D1", "Обоснование диагноза и плана лечения", "15.00"),
            _j("D2", "Консультация владельца животного", "15.00"),
        ),
    ),
    # Abilympics
    DemoCompetency(
        code="abl_sewing",
        title_ru="Швея",
        title_kk="Тігінші",
        kind="abilympics",
        scheme=(
            _m("A1", "Безопасные приёмы работы на швейном оборудовании", "10.00"),
            _m("A2", "Организация рабочего места", "5.00"),
            _m("B1", "Раскрой изделия по лекалам", "20.00"),
            _m("B2", "Точность пошива: ширина швов и размеры изделия", "25.00"),
            _m("C1", "Влажно-тепловая обработка", "10.00"),
            _j("C2", "Внешний вид готового изделия", "20.00"),
            _j("C3", "Аккуратность и соблюдение времени", "10.00"),
        ),
    ),
    DemoCompetency(
        code="abl_cooking",
        title_ru="Кулинарное дело",
        title_kk="Аспаздық іс",
        kind="abilympics",
        scheme=(
            _m("A1", "Санитария, гигиена и безопасность", "10.00"),
            _m("A2", "Соблюдение рецептуры и выхода блюд", "15.00"),
            _m("B1", "Приготовление первого блюда", "15.00"),
            _m("B2", "Приготовление горячего второго блюда", "15.00"),
            _j("C1", "Вкус и качество блюд", "25.00"),
            _j("C2", "Оформление и подача", "20.00"),
        ),
    ),
    DemoCompetency(
        code="abl_graphics",
        title_ru="Компьютерная графика",
        title_kk="Компьютерлік графика",
        kind="abilympics",
        scheme=(
            _m("A1", "Соответствие макета техническому заданию", "20.00"),
            _m("A2", "Подготовка файлов к печати: формат, разрешение, цвет", "15.00"),
            _m("B1", "Работа с векторной графикой", "20.00"),
            _m("B2", "Обработка растровых изображений", "15.00"),
            _j("C1", "Композиция и типографика", "15.00"),
            _j("C2", "Оригинальность и общее впечатление", "15.00"),
        ),
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


def _competitions(*rows: tuple[str, CategoryCode, str, str, str]) -> tuple[DemoCompetition, ...]:
    """The competitions of a championship from its table rows."""
    return tuple(
        DemoCompetition(
            competency, category, tuple(competitors.split()), chief, tuple(experts.split())
        )
        for competency, category, competitors, chief, experts in rows
    )


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

#: The championship still in progress on the demo's "today" (2 December 2026). Not in
#: ``CHAMPIONSHIPS`` (the finished 2025 ones); ``ALL_CHAMPIONSHIPS`` holds both.
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
ALL_CHAMPIONSHIPS: tuple[DemoChampionship, ...] = (*CHAMPIONSHIPS, CHAMPIONSHIP_2026)
#: The 2026 competitions whose expert and chief get demo tokens, by stage: the one in
#: marking (its expert also has a competitor of their own college, to try a refusal) and
#: the one with a disputed aspect (its chief).
TOKENS_2026: dict[StageCode, str] = {"marking": "electrical", "disputed": "cooking"}
#: (competency, position of the competitor, aspect): the 2026 dispute, scores 1, 3, 3.
DISPUTE_2026: tuple[str, int, str] = ("cooking", 1, "C2")

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


# ---------------------------------------------------------------------------------------------
# Invariants
# ---------------------------------------------------------------------------------------------

_HUNDRED = Decimal("100.00")
_MARK_PATTERN = re.compile(r"^\d{1,3}\.\d{2}$")
_CATEGORIES_BY_KIND: dict[str, frozenset[str]] = {
    "worldskills": frozenset({"main", "juniors"}),
    "agroskills": frozenset({"main"}),
    "abilympics": frozenset({"schoolchildren", "students", "specialists"}),
}
#: Allowed age (in whole years, on the first day of the championship) by category.
_AGES_BY_CATEGORY: dict[str, tuple[int, int]] = {
    "main": (16, 22),
    "juniors": (14, 16),
    "schoolchildren": (14, 18),
    "students": (16, 25),
    "specialists": (20, 50),
}
_REGIONS = frozenset({"VKO", "AST", "ALA", "KAR", "PAV", "ABA", "AKM"})
_KAZAKH_LETTERS = frozenset("ӘҒҚҢӨҰҮҺІәғқңөұүһі")


def _age_on(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def _unique(keys: list[str], what: str) -> None:
    duplicates = sorted({key for key in keys if keys.count(key) > 1})
    assert not duplicates, f"duplicate {what}: {duplicates}"


def _check_scheme(competency: DemoCompetency) -> None:
    scheme = competency.scheme
    code = competency.code
    assert 6 <= len(scheme) <= 12, f"{code}: {len(scheme)} aspects"
    _unique([aspect.id for aspect in scheme], f"aspect ids of {code}")
    criteria = {aspect.criterion for aspect in scheme}
    assert 3 <= len(criteria) <= 5, f"{code}: {len(criteria)} criteria"
    assert criteria <= set("ABCDE"), f"{code}: criteria {sorted(criteria)}"
    total = Decimal("0.00")
    for aspect in scheme:
        assert aspect.id.startswith(aspect.criterion), f"{code}/{aspect.id}: criterion"
        assert aspect.description.strip(), f"{code}/{aspect.id}: description"
        assert _MARK_PATTERN.match(aspect.max_mark), f"{code}/{aspect.id}: {aspect.max_mark}"
        mark = Decimal(aspect.max_mark)
        assert mark > 0, f"{code}/{aspect.id}: max_mark must be positive"
        total += mark
    assert total == _HUNDRED and str(total) == "100.00", f"{code}: scheme adds up to {total}"
    kinds = [aspect.type for aspect in scheme]
    assert kinds.count("judgement") >= 2, f"{code}: fewer than 2 judgement aspects"
    assert kinds.count("measurement") >= 1, f"{code}: no measurement aspect"


def check() -> None:
    """Assert every invariant the demo tables promise; raise AssertionError on the first miss."""
    organisations = {o.key: o for o in ORGANISATIONS}
    competencies = {c.code: c for c in COMPETENCIES}
    people = {p.key: p for p in PEOPLE}
    experts = {e.key: e for e in EXPERTS}
    championships = {c.key: c for c in CHAMPIONSHIPS}

    # Unique keys and natural keys.
    _unique([o.key for o in ORGANISATIONS], "organisation keys")
    _unique([o.name_ru for o in ORGANISATIONS], "organisation Russian names")
    _unique([o.name_kk for o in ORGANISATIONS], "organisation Kazakh names")
    _unique([c.code for c in COMPETENCIES], "competency codes")
    _unique([p.key for p in PEOPLE], "person keys")
    _unique([e.key for e in EXPERTS], "expert keys")
    _unique([p.full_name for p in PEOPLE] + [e.name for e in EXPERTS], "names of people")
    _unique([c.key for c in CHAMPIONSHIPS], "championship keys")
    _unique([n.key for n in NOMINATIONS], "nomination keys")

    # Organisations.
    for org in ORGANISATIONS:
        assert org.key.isascii() and org.key == org.key.lower(), org.key
        assert org.kind in {"college", "university", "enterprise", "state_body"}, org.key
        assert org.region in _REGIONS, org.key
    vko_colleges = [o for o in ORGANISATIONS if o.region == "VKO" and o.kind == "college"]
    assert len(vko_colleges) >= 8, "fewer than 8 VKO colleges"
    other_colleges = [o for o in ORGANISATIONS if o.region != "VKO" and o.kind == "college"]
    assert len(other_colleges) >= 4, "fewer than 4 colleges of other regions"
    for key in ("kazzinc", "uktmk", "umz", "uktec", "vku", "vktu", "kasu", "upr_vko"):
        assert organisations[key].region == "VKO", key

    # Competencies.
    for competency in COMPETENCIES:
        assert competency.code.isascii(), competency.code
        assert competency.kind in _CATEGORIES_BY_KIND, competency.code
        _check_scheme(competency)
    by_kind = [c.kind for c in COMPETENCIES]
    assert by_kind.count("worldskills") >= 8, "fewer than 8 WorldSkills competencies"
    assert by_kind.count("agroskills") >= 2, "fewer than 2 AgroSkills competencies"
    assert by_kind.count("abilympics") >= 3, "fewer than 3 Abilympics competencies"

    # People and experts.
    for person in PEOPLE:
        assert person.organisation in organisations, f"{person.key}: {person.organisation}"
        date.fromisoformat(person.birth_date)
        assert len(person.full_name.split()) in (2, 3), person.full_name
    for expert in EXPERTS:
        assert expert.organisation in organisations, f"{expert.key}: {expert.organisation}"
        assert organisations[expert.organisation].kind != "state_body", expert.key
    names = [p.full_name for p in PEOPLE] + [e.name for e in EXPERTS]
    kazakh = [name for name in names if _KAZAKH_LETTERS & set(name)]
    assert len(kazakh) >= len(names) // 3, "too few names with Kazakh letters"
    for name in names:
        assert not (set(name) & set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")), (
            f"Latin letter in a Cyrillic name: {name!r}"
        )

    # Championships and competitions.
    competing: set[str] = set()
    judging: set[str] = set()
    in_abilympics: set[str] = set()
    conflicts: list[tuple[str, str, str]] = []
    for champ in ALL_CHAMPIONSHIPS:
        finished = champ is not CHAMPIONSHIP_2026
        assert champ.kind in _CATEGORIES_BY_KIND, champ.key
        assert champ.level in {"regional", "republican", "international"}, champ.key
        assert champ.region in _REGIONS, champ.key
        assert champ.year == (2025 if finished else 2026), champ.key
        assert {c.stage == "published" for c in champ.competitions} == {finished}, champ.key
        starts, ends = date.fromisoformat(champ.starts_on), date.fromisoformat(champ.ends_on)
        assert starts <= ends and starts.year == ends.year == champ.year, champ.key
        assert _MARK_PATTERN.match(champ.tie_tolerance), champ.key
        assert champ.min_competitors_for_medals == 3, champ.key
        assert champ.title_ru and champ.title_kk, champ.key
        _unique(
            [f"{c.competency}/{c.category}" for c in champ.competitions],
            f"competitions of {champ.key}",
        )
        _unique(
            [p for c in champ.competitions for p in c.competitors],
            f"competitors entered twice in {champ.key}",
        )
        _unique([c.chief for c in champ.competitions], f"chiefs of two competitions in {champ.key}")
        panels = [e for c in champ.competitions for e in (c.chief, *c.experts)]
        overloaded = sorted({e for e in panels if panels.count(e) > 2})
        assert not overloaded, f"{champ.key}: experts in more than 2 competitions: {overloaded}"
        for comp in champ.competitions:
            where = f"{champ.key}/{comp.competency}/{comp.category}"
            assert comp.competency in competencies, where
            assert competencies[comp.competency].kind == champ.kind, f"{where}: kind"
            assert comp.category in _CATEGORIES_BY_KIND[champ.kind], f"{where}: category"
            assert 4 <= len(comp.competitors) <= 8, f"{where}: {len(comp.competitors)} entrants"
            _unique(list(comp.competitors), f"competitors of {where}")
            assert comp.chief in experts, f"{where}: chief {comp.chief}"
            assert comp.chief not in comp.experts, f"{where}: chief listed among experts"
            _unique(list(comp.experts), f"experts of {where}")
            assert len(comp.experts) >= 3, f"{where}: fewer than 3 non-chief experts"
            low, high = _AGES_BY_CATEGORY[comp.category]
            regions = set()
            competitor_orgs = set()
            for key in comp.competitors:
                assert key in people, f"{where}: unknown competitor {key}"
                person = people[key]
                age = _age_on(date.fromisoformat(person.birth_date), starts)
                assert low <= age <= high, f"{where}: {key} is {age}"
                regions.add(organisations[person.organisation].region)
                competitor_orgs.add(person.organisation)
                competing.add(key)
                if champ.kind == "abilympics":
                    in_abilympics.add(key)
            if champ.level == "regional":
                assert regions == {champ.region}, f"{where}: competitor from another region"
            else:
                assert "VKO" in regions and len(regions) >= 3, f"{where}: regions {regions}"
            for expert_key in (comp.chief, *comp.experts):
                assert expert_key in experts, f"{where}: unknown expert {expert_key}"
                judging.add(expert_key)
                if finished and experts[expert_key].organisation in competitor_orgs:
                    conflicts.append((champ.key, comp.competency, expert_key))
            # Every competitor can be scored by the chief and three unconflicted experts.
            for key in comp.competitors:
                org = people[key].organisation
                if finished:
                    assert experts[comp.chief].organisation != org, f"{where}: chief conflicted"
                free = [e for e in comp.experts if experts[e].organisation != org]
                assert len(free) >= 3, f"{where}: fewer than 3 unconflicted experts for {key}"
    ws_regional = championships["ws_shygys_2025"]
    assert ws_regional.kind == "worldskills" and ws_regional.level == "regional"
    assert len(ws_regional.competitions) >= 6, "fewer than 6 regional WorldSkills competitions"
    assert any(c.category == "juniors" for c in ws_regional.competitions), "no juniors"
    assert {c.kind for c in CHAMPIONSHIPS if c.level == "republican"} == set(_CATEGORIES_BY_KIND)
    abilympics = [c for c in CHAMPIONSHIPS if c.kind == "abilympics"]
    assert {comp.category for c in abilympics for comp in c.competitions} == set(
        _CATEGORIES_BY_KIND["abilympics"]
    ), "Abilympics must have one competition per category"

    # 2026: a competition at every stage; its chiefs are chiefs of 2025 (no account changes
    # role); the expert (listed first) and the chief of the competition in marking whose
    # tokens the demo issues each share a college with a competitor (a refusal to try); the
    # chief of the disputed competition may correct the disputed score.
    stages = {c.stage for c in CHAMPIONSHIP_2026.competitions}
    assert stages == {"setup_partial", "setup", "marking", "disputed", "locked"}, stages
    chiefs_2025 = {c.chief for ch in CHAMPIONSHIPS for c in ch.competitions}
    assert {c.chief for c in CHAMPIONSHIP_2026.competitions} <= chiefs_2025
    by_code = {c.competency: c for c in CHAMPIONSHIP_2026.competitions}
    for stage, code in TOKENS_2026.items():
        assert by_code[code].stage == stage, code
    marking = by_code[TOKENS_2026["marking"]]
    home = {people[key].organisation for key in marking.competitors}
    assert experts[marking.chief].organisation in home, "the chief has no competitor to refuse"
    assert experts[marking.experts[0]].organisation in home, "the expert has none to refuse"
    code, position, aspect_id = DISPUTE_2026
    disputed = by_code[code]
    assert by_code[code].stage == "disputed"
    aspect = next(a for a in competencies[code].scheme if a.id == aspect_id)
    assert aspect.type == "judgement", DISPUTE_2026
    assert experts[disputed.chief].organisation != (
        people[disputed.competitors[position]].organisation
    ), "the chief cannot correct the disputed score"

    # Conflict of interest: exactly the declared one, in a competition it identifies uniquely.
    assert conflicts == [CONFLICT_OF_INTEREST_DEMO], f"conflicts: {conflicts}"
    champ_key, code, _ = CONFLICT_OF_INTEREST_DEMO
    matching = [c for c in championships[champ_key].competitions if c.competency == code]
    assert len(matching) == 1, "the conflict demo must name exactly one competition"

    # Everyone is used; disability is recorded for exactly the Abilympics participants.
    assert competing == set(people), f"people never competing: {sorted(set(people) - competing)}"
    assert judging == set(experts), f"experts never judging: {sorted(set(experts) - judging)}"
    for person in PEOPLE:
        if person.key in in_abilympics:
            assert person.disability, f"{person.key}: Abilympics participant without disability"
        else:
            assert person.disability is None, f"{person.key}: disability outside Abilympics"

    # Nominations.
    assert len(NOMINATIONS) == 3
    for nomination in NOMINATIONS:
        assert nomination.winners and nomination.citation, nomination.key
        for winner in nomination.winners:
            assert winner in organisations, f"{nomination.key}: {winner}"


if __name__ == "__main__":
    check()
    print("ok")
