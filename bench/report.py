"""Every benchmark's figures beside their floors, in one table (issue 17).

    python bench/report.py --quick                      # SQLite, quick sizes (~3 minutes)
    python bench/report.py                              # full sizes (1,000,000 events...)
    python bench/report.py --quick --database-url postgresql://postgres@127.0.0.1:5432/test
    python bench/report.py --quick --only http,pages --compare bench/results/before.json

Runs each benchmark of this folder as a subprocess of this Python (one that crashes or
overruns ``--timeout`` does not stop the others; ``--quick`` is passed on), reads the figures
each prints as the last line of its output (``{"report": [...]}``, see ``bench/figures.py``),
and prints one table::

    work | ours | floor | ratio | goal | met

``floor`` is the floor or peer measured in the same run (the bare Litestar app, read + decode
of the events, the JSON GET...) or, for an absolute goal, the limit. ``ratio`` is ours / floor
when higher is better (rates) and floor / ours when lower is better (times, memory), so ratio
>= goal always means met; a benchmark's failed check (every acknowledged mark stored exactly
once...) makes its lines not met.

The same lines are written as JSON to ``bench/results/latest.json`` (and ``--json PATH``): a
list of objects with ``work, ours, floor, unit, ratio, goal, met`` (a boolean), ``better``,
``bench``, ``key``, ``against``, ``extra``, ``store``, ``quick``. ``--compare FILE`` prints,
per line (matched by ``work``), the ratio before -> after and its relative change.

``--database-url postgresql://...`` runs every benchmark on PostgreSQL, each in a schema of
its own (``<schema or bench_report>_<random>_<bench>``, dropped afterwards, so nothing clashes
with tests running at the same time); there ``bench/http.py`` also measures 1 -> 2 -> 4 API
processes (``--scaling``). A benchmark without ``--database-url`` runs on SQLite (said so in
its lines' ``store``). Each benchmark's output is kept in ``bench/results/<bench>.log``.

Benchmarks: every ``bench/*.py`` but the helpers (``bare_app``, ``synthetic``, ``phases``,
``figures``, ``timed_app``, ``bench/http.py``'s ``serving``, ``load`` and ``marking``, this
file) and ``faults.py`` (fault figures, no floor). A new one
is picked up when it prints the report line; ``--quick`` / ``--database-url`` are passed on
only to a benchmark whose source mentions them.

Exit status: 0 when every benchmark reported its figures (met or not), 1 otherwise.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import secrets
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != BENCH]
sys.path.insert(0, str(ROOT))

from bench.figures import HIGHER, ratio_of  # noqa: E402

RESULTS = BENCH / "results"
#: the benchmarks in the order they run, with the options the report adds to each
KNOWN: dict[str, list[str]] = {
    "rebuild": [],
    "seal": [],
    "audit_feed": [],
    "http": ["--compare-projector"],
    "pages": [],
    "sse": [],
}
#: added to a benchmark's options on PostgreSQL
ON_POSTGRES: dict[str, list[str]] = {"http": ["--scaling", "1,2,4"]}
NOT_BENCHMARKS = {
    "__init__",
    "bare_app",
    "synthetic",
    "phases",
    "figures",
    "timed_app",
    "serving",
    "load",
    "marking",
    "report",
}
#: benchmarks that print no figure against a floor
SKIPPED = {"faults"}
CLK_TCK = os.sysconf("SC_CLK_TCK")


def available() -> list[str]:
    """The benchmarks of this folder: the known ones in their order, then any other."""
    found = {p.stem for p in BENCH.glob("*.py")} - NOT_BENCHMARKS - SKIPPED
    return [name for name in KNOWN if name in found] + sorted(found - set(KNOWN))


# ---------------------------------------------------------------------- parsing


def parse_report(output: str) -> tuple[list[dict[str, Any]], dict[str, bool]]:
    """The figures and checks in a benchmark's standard output: every line of JSON that is
    ``{"report": [...], "checks": {...}}``, a figure (an object with ``work``) or a list of
    figures; anything else is the benchmark's text for people."""
    figures: list[dict[str, Any]] = []
    checks: dict[str, bool] = {}
    for line in output.splitlines():
        text = line.strip()
        if not text.startswith(("{", "[")):
            continue
        try:
            value = json.loads(text)
        except ValueError:
            continue
        if isinstance(value, dict) and isinstance(value.get("report"), list):
            figures.extend(f for f in value["report"] if isinstance(f, dict) and "work" in f)
            checks.update({str(k): bool(v) for k, v in (value.get("checks") or {}).items()})
        elif isinstance(value, dict) and "work" in value:
            figures.append(value)
        elif (
            isinstance(value, list)
            and value
            and all(isinstance(f, dict) and "work" in f for f in value)
        ):
            figures.extend(value)
    return figures, checks


