"""The import layouts: what each kind of spreadsheet holds, its templates, its header.

A :class:`Layout` (one per kind: ``participants``, ``experts``, ``scheme``, ``marks``) names
its sheet and its columns (:class:`Field`: a stable ``key``, the header in Russian, Kazakh
and English, whether it must be filled, what it holds, the codes of a drop-down). The same
declaration makes the downloadable template (:func:`template`), finds the sheet of a file
(:func:`table_of`) and its columns (:func:`header_map`), and is documented in
``docs/SPREADSHEETS.md``.

Headers are recognised in any of the three languages, by the key, or by a usual synonym
("ФИО", "Аты-жөні"), ignoring case, spaces, "ё", a trailing ``*`` (the template's mark of a
required column) and a trailing colon; a template's header "Russian / Kazakh" is recognised
whole or by either half. A column of row numbers ("№", "п/п") is ignored; any other column
this layout does not have is refused (a misspelt optional column would otherwise be dropped
without a word), except in the mark sheet, whose other columns are the aspect ids.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from domain.errors import N_
from domain.values import AspectType, ExpertRole, OrganisationKind
from sheets.reader import SheetRefused, Table, column_letter
from sheets.writer import Column, Sheet, write_workbook

Kind = Literal["text", "number", "integer", "date", "code"]
LANGS = ("ru", "kk", "en")


@dataclass(frozen=True)
class Field:
    """One column of a layout. ``kind`` is what a cell holds: ``code`` is one of
    ``choices`` (a drop-down in the template). ``help_*`` explain it in the template's
    instruction sheet and the documentation; ``aliases`` are other headers recognised."""

    key: str
    ru: str
    kk: str
    en: str
    required: bool
    kind: Kind = "text"
    choices: tuple[str, ...] = ()
    help_ru: str = ""
    help_kk: str = ""
    help_en: str = ""
    aliases: tuple[str, ...] = ()
    width: float = 24.0

    def header(self, lang: str) -> str:
        """The template's header: the language asked first, then Russian (or Kazakh when
        Russian was asked); ``*`` marks a required column."""
        first = self.title(lang)
        second = self.kk if lang == "ru" else self.ru
        text = first if second == first else f"{first} / {second}"
        return f"{text} *" if self.required else text

    def title(self, lang: str) -> str:
        return {"ru": self.ru, "kk": self.kk}.get(lang, self.en)

    def help(self, lang: str) -> str:
        return {"ru": self.help_ru, "kk": self.help_kk}.get(lang, self.help_en)


@dataclass(frozen=True)
class Layout:
    """A kind of spreadsheet: its sheet (named in the three languages) and its columns.
    ``open_columns``: columns other than the fields are the caller's (the aspect ids of a
    mark sheet) rather than refused."""

    kind: str
    sheet: str
    sheet_kk: str
    sheet_en: str
    fields: tuple[Field, ...]
    open_columns: bool = False
    #: what the instruction sheet says first (ru, kk, en)
    about: tuple[str, str, str] = ("", "", "")
    _names: dict[str, str] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        for item in self.fields:
            for name in (item.key, item.ru, item.kk, item.en, *item.aliases):
                self._names.setdefault(normalised(name), item.key)

    def sheet_name(self, lang: str) -> str:
        return {"ru": self.sheet, "kk": self.sheet_kk}.get(lang, self.sheet_en)

    def field(self, key: str) -> Field:
        return next(f for f in self.fields if f.key == key)

    def key_of(self, header: str) -> str | None:
        """The field a header names (None: not one of this layout's)."""
        text = normalised(header)
        if text in self._names:
            return self._names[text]
        parts = {self._names.get(normalised(part)) for part in header.split("/")}
        if len(parts) == 1:
            return parts.pop()
        parts.discard(None)
        return parts.pop() if len(parts) == 1 else None


def normalised(text: str) -> str:
    """A header as it is compared: case, "ё", ``_``, spaces, a trailing ``*`` or ``:`` are
    not told apart."""
    text = text.casefold().replace("ё", "е").replace("_", " ").replace("*", " ")
    return " ".join(text.split()).strip(" :.")


#: headers of a column of row numbers, which is ignored
NUMBERING = frozenset(normalised(n) for n in ("№", "#", "No", "N", "п/п", "№ п/п", "р/с", "№ р/с"))
#: sheets a template adds beside the data (and the writer's hidden lists)
INSTRUCTION_SHEETS = {"ru": "Инструкция", "kk": "Нұсқаулық", "en": "Instructions"}
_NOT_DATA = frozenset(normalised(n) for n in (*INSTRUCTION_SHEETS.values(), "_lists"))

_ORGANISATION_KINDS = tuple(kind.value for kind in OrganisationKind)
_ROLES = tuple(role.value for role in ExpertRole)
_ASPECT_TYPES = tuple(kind.value for kind in AspectType)

_ORGANISATION = Field(
    "organisation",
    "Организация (на русском)",
    "Ұйым (орыс тілінде)",
    "Organisation (Russian name)",
    True,
    help_ru="Название организации на русском, как оно зарегистрировано (или её ID). "
    "Незарегистрированная организация будет зарегистрирована.",
    help_kk="Ұйымның орыс тіліндегі тіркелген атауы (немесе оның ID). Тіркелмеген ұйым тіркеледі.",
    help_en="The organisation's Russian name as registered (or its id). An organisation not "
    "registered yet is registered.",
    aliases=("Организация", "Ұйым", "Organisation", "Organization", "Учебное заведение"),
    width=34,
)
_REGION = Field(
    "region",
    "Регион (код)",
    "Өңір (коды)",
    "Region (code)",
    False,
    help_ru="Код региона организации латиницей, например VKO. Пусто: регион чемпионата.",
    help_kk="Ұйым өңірінің латын әріптерімен коды, мысалы VKO. Бос болса: чемпионат өңірі.",
    help_en="The organisation's region code in Latin letters, e.g. VKO. Empty: the "
    "championship's region.",
    aliases=("Регион", "Өңір", "Region", "Область", "Облыс"),
    width=14,
)

PARTICIPANTS = Layout(
    "participants",
    "Участники",
    "Қатысушылар",
    "Participants",
    (
        Field(
            "full_name",
            "Фамилия, имя, отчество",
            "Тегі, аты, әкесінің аты",
            "Full name",
            True,
            help_ru="Полностью, как в документе: Нұрланов Әлихан Серікұлы.",
            help_kk="Құжаттағыдай толық: Нұрланов Әлихан Серікұлы.",
            help_en="In full, as in the person's papers: Нұрланов Әлихан Серікұлы.",
            aliases=("ФИО", "Ф.И.О.", "Аты-жөні", "Участник", "Қатысушы", "Name"),
            width=36,
        ),
        Field(
            "birth_date",
            "Дата рождения",
            "Туған күні",
            "Birth date",
            False,
            kind="date",
            help_ru="Дата (ДД.ММ.ГГГГ). Нужна, чтобы отличить однофамильцев; хранится "
            "зашифрованной.",
            help_kk="Күні (КК.АА.ЖЖЖЖ). Аттастарды ажырату үшін керек; шифрланып сақталады.",
            help_en="A date (DD.MM.YYYY). Tells namesakes apart; stored sealed.",
            aliases=("Дата рожд.", "Date of birth", "Туған күні"),
            width=16,
        ),
        _ORGANISATION,
        Field(
            "organisation_kk",
            "Организация (на казахском)",
            "Ұйым (қазақ тілінде)",
            "Organisation (Kazakh name)",
            False,
            help_ru="Название на казахском: нужно только для новой организации.",
            help_kk="Қазақ тіліндегі атауы: тек жаңа ұйым үшін керек.",
            help_en="The Kazakh name: needed only for a new organisation.",
            width=34,
        ),
        Field(
            "organisation_kind",
            "Вид организации",
            "Ұйым түрі",
            "Organisation kind",
            False,
            kind="code",
            choices=_ORGANISATION_KINDS,
            help_ru="Из списка: college (колледж), university (вуз), enterprise "
            "(предприятие), state_body (госорган). Нужен только для новой организации.",
            help_kk="Тізімнен: college (колледж), university (ЖОО), enterprise (кәсіпорын), "
            "state_body (мемлекеттік орган). Тек жаңа ұйым үшін керек.",
            help_en="From the list: college, university, enterprise, state_body. Needed only "
            "for a new organisation.",
            aliases=("Вид", "Тип организации", "Түрі"),
            width=18,
        ),
        _REGION,
        Field(
            "disability",
            "Инвалидность (нозология)",
            "Мүгедектік (нозология)",
            "Disability",
            False,
            help_ru="Только для Абилимпикса; хранится зашифрованной, видна организаторам и "
            "аудиторам.",
            help_kk="Тек Абилимпикс үшін; шифрланып сақталады, ұйымдастырушылар мен "
            "аудиторларға көрінеді.",
            help_en="Abilympics only; stored sealed, shown to organisers and auditors.",
            aliases=("Инвалидность", "Нозология", "Мүгедектік"),
        ),
        Field(
            "name_latin",
            "ФИО латиницей",
            "Аты-жөні латынша",
            "Name in Latin letters",
            False,
            help_ru="Как печатать в международных дипломах (необязательно).",
            help_kk="Халықаралық дипломдарда қалай басылады (міндетті емес).",
            help_en="As printed on international diplomas (optional).",
            width=30,
        ),
        Field(
            "participant_id",
            "ID участника",
            "Қатысушы ID",
            "Participant id",
            False,
            help_ru="Обычно пусто. Если проверка скажет, что человек, возможно, уже "
            "зарегистрирован: его ID, или «новый» для другого человека.",
            help_kk="Әдетте бос. Тексеру адам бұрын тіркелген болуы мүмкін десе: оның ID, "
            "немесе басқа адам үшін «жаңа».",
            help_en="Usually empty. If the check says the person may be registered already: "
            "their id, or «new» for another person.",
            aliases=("ID",),
            width=38,
        ),
    ),
    about=(
        "Список участников соревнования: одна строка на человека. Организация и человек "
        "регистрируются, если их ещё нет, и человек вносится в соревнование.",
        "Жарыс қатысушыларының тізімі: бір жол бір адамға. Ұйым мен адам әлі тіркелмесе "
        "тіркеледі, және адам жарысқа енгізіледі.",
        "A competition's entrant list: one row per person. The organisation and the person "
        "are registered if they are not yet, and the person is entered.",
    ),
)

EXPERTS = Layout(
    "experts",
    "Эксперты",
    "Сарапшылар",
    "Experts",
    (
        Field(
            "account",
            "Учётная запись (имя или ID)",
            "Есептік жазба (аты немесе ID)",
            "Account (name or id)",
            True,
            help_ru="Имя учётной записи эксперта в реестре (или её ID); запись создаёт "
            "администратор.",
            help_kk="Сарапшының тізілімдегі есептік жазбасының аты (немесе ID); жазбаны "
            "әкімші жасайды.",
            help_en="The expert's account name in the registry (or its id); an admin creates "
            "accounts.",
            aliases=("Эксперт", "Сарапшы", "Expert", "Учётная запись", "Есептік жазба", "Account"),
            width=36,
        ),
        Field(
            "role",
            "Роль",
            "Рөлі",
            "Role",
            True,
            kind="code",
            choices=_ROLES,
            help_ru="Из списка: chief (главный эксперт, один на соревнование) или expert.",
            help_kk="Тізімнен: chief (бас сарапшы, жарысқа біреу) немесе expert.",
            help_en="From the list: chief (the chief expert, one per competition) or expert.",
            aliases=("Рөл",),
            width=14,
        ),
        Field(
            "organisation",
            _ORGANISATION.ru,
            _ORGANISATION.kk,
            _ORGANISATION.en,
            True,
            help_ru="Организация эксперта (на русском или её ID); она должна быть "
            "зарегистрирована. По ней проверяется конфликт интересов.",
            help_kk="Сарапшының ұйымы (орыс тілінде немесе ID); ол тіркелген болуы керек. "
            "Мүдделер қақтығысы соған қарай тексеріледі.",
            help_en="The expert's organisation (Russian name or id); it must be registered. "
            "Conflicts of interest are checked by it.",
            aliases=_ORGANISATION.aliases,
            width=34,
        ),
        _REGION,
    ),
    about=(
        "Эксперты соревнования: одна строка на эксперта. Учётные записи должны существовать.",
        "Жарыс сарапшылары: бір жол бір сарапшыға. Есептік жазбалар болуы керек.",
        "The experts of a competition: one row per expert. Their accounts must exist.",
    ),
)

SCHEME = Layout(
    "scheme",
    "Схема оценки",
    "Бағалау схемасы",
    "Marking scheme",
    (
        Field(
            "criterion",
            "Критерий",
            "Критерий",
            "Criterion",
            True,
            help_ru="Буква критерия: A, B, C… (1–3 латинские буквы).",
            help_kk="Критерий әрпі: A, B, C… (1–3 латын әрпі).",
            help_en="The criterion's letter: A, B, C… (1-3 Latin letters).",
            width=12,
        ),
        Field(
            "aspect_id",
            "Код аспекта",
            "Аспект коды",
            "Aspect id",
            True,
            help_ru="Уникальный код аспекта, например A1; он же заголовок столбца в листе оценок.",
            help_kk="Аспектінің бірегей коды, мысалы A1; бағалар парағындағы баған атауы да осы.",
            help_en="The aspect's unique id, e.g. A1; also its column's header in a mark sheet.",
            aliases=("ID аспекта", "Аспект", "Aspect", "Код"),
            width=14,
        ),
        Field(
            "description",
            "Описание аспекта",
            "Аспект сипаттамасы",
            "Description",
            True,
            help_ru="Что оценивается.",
            help_kk="Не бағаланады.",
            help_en="What is marked.",
            aliases=("Описание", "Сипаттама", "Аспект сипаттамасы"),
            width=50,
        ),
        Field(
            "type",
            "Тип аспекта",
            "Аспект түрі",
            "Type",
            True,
            kind="code",
            choices=_ASPECT_TYPES,
            help_ru="Из списка: measurement (измеримый) или judgement (судейский, три оценки 0–3).",
            help_kk="Тізімнен: measurement (өлшенетін) немесе judgement (төрешілік, үш баға 0–3).",
            help_en="From the list: measurement or judgement (three scores 0-3).",
            aliases=("Тип", "Түрі", "Aspect type"),
            width=16,
        ),
        Field(
            "max_mark",
            "Максимальный балл",
            "Ең жоғары балл",
            "Max mark",
            True,
            kind="number",
            help_ru="Число с двумя знаками после запятой, например 2,50. Сумма по схеме — 100,00.",
            help_kk="Үтірден кейін екі таңбалы сан, мысалы 2,50. Схема бойынша қосынды — 100,00.",
            help_en="A number with two decimals, e.g. 2.50. The scheme adds up to 100.00.",
            aliases=("Макс. балл", "Максимум", "Max", "Maximum mark"),
            width=16,
        ),
    ),
    about=(
        "Схема оценки соревнования: одна строка на аспект. Заменяет всю схему целиком.",
        "Жарыстың бағалау схемасы: бір жол бір аспектіге. Бүкіл схеманы ауыстырады.",
        "A competition's marking scheme: one row per aspect. It replaces the whole scheme.",
    ),
)

MARKS = Layout(
    "marks",
    "Оценки",
    "Бағалар",
    "Marks",
    (
        Field(
            "competitor",
            "Участник (ФИО или ID)",
            "Қатысушы (аты-жөні немесе ID)",
            "Competitor (full name or id)",
            True,
            help_ru="Участник соревнования: ФИО или ID. Остальные столбцы — коды аспектов "
            "схемы, в ячейках — ваши оценки.",
            help_kk="Жарыс қатысушысы: аты-жөні немесе ID. Қалған бағандар — схема "
            "аспектілерінің кодтары, ұяшықтарда — сіздің бағаларыңыз.",
            help_en="The competitor: full name or id. The other columns are the scheme's "
            "aspect ids, the cells your marks.",
            aliases=("Участник", "Қатысушы", "ФИО", "Аты-жөні", "Competitor", "Name"),
            width=36,
        ),
    ),
    open_columns=True,
    about=(
        "Лист оценок одного эксперта (того, кто загружает файл): строка на участника, "
        "столбец на аспект. Измеримый аспект: балл (2,50); судейский: оценка 0–3.",
        "Бір сарапшының бағалар парағы (файлды жүктейтін): жол қатысушыға, баған аспектіге. "
        "Өлшенетін аспект: балл (2,50); төрешілік: 0–3 баға.",
        "One expert's mark sheet (whoever uploads it): a row per competitor, a column per "
        "aspect. A measurement: a mark (2.50); a judgement: a score 0-3.",
    ),
)

LAYOUTS: dict[str, Layout] = {
    layout.kind: layout for layout in (PARTICIPANTS, EXPERTS, SCHEME, MARKS)
}


# ------------------------------------------------------------------ reading


def table_of(tables: Mapping[str, Table], layout: Layout) -> Table:
    """The sheet of ``layout`` in a file: the one named as the layout's sheet (in any
    language, or its kind), else the only sheet with something in it besides a template's
    instructions. Refuses a file where it is missing, or empty."""
    names = {normalised(n) for n in (layout.sheet, layout.sheet_kk, layout.sheet_en, layout.kind)}
    chosen = next((t for name, t in tables.items() if normalised(name) in names), None)
    if chosen is None:
        filled = [t for name, t in tables.items() if t.header and normalised(name) not in _NOT_DATA]
        if len(filled) == 1:
            chosen = filled[0]
        else:
            raise SheetRefused(
                N_(
                    'The file has no sheet "%(expected)s" (its sheets: %(found)s). Name the '
                    "sheet with the list so, or send a file with that sheet alone."
                ),
                params={
                    "expected": f"{layout.sheet} / {layout.sheet_kk}",
                    "found": ", ".join(f"«{name}»" for name in tables) or "—",
                },
            )
    if not chosen.header:
        raise SheetRefused(
            N_(
                'Sheet "%(sheet)s" is empty: its first row must hold the column headers of '
                "the template, and the rows below them the list."
            ),
            params={"sheet": chosen.sheet},
            sheet=chosen.sheet,
        )
    return chosen


def header_map(
    layout: Layout, header: tuple[str, ...], *, sheet: str | None = None, row: int = 1
) -> dict[str, int]:
    """The column index of each field the header has (by key). Refuses a column this layout
    does not have (unless ``layout.open_columns``; a column of row numbers is ignored), a
    field given twice, and a required field missing, naming them. ``sheet`` and ``row`` (the
    header's) say where, for the refusal."""
    found: dict[str, int] = {}
    for index, text in enumerate(header):
        if not text or not text.strip():
            continue
        key = layout.key_of(text)
        if key is None:
            if normalised(text) in NUMBERING or layout.open_columns:
                continue
            raise SheetRefused(
                N_(
                    'Column %(column)s is headed "%(value)s", which this list does not have. '
                    "Give it one of the template's headers (%(headers)s), or delete the "
                    "column."
                ),
                params={"headers": ", ".join(f"«{f.ru}»" for f in layout.fields)},
                sheet=sheet,
                row=row,
                column=column_letter(index),
                value=text,
            )
        if key in found:
            raise SheetRefused(
                N_(
                    'Columns %(first)s and %(column)s are both "%(header)s". Keep one of '
                    "them, save and send the file again."
                ),
                params={"first": column_letter(found[key]), "header": layout.field(key).ru},
                sheet=sheet,
                row=row,
                column=column_letter(index),
                value=text,
            )
        found[key] = index
    missing = [f for f in layout.fields if f.required and f.key not in found]
    if missing:
        raise SheetRefused(
            N_(
                "The list has no column %(headers)s. Add it to the first row (the template "
                "has every column), save and send the file again."
            ),
            params={"headers": ", ".join(f"«{f.ru} / {f.kk}»" for f in missing)},
            sheet=sheet,
            row=row,
        )
    return found


# ------------------------------------------------------------------ templates

_INSTRUCTION_HEADERS = {
    "ru": ("Столбец", "Обязательный", "Что писать", "Пояснение (рус.)", "Түсіндірме (қаз.)"),
    "kk": ("Баған", "Міндетті", "Не жазу керек", "Түсіндірме (қаз.)", "Пояснение (рус.)"),
    "en": ("Column", "Required", "What to write", "Explanation", "Пояснение / Түсіндірме"),
}
_YES_NO = {"ru": ("да", "нет"), "kk": ("иә", "жоқ"), "en": ("yes", "no")}
_WHAT = {
    "text": {"ru": "текст", "kk": "мәтін", "en": "text"},
    "number": {"ru": "число", "kk": "сан", "en": "a number"},
    "integer": {"ru": "целое число", "kk": "бүтін сан", "en": "a whole number"},
    "date": {"ru": "дата ДД.ММ.ГГГГ", "kk": "күні КК.АА.ЖЖЖЖ", "en": "a date DD.MM.YYYY"},
    "code": {"ru": "из списка: ", "kk": "тізімнен: ", "en": "from the list: "},
}
_RULES = {
    "ru": (
        "Заголовки — в первой строке, данные — со второй; пустые строки пропускаются.",
        "Только значения: без формул и объединённых ячеек. Форматы: .xlsx, .xls, .ods, "
        ".csv (UTF-8).",
        "Сначала проверьте файл (предпросмотр): он ничего не записывает. Файл применяется "
        "целиком или не применяется вовсе.",
    ),
    "kk": (
        "Тақырыптар — бірінші жолда, деректер — екіншіден бастап; бос жолдар өткізіледі.",
        "Тек мәндер: формуласыз және біріктірілген ұяшықтарсыз. Пішімдер: .xlsx, .xls, "
        ".ods, .csv (UTF-8).",
        "Алдымен файлды тексеріңіз (алдын ала қарау): ол ештеңе жазбайды. Файл толығымен "
        "қолданылады немесе мүлде қолданылмайды.",
    ),
    "en": (
        "Headers in the first row, data from the second; empty rows are skipped.",
        "Values only: no formulas, no merged cells. Formats: .xlsx, .xls, .ods, .csv (UTF-8).",
        "Check the file first (the preview): it records nothing. A file is applied whole "
        "or not at all.",
    ),
}


@dataclass(frozen=True)
class ExtraColumn:
    """A column a template adds after the layout's fields (an aspect of a mark sheet):
    its header, what it holds, its drop-down, and a line of the instruction sheet."""

    header: str
    kind: Literal["text", "number", "integer", "date"] = "number"
    choices: tuple[str, ...] = ()
    note: str = ""


def template(
    kind: str,
    *,
    lang: str = "ru",
    extra_rows: Sequence[Sequence[object]] = (),
    extra_columns: Sequence[ExtraColumn] = (),
) -> bytes:
    """The ``.xlsx`` template of ``kind``: the data sheet (headers in ``lang`` then Russian
    or Kazakh, frozen, drop-downs of coded columns; no example rows, which would be imported
    by mistake; ``extra_rows`` pre-filled, e.g. a competition's entrants) and an instruction
    sheet explaining each column in Russian and Kazakh. ``KeyError`` for an unknown kind."""
    layout = LAYOUTS[kind]
    lang = lang if lang in LANGS else "ru"
    columns = [
        Column(
            header=f.header(lang),
            width=f.width,
            kind="text" if f.kind == "code" else f.kind,
            choices=f.choices,
            number_format="0.00" if f.kind == "number" else None,
        )
        for f in layout.fields
    ]
    columns += [
        Column(
            header=extra.header,
            width=max(10.0, len(extra.header) + 4.0),
            kind=extra.kind,
            choices=extra.choices,
            number_format="0.00" if extra.kind == "number" else None,
        )
        for extra in extra_columns
    ]
    data = Sheet(layout.sheet_name(lang), tuple(columns), extra_rows)
    return write_workbook([data, _instructions(layout, lang, extra_columns)], title=data.name)


def _instructions(layout: Layout, lang: str, extra_columns: Sequence[ExtraColumn]) -> Sheet:
    yes, no = _YES_NO[lang]
    other = "kk" if lang == "ru" else "ru"
    headers = _INSTRUCTION_HEADERS[lang]
    rows: list[tuple[object, ...]] = []
    for f in layout.fields:
        what = _WHAT[f.kind][lang] + (", ".join(f.choices) if f.kind == "code" else "")
        if lang == "en":
            rows.append((f.header(lang), yes if f.required else no, what, f.help_en, f.help_ru))
        else:
            rows.append(
                (f.header(lang), yes if f.required else no, what, f.help(lang), f.help(other))
            )
    for extra in extra_columns:
        what = _WHAT[extra.kind][lang] + (f" ({', '.join(extra.choices)})" if extra.choices else "")
        rows.append((extra.header, no, what, extra.note, extra.note))
    rows.append(())
    about = dict(zip(LANGS, layout.about, strict=True))
    rows.append(("", "", "", about[lang], about["en" if lang == "en" else other]))
    rules = _RULES["en" if lang == "en" else other]
    for mine, theirs in zip(_RULES[lang], rules, strict=True):
        rows.append(("", "", "", mine, theirs))
    widths = (34.0, 14.0, 30.0, 70.0, 70.0)
    return Sheet(
        INSTRUCTION_SHEETS[lang],
        tuple(Column(h, width=w) for h, w in zip(headers, widths, strict=True)),
        rows,
    )
