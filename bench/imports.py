"""Benchmark: the dry run of a spreadsheet import against reading the same file.

    python bench/imports.py            # 5 runs of each measure, the median
    python bench/imports.py --quick    # 2 runs

What it does:

1. sets up, through the application's commands on a fresh SQLite store in a temp folder, a
   championship with two competitions: one in setup (for an entrant list) and one in marking
   with a scheme of 60 aspects (50 measurements, 10 judgements), 50 entrants and an expert;
2. builds, with XlsxWriter as a spreadsheet program would, a 10,000-row entrant list
   (Kazakh and Russian names, birth dates, 40 organisations: half registered, half new) and
   the expert's 50 × 60 mark sheet (``sheets.layouts`` headers);
3. measures, per file, the rows per second of
   (a) python-calamine alone (``CalamineWorkbook.from_filelike(...).get_sheet_by_index(0)
       .to_python()``) — the floor;
   (b) ``sheets.reader.read_tables`` (the same read, with the hostile-file checks);
   (c) the dry run ``registry.imports.run_import(..., dry_run=True)`` (reading, the layout,
       every row checked by the commands' rules; nothing recorded — checked);
4. prints the rates and the ratios dry-run/calamine (goal >= 0.5: validation costs no more
   than the reading) and reader/calamine, then the report line of issue 17 (``bench/README.md``:
   ``{"report": [...], "checks": {...}}``, one figure per file: ``work``, ``ours`` the dry
   run's rows/s, ``floor`` calamine's, ``ratio``, ``goal``, ``met``; the reader's in ``extra``).

Each figure is the median of ``--runs`` runs (every run of the dry run starts cold: a new
application on the same store, so no aggregate is cached from the run before; only
``run_import`` is timed, not opening the store). The garbage collector is tuned as in a
serving process (``store.runtime.tune_gc``), for all three alike.
"""

from __future__ import annotations

import argparse
import io
import json
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

import python_calamine  # noqa: E402
import xlsxwriter  # noqa: E402

from domain.ids import SYSTEM_ACTOR  # noqa: E402
from registry.application import AspectInput, RegistryApplication  # noqa: E402
from registry.imports import run_import  # noqa: E402
from sheets.layouts import LAYOUTS  # noqa: E402
from sheets.reader import read_tables  # noqa: E402
from store.runtime import tune_gc  # noqa: E402
from store.settings import parse_database_url  # noqa: E402

GOAL = 0.5
KEYS = ("imports.participants.dry_run", "imports.marks.dry_run")
PARTICIPANT_ROWS = 10_000
COMPETITORS = 50
ASPECTS = 60
JUDGEMENTS = 10
ORGANISATIONS = 40
SURNAMES = (
    "Нұрланов", "Қасымов", "Өмірбеков", "Әбілқасымов", "Жұмабаев", "Серікбаев", "Тоқтаров",
    "Ғалымов", "Үсенов", "Құрманов", "Иванов", "Петров", "Смирнов", "Кузнецов", "Сейітов",
    "Бекқожин", "Оспанов", "Мұхаметжанов", "Ерғалиев", "Дәулетов", "Байжанов", "Есенов",
    "Шәріпов", "Һадиев", "Ізбасаров",
)  # fmt: skip
FIRST_NAMES = (
    "Әлихан", "Ғалымжан", "Нұрсұлтан", "Ерлан", "Қайрат", "Дмитрий", "Алексей", "Айдос",
    "Мұрат", "Санжар", "Тимур", "Бауыржан", "Ұлан", "Әділет", "Ернұр", "Сергей", "Асқар",
    "Дәурен", "Жандос", "Өркен",
)  # fmt: skip
PATRONYMICS = (
    "Серікұлы", "Қайратұлы", "Нұрланұлы", "Ерланұлы", "Асқарұлы", "Сергеевич", "Маратұлы",
    "Бағланұлы", "Әділұлы", "Төлегенұлы", "Ғаниұлы", "Үсенұлы", "Жақсылықұлы", "Ильич",
    "Болатұлы", "Оралұлы", "Дәуренұлы", "Ахметұлы", "Иванович", "Өмірұлы",
)  # fmt: skip


def say(text: str) -> None:
    print(text, flush=True)


# ------------------------------------------------------------------ the store