def number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def normalise(
    raw: dict[str, Any], bench: str, checks: dict[str, bool], **context: Any
) -> dict[str, Any]:
    """One line of the table from a benchmark's figure: the ratio (when the benchmark did not
    give it) in the direction where ratio >= goal means met, ``met`` as a boolean, false too
    when one of the benchmark's checks failed."""
    better = raw.get("better") or HIGHER
    ours, floor, goal = number(raw.get("ours")), number(raw.get("floor")), number(raw.get("goal"))
    ratio = number(raw.get("ratio"))
    if ratio is None:
        ratio = ratio_of(ours, floor, better)
    met = raw.get("met")
    if not isinstance(met, bool):
        met = ratio is not None and goal is not None and ratio >= goal
    failed = sorted(name for name, ok in checks.items() if not ok)
    line = {
        **raw,
        "bench": bench,
        "key": raw.get("key") or raw["work"],
        "work": str(raw["work"]),
        "ours": ours,
        "floor": floor,
        "unit": raw.get("unit", ""),
        "better": better,
        "ratio": ratio,
        "goal": goal,
        "met": bool(met) and not failed,
        "against": raw.get("against", ""),
        "extra": raw.get("extra") or {},
        **context,
    }
    if failed:
        line["failed_checks"] = failed
    return line


# ---------------------------------------------------------------------- running


@dataclass
class Run:
    bench: str
    command: list[str]
    code: int | None = None
    seconds: float = 0.0
    timed_out: bool = False
    output: str = ""
    figures: list[dict[str, Any]] = field(default_factory=list)
    checks: dict[str, bool] = field(default_factory=dict)
    store: str = "sqlite"
    #: cores the rest of the machine kept busy meanwhile (not this benchmark's processes)
    others: float | None = None


def machine_busy() -> float:
    """CPU seconds the whole machine has been busy (all cores; /proc/stat)."""
    with open("/proc/stat") as stat:
        fields = [int(v) for v in stat.readline().split()[1:]]
    return (sum(fields[:8]) - fields[3] - fields[4]) / CLK_TCK


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def supports(script: Path, option: str) -> bool:
    return option in script.read_text(errors="replace")


def schema_url(base: str, bench: str, token: str) -> str:
    """``base`` with a schema of this run and benchmark: ``<schema>_<token>_<bench>``."""
    parts = urlsplit(base)
    query = dict(parse_qsl(parts.query))
    prefix = query.get("schema", "bench_report")
    query["schema"] = f"{prefix}_{token}_{bench}".lower()[:63]
    return urlunsplit(parts._replace(query=urlencode(query)))


def drop_schema(url: str) -> None:
    import psycopg
    from psycopg import sql

    from store.settings import parse_database_url

    settings = parse_database_url(url)
    with psycopg.connect(settings.pg_conninfo(), autocommit=True, connect_timeout=10) as conn:
        conn.execute(
            sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(settings.pg_schema))
        )


def run_bench(
    bench: str,
    *,
    quick: bool,
    database_url: str | None,
    timeout: float,
    token: str,
    verbose: bool,
) -> Run:
    script = BENCH / f"{bench}.py"
    command = [sys.executable, str(script), *KNOWN.get(bench, [])]
    if quick and supports(script, "--quick"):
        command.append("--quick")
    url = None
    if database_url and supports(script, "--database-url"):
        url = schema_url(database_url, bench, token)
        command += ["--database-url", url, *ON_POSTGRES.get(bench, [])]
    run = Run(bench, command, store="postgres" if url else "sqlite")
    log = RESULTS / f"{bench}.log"
    lines: list[str] = []
    started, busy, own = time.perf_counter(), machine_busy(), children_cpu()
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
        start_new_session=True,  # its own group: a timeout stops it and its children
    )

    def pump() -> None:
        assert process.stdout is not None
        with log.open("w") as out:
            out.write("$ " + " ".join(command) + "\n")
            for line in process.stdout:
                lines.append(line)
                out.write(line)
                out.flush()
                if verbose:
                    print(f"  {bench}| {line}", end="", flush=True)

    reader = threading.Thread(target=pump, daemon=True)
    reader.start()
    try:
        run.code = process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        run.timed_out = True
        for sig, grace in ((signal.SIGTERM, 30), (signal.SIGKILL, 10)):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, sig)
            try:
                run.code = process.wait(timeout=grace)
                break
            except subprocess.TimeoutExpired:
                continue
    finally:
        reader.join(timeout=30)
        run.seconds = time.perf_counter() - started
        if run.seconds > 0:
            mine = children_cpu() - own
            run.others = max(0.0, (machine_busy() - busy - mine) / run.seconds)
        if url:
            try:
                drop_schema(url)
            except Exception as error:  # the figures still count; say what was left behind
                lines.append(f"(report) could not drop the schema of {url}: {error}\n")
    run.output = "".join(lines)
    run.figures, run.checks = parse_report(run.output)
    return run


def lines_of(run: Run, quick: bool, when: str) -> list[dict[str, Any]]:
    context = {"store": run.store, "quick": quick, "when": when}
    if run.others is not None:
        context["machine_other_cores"] = round(run.others, 2)
    if run.figures:
        return [normalise(f, run.bench, run.checks, **context) for f in run.figures]
    why = "timed out" if run.timed_out else f"exit status {run.code}"
    tail = run.output.strip().splitlines()[-3:]
    return [
        {
            "bench": run.bench,
            "key": f"{run.bench}.failed",
            "work": f"{run.bench}: no figures ({why}; see bench/results/{run.bench}.log)",
            "ours": None,
            "floor": None,
            "unit": "",
            "better": HIGHER,
            "ratio": None,
            "goal": None,
            "met": False,
            "against": "",
            "extra": {"last lines": tail},
            **context,
        }
    ]


# ---------------------------------------------------------------------- printing


def fmt(value: float | None, unit: str = "") -> str:
    if value is None:
        return "-"
    size = abs(value)
    text = (
        f"{value:,.0f}"
        if size >= 100
        else f"{value:.1f}"
        if size >= 10
        else f"{value:.2f}"
        if size >= 0.1
        else f"{value:.3f}"
    )
    return f"{text} {unit}".rstrip()


def table_rows(lines: list[dict[str, Any]]) -> list[list[str]]:
    rows = [["work", "ours", "floor", "ratio", "goal", "met"]]
    for line in lines:
        floor = fmt(line["floor"], line["unit"])
        if line.get("against") == "limit" and line["floor"] is not None:
            floor = "limit " + floor
        rows.append(
            [
                line["work"],
                fmt(line["ours"], line["unit"]),
                floor,
                "-" if line["ratio"] is None else f"{line['ratio']:.2f} x",
                "-" if line["goal"] is None else f">= {line['goal']:.2f}",
                "yes" if line["met"] else "NO",
            ]
        )
    return rows


def print_rows(rows: list[list[str]], right: set[int]) -> None:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for n, row in enumerate(rows):
        cells = [
            cell.rjust(widths[i]) if i in right else cell.ljust(widths[i])
            for i, cell in enumerate(row)
        ]
        print(" | ".join(cells).rstrip())
        if n == 0:
            print("-+-".join("-" * w for w in widths))


def print_table(lines: list[dict[str, Any]]) -> None:
    print_rows(table_rows(lines), right={1, 2, 3, 4})
    print(
        "ratio = ours / floor when higher is better (rates), floor / ours when lower is "
        "better (times, memory; a limit stands in the floor's column): ratio >= goal = met."
    )
    notes = []
    for line in lines:
        said = [f"against {line['against']}"] if line.get("against") not in ("", "limit") else []
        said += [f"{k}: {v}" for k, v in (line.get("extra") or {}).items()]
        if line.get("failed_checks"):
            said.append("FAILED CHECK: " + "; ".join(line["failed_checks"]))
        if said:
            notes.append(f"- {line['work']}: " + "; ".join(said))
    if notes:
        print("notes:")
        print("\n".join(notes))


def print_runs(runs: list[Run]) -> None:
    print("benchmarks:")
    for run in runs:
        checks = ", ".join(f"{k}: {'ok' if v else 'FAILED'}" for k, v in run.checks.items())
        others = "" if run.others is None else f"; the rest of the machine: {run.others:.2f} cores"
        state = "timed out" if run.timed_out else f"exit {run.code}"
        print(
            f"- {run.bench}: {state} in {run.seconds:.0f} s on {run.store}, "
            f"{len(run.figures)} figure(s){others}" + (f"; checks {checks}" if checks else "")
        )