@dataclass
class Setup:
    url: str
    entrant_list_competition: UUID
    marking_competition: UUID
    expert: UUID
    competitors: list[str]
    aspects: list[AspectInput]
    registered: list[tuple[str, str]]  # (name_ru, name_kk) of the registered organisations


def organisation_names(index: int) -> tuple[str, str]:
    return (
        f"Колледж № {index + 1} города Усть-Каменогорск",
        f"Өскемен қаласының № {index + 1} колледжі",
    )


def scheme() -> list[AspectInput]:
    """60 aspects adding up to 100.00: 50 measurements and 10 judgements."""
    cents = [167] * 40 + [166] * 20  # 66.80 + 33.20
    aspects = []
    for index, value in enumerate(cents):
        judgement = index >= ASPECTS - JUDGEMENTS
        aspects.append(
            AspectInput(
                f"{'J' if judgement else 'M'}{index + 1}",
                "ABCDEF"[index // 10],
                f"Аспект {index + 1}: сапасы",
                f"{Decimal(value) / 100:.2f}",
                "judgement" if judgement else "measurement",
            )
        )
    return aspects


def set_up(url: str) -> Setup:
    """The championship, its competitions, organisations, entrants and the expert, through
    the application's commands."""
    app = RegistryApplication(parse_database_url(url))
    a = SYSTEM_ACTOR
    try:
        registered = [organisation_names(i) for i in range(ORGANISATIONS // 2)]
        organisations = [
            app.register_organisation(
                actor=a, name_ru=ru, name_kk=kk, kind="college", region="VKO"
            ).id
            for ru, kk in registered
        ]
        judges = app.register_organisation(
            actor=a,
            name_ru="ТОО «Казцинк»",
            name_kk="«Қазмырыш» ЖШС",
            kind="enterprise",
            region="VKO",
        ).id
        championship = app.create_championship(
            actor=a,
            kind="worldskills",
            level="regional",
            year=2026,
            region="VKO",
            title_ru="Региональный чемпионат 2026",
            title_kk="Өңірлік чемпионат 2026",
            starts_on=date(2026, 11, 30),
            ends_on=date(2026, 12, 4),
        ).id
        entrant_list = app.add_competition(
            actor=a,
            championship_id=championship,
            code="welding",
            title_ru="Сварочные технологии",
            title_kk="Дәнекерлеу технологиясы",
            category="main",
        ).id
        marking = app.add_competition(
            actor=a,
            championship_id=championship,
            code="cooking",
            title_ru="Поварское дело",
            title_kk="Аспаздық іс",
            category="main",
        ).id
        aspects = scheme()
        app.set_scheme(actor=a, competition_id=marking, aspects=aspects)
        competitors = []
        for index in range(COMPETITORS):
            name = (
                f"{SURNAMES[index % len(SURNAMES)]} {FIRST_NAMES[index % len(FIRST_NAMES)]} "
                f"{PATRONYMICS[(index * 7) % len(PATRONYMICS)]}"
            )
            person = app.register_participant(
                actor=a,
                full_name=name,
                organisation_id=organisations[index % len(organisations)],
                birth_date=date(2004, 1, 1) + timedelta(days=index * 11),
            ).id
            app.add_entrant(actor=a, competition_id=marking, participant_id=person)
            competitors.append(name)
        expert = app.create_account(actor=a, name="Эксперт Әсел Қанатқызы", role="expert").id
        app.assign_expert(
            actor=a,
            competition_id=marking,
            account_id=expert,
            role="expert",
            organisation_id=judges,
        )
        app.start_marking(actor=a, competition_id=marking)
    finally:
        app.close()
    return Setup(url, entrant_list, marking, expert, competitors, aspects, registered)


# ------------------------------------------------------------------ the files


def workbook(sheet: str, header: list[str], rows: list[list[Any]]) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    page = book.add_worksheet(sheet)
    dates = book.add_format({"num_format": "dd.mm.yyyy"})
    page.write_row(0, 0, header)
    for number, row in enumerate(rows, start=1):
        for column, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, str):
                page.write_string(number, column, value)
            elif isinstance(value, date):
                page.write_datetime(number, column, value, dates)
            else:
                page.write_number(number, column, value)
    book.close()
    return buffer.getvalue()


def participant_list(setup: Setup, rows: int) -> bytes:
    """``rows`` different people (names × first names × patronymics), 40 organisations (the
    first 20 registered, the others new, with their Kazakh name and kind)."""
    layout = LAYOUTS["participants"]
    keys = ["full_name", "birth_date", "organisation", "organisation_kk", "organisation_kind"]
    header = [layout.field(key).header("ru") for key in keys]
    data = []
    for index in range(rows):
        surname = SURNAMES[index % len(SURNAMES)]
        first = FIRST_NAMES[(index // len(SURNAMES)) % len(FIRST_NAMES)]
        patronymic = PATRONYMICS[(index // (len(SURNAMES) * len(FIRST_NAMES))) % len(PATRONYMICS)]
        organisation = index % ORGANISATIONS
        ru, kk = organisation_names(organisation)
        new = organisation >= ORGANISATIONS // 2
        data.append(
            [
                f"{surname} {first} {patronymic}",
                date(2003, 1, 1) + timedelta(days=index % 2500),
                ru,
                kk if new else None,
                "college" if new else None,
            ]
        )
    assert len({row[0] for row in data}) == rows, "the names must differ"
    return workbook(layout.sheet, header, data)


def mark_sheet(setup: Setup) -> bytes:
    """The expert's marks: every competitor × every aspect."""
    layout = LAYOUTS["marks"]
    header = [layout.field("competitor").header("ru"), *(a.id for a in setup.aspects)]
    data = []
    for row, name in enumerate(setup.competitors):
        cells: list[Any] = [name]
        for column, aspect in enumerate(setup.aspects):
            if aspect.type == "judgement":
                cells.append((row + column) % 4)
            else:
                cells.append(float(Decimal(aspect.max_mark) - Decimal((row + column) % 5) / 10))
        data.append(cells)
    return workbook(layout.sheet, header, data)


# ------------------------------------------------------------------ measuring


def calamine_rows(data: bytes) -> int:
    sheet = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0)
    return len(sheet.to_python()) - 1  # below the header


def reader_rows(data: bytes, filename: str) -> int:
    tables = read_tables(data, filename)
    return len(next(iter(tables.values())).rows)


def timed(work: Callable[[], int], runs: int) -> tuple[float, int]:
    """The median seconds of ``runs`` runs, and the rows the work answered."""
    seconds = []
    rows = 0
    for _ in range(runs):
        started = time.perf_counter()
        rows = work()
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds), rows


def dry_run(
    setup: Setup, kind: str, competition: UUID, actor: UUID, data: bytes
) -> Callable[[], int]:
    def work() -> int:
        app = RegistryApplication(parse_database_url(setup.url))  # cold: nothing cached
        try:
            head = app.head_position()
            started = time.perf_counter()
            answer = run_import(
                app,
                actor=actor,
                kind=kind,
                competition_id=competition,
                data=data,
                filename=f"{kind}.xlsx",
                dry_run=True,
            )
            work.seconds = time.perf_counter() - started  # type: ignore[attr-defined]
            assert app.head_position() == head, "a dry run recorded something"
        finally:
            app.close()
        assert not answer.problems, [p.english() for p in answer.problems[:5]]
        work.answer = answer  # type: ignore[attr-defined]
        return answer.rows

    return work


def timed_dry_run(work: Callable[[], int], runs: int) -> tuple[float, int]:
    """Like :func:`timed`, counting only ``run_import`` (not opening the application)."""
    seconds = []
    rows = 0
    for _ in range(runs):
        rows = work()
        seconds.append(work.seconds)  # type: ignore[attr-defined]
    return statistics.median(seconds), rows


@dataclass
class Figures:
    work: str
    rows: int
    calamine: float
    reader: float
    dry_run: float
    counts: dict[str, int]

    @property
    def ratio(self) -> float:
        return self.dry_run / self.calamine

    @property
    def reader_ratio(self) -> float:
        return self.reader / self.calamine

    def line(self, key: str) -> dict[str, Any]:
        """The report line (``bench/figures.py``'s shape, written by hand)."""
        return {
            "key": key,
            "work": self.work,
            "ours": round(self.dry_run, 1),
            "floor": round(self.calamine, 1),
            "unit": "rows/s",
            "better": "higher",
            "ratio": round(self.ratio, 3),
            "goal": GOAL,
            "met": self.ratio >= GOAL,
            "against": "python-calamine reading the same file, same run",
            "extra": {
                "reader rows/s": round(self.reader, 1),
                "reader/calamine": round(self.reader_ratio, 3),
                "dry-run/reader": round(self.dry_run / self.reader, 3),
                "rows": self.rows,
                "would create": self.counts,
            },
        }


def measure(name: str, data: bytes, runs: int, dry: Callable[[], int], filename: str) -> Figures:
    say(f"{name}: {len(data) / 1024:,.0f} KB")
    seconds, rows = timed(lambda: calamine_rows(data), runs)
    calamine = rows / seconds
    say(f"  (a) python-calamine alone   {calamine:>12,.0f} rows/s   ({seconds * 1000:,.1f} ms)")
    seconds, read = timed(lambda: reader_rows(data, filename), runs)
    assert read == rows, (read, rows)
    reader = rows / seconds
    say(
        f"  (b) sheets.reader           {reader:>12,.0f} rows/s   ({seconds * 1000:,.1f} ms)"
        f"   reader/calamine {reader / calamine:.2f}"
    )
    seconds, checked = timed_dry_run(dry, runs)
    assert checked == rows, (checked, rows)
    rate = rows / seconds
    answer = dry.answer  # type: ignore[attr-defined]
    say(
        f"  (c) dry run (run_import)    {rate:>12,.0f} rows/s   ({seconds * 1000:,.1f} ms)"
        f"   dry-run/calamine {rate / calamine:.2f} (goal >= {GOAL}): "
        + ("met" if rate / calamine >= GOAL else "NOT met")
    )
    say(f"      would create {answer.would_create}")
    return Figures(name, rows, calamine, reader, rate, dict(answer.would_create or {}))


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="2 runs of each measure")
    parser.add_argument("--runs", type=int, help="runs of each measure (default 5)")
    parser.add_argument("--rows", type=int, default=PARTICIPANT_ROWS, help="entrant list rows")
    parser.add_argument("--profile", action="store_true", help="cProfile one dry run of each")
    args = parser.parse_args()
    runs = args.runs or (2 if args.quick else 5)
    folder = Path(tempfile.mkdtemp(prefix="registry-bench-imports-"))
    try:
        url = f"sqlite:///{folder}/registry.sqlite"
        started = time.perf_counter()
        setup = set_up(url)
        participants = participant_list(setup, args.rows)
        marks = mark_sheet(setup)
        tune_gc()  # as a serving process runs (``registry serve``, ``registry import``)
        say(
            f"set up in {time.perf_counter() - started:.1f} s (SQLite, {folder}); "
            f"median of {runs} runs"
        )
        works = [
            (
                f"import dry run, {args.rows:,}-row entrant list (.xlsx)",
                participants,
                dry_run(
                    setup,
                    "participants",
                    setup.entrant_list_competition,
                    SYSTEM_ACTOR,
                    participants,
                ),
                "participants.xlsx",
            ),
            (
                f"import dry run, {COMPETITORS} x {ASPECTS} mark sheet (.xlsx)",
                marks,
                dry_run(setup, "marks", setup.marking_competition, setup.expert, marks),
                "marks.xlsx",
            ),
        ]
        figures = [measure(name, data, runs, dry, filename) for name, data, dry, filename in works]
        if args.profile:
            import cProfile
            import pstats

            for name, _, dry, _ in works:
                say(f"\nprofile of one dry run: {name}")
                profile = cProfile.Profile()
                profile.enable()
                dry()
                profile.disable()
                pstats.Stats(profile).sort_stats("cumulative").print_stats(30)
        met = all(f.ratio >= GOAL for f in figures)
        say(
            "dry-run/calamine: "
            + ", ".join(f"{f.ratio:.2f}" for f in figures)
            + f" (goal >= {GOAL}): "
            + ("MET" if met else "NOT MET")
        )
        lines = [f.line(key) for f, key in zip(figures, KEYS, strict=True)]
        checks = {"a dry run records nothing, and finds no problem in a good file": True}
        print(json.dumps({"report": lines, "checks": checks}, ensure_ascii=False), flush=True)
        return 0 if met else 1
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