def compare(before: list[dict[str, Any]], after: list[dict[str, Any]]) -> list[list[str]]:
    """The change of each line against an earlier run, matched by ``work`` (else ``key``)."""
    by_work = {line["work"]: line for line in before}
    by_key = {line.get("key"): line for line in before if line.get("key")}
    rows = [["work", "ratio before -> after", "change", "ours before -> after", "met"]]
    seen = set()
    for line in after:
        old = by_work.get(line["work"]) or by_key.get(line.get("key"))
        if old is None:
            rows.append([line["work"], "(new)", "", fmt(line["ours"], line["unit"]), ""])
            continue
        seen.add(id(old))
        r0, r1 = number(old.get("ratio")), number(line.get("ratio"))
        change = "-" if not r0 or r1 is None else f"{(r1 - r0) / r0:+.1%}"
        rows.append(
            [
                line["work"],
                f"{'-' if r0 is None else f'{r0:.2f}'} -> {'-' if r1 is None else f'{r1:.2f}'}",
                change,
                fmt(number(old.get("ours")), line["unit"])
                + " -> "
                + fmt(line["ours"], line["unit"]),
                f"{'yes' if old.get('met') else 'NO'} -> {'yes' if line['met'] else 'NO'}",
            ]
        )
    for old in before:
        if id(old) not in seen:
            rows.append([old["work"], "(gone)", "", fmt(number(old.get("ours"))), ""])
    return rows


# ---------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="each benchmark's quick size")
    parser.add_argument(
        "--database-url", help="postgresql://... : every benchmark in a schema of its own"
    )
    parser.add_argument("--only", help="NAME,... of " + ", ".join(available()))
    parser.add_argument("--compare", type=Path, metavar="FILE", help="an earlier JSON report")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the JSON here")
    parser.add_argument(
        "--timeout", type=float, help="seconds per benchmark (default 900 quick, 7200 full)"
    )
    parser.add_argument("--verbose", action="store_true", help="show each benchmark's output")
    args = parser.parse_args(argv)
    names = available()
    if args.only:
        wanted = [n.strip().removesuffix(".py") for n in args.only.split(",") if n.strip()]
        unknown = [n for n in wanted if n not in names]
        if unknown:
            parser.error(
                f"--only: no benchmark {', '.join(unknown)} (there are {', '.join(names)})"
            )
        names = [n for n in names if n in wanted]
    if args.database_url and not args.database_url.startswith(("postgresql://", "postgres://")):
        parser.error("--database-url: a postgresql:// URL (SQLite is the default: a temp file)")
    before = None
    if args.compare:
        try:
            before = json.loads(args.compare.read_text())
        except (OSError, ValueError) as error:
            parser.error(f"--compare: cannot read {args.compare}: {error}")
        if not isinstance(before, list):
            parser.error(f"--compare: {args.compare} is not a list of lines")
    timeout = args.timeout or (900.0 if args.quick else 7200.0)
    RESULTS.mkdir(exist_ok=True)
    token = secrets.token_hex(3)
    when = datetime.now(UTC).isoformat(timespec="seconds")
    print(
        f"bench/report.py: {', '.join(names)}; {'quick' if args.quick else 'full'} sizes; "
        f"store: {'PostgreSQL' if args.database_url else 'SQLite'}; machine: {os.cpu_count()} "
        f"cores, load average {os.getloadavg()[0]:.2f} at the start",
        flush=True,
    )
    runs: list[Run] = []
    lines: list[dict[str, Any]] = []
    for name in names:
        print(f"running {name} ...", end=" ", flush=True)
        run = run_bench(
            name,
            quick=args.quick,
            database_url=args.database_url,
            timeout=timeout,
            token=token,
            verbose=args.verbose,
        )
        runs.append(run)
        lines.extend(lines_of(run, args.quick, when))
        print(
            f"{len(run.figures)} figure(s) in {run.seconds:.0f} s"
            + (" (timed out)" if run.timed_out else f" (exit {run.code})"),
            flush=True,
        )
    print()
    print_table(lines)
    print()
    print_runs(runs)
    text = json.dumps(lines, ensure_ascii=False, indent=1) + "\n"
    (RESULTS / "latest.json").write_text(text)
    written = [str(RESULTS / "latest.json")]
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(text)
        written.append(str(args.json))
    print("written: " + ", ".join(written))
    if before is not None:
        print()
        print(f"against {args.compare}:")
        print_rows(compare(before, lines), right={1, 2, 3})
    return 0 if all(run.figures for run in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
