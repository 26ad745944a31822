"""``bench/report.py``: the figures a real benchmark prints, their ratios' direction, the
table and its JSON, ``--compare``, benchmarks that crash or overrun, both stores.

The figures come from running ``bench/rebuild.py`` on a small synthetic history (a few
thousand events, a few seconds): what is checked is their consistency with what the same run
printed for people and with each other, never a hard-coded expected output.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import psycopg
import pytest

from bench import report
from bench.figures import HIGHER, LOWER
from store.settings import parse_database_url
from tests.conftest import DATABASES, POSTGRES_URL

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
SMALL = ["--events", "3000"]
REQUIRED = {"work", "ours", "floor", "unit", "ratio", "goal", "met", "better", "bench", "key"}


@pytest.fixture(scope="module")
def rebuild_output() -> str:
    """The output of one real run of the smallest benchmark."""
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "rebuild.py"), *SMALL],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return done.stdout


def printed(output: str, label: str) -> str:
    """The text after ``label`` on the line of the human-readable output that starts so."""
    [line] = [line for line in output.splitlines() if line.startswith(label)]
    return line[len(label) :].strip()


def test_the_figures_agree_with_what_the_run_printed(rebuild_output: str) -> None:
    figures, checks = report.parse_report(rebuild_output)
    assert checks == {}
    by = {f["key"]: f for f in figures}
    assert set(by) == {"rebuild.rate", "rebuild.rss"}
    events = int(printed(rebuild_output, "events:").replace(",", ""))
    assert events >= 3000
    rate = by["rebuild.rate"]
    assert f"{events:,} events" in rate["work"]
    # the same run printed "rebuild all: N in S s = R events/s" and "ratio: X x floor"
    printed_rate = float(
        printed(rebuild_output, "rebuild all:").split("=")[-1].split()[0].replace(",", "")
    )
    printed_floor = float(
        printed(rebuild_output, "floor:").split("=")[-1].split()[0].replace(",", "")
    )
    assert round(rate["ours"]) == printed_rate
    assert round(rate["floor"]) == printed_floor
    assert f"{rate['ratio']:.2f}" == printed(rebuild_output, "ratio:").split()[0]
    rss = by["rebuild.rss"]
    assert f"{rss['ours']:,.0f}" == printed(rebuild_output, "peak RSS:").split()[0]


def test_ratio_direction_makes_ratio_at_least_goal_mean_met(rebuild_output: str) -> None:
    figures, _ = report.parse_report(rebuild_output)
    by = {f["key"]: report.normalise(f, "rebuild", {}) for f in figures}
    rate, rss = by["rebuild.rate"], by["rebuild.rss"]
    # a rate: higher is better, ratio = ours / floor
    assert rate["better"] == HIGHER
    assert rate["ratio"] == pytest.approx(rate["ours"] / rate["floor"])
    # a memory under a limit: lower is better, the limit is the floor, ratio = limit / ours
    assert rss["better"] == LOWER
    assert rss["against"] == "limit"
    assert rss["ratio"] == pytest.approx(rss["floor"] / rss["ours"])
    assert rss["met"] == (rss["ours"] <= rss["floor"])
    for line in (rate, rss):
        assert isinstance(line["met"], bool)
        assert line["met"] == (line["ratio"] >= line["goal"])
    # the same figure read back with its ratio and met left out: computed the same way
    for figure in figures:
        bare = {k: v for k, v in figure.items() if k not in ("ratio", "met")}
        again = report.normalise(bare, "rebuild", {})
        assert again["ratio"] == pytest.approx(by[figure["key"]]["ratio"])
        assert again["met"] == by[figure["key"]]["met"]


def test_a_failed_check_makes_every_line_of_its_benchmark_not_met(rebuild_output: str) -> None:
    figures, _ = report.parse_report(rebuild_output)
    goal_zero = {**figures[0], "goal": 0.0, "met": True}  # met on its own ratio
    assert report.normalise(goal_zero, "x", {"stored once": True})["met"] is True
    line = report.normalise(goal_zero, "x", {"stored once": False, "other": True})
    assert line["met"] is False
    assert line["failed_checks"] == ["stored once"]


def test_parsing_takes_every_shape_and_ignores_other_json(rebuild_output: str) -> None:
    figures, _ = report.parse_report(rebuild_output)
    one, two = figures
    text = "\n".join(
        [
            "some text { not json",
            json.dumps({"results": {"a": [1]}, "ratio": 0.8}),  # pages.py --json: not figures
            json.dumps([{"name": "publication", "streams": 3}]),  # sse.py --json: not figures
            json.dumps(one),  # a bare figure, as another helper's benchmark may print it
            json.dumps({"report": [two], "checks": {"it holds": False}}),
            json.dumps([one, two]),
        ]
    )
    parsed, checks = report.parse_report(text)
    assert parsed == [one, two, one, two]
    assert checks == {"it holds": False}


def write_bench(folder: Path, name: str, body: str) -> None:
    (folder / f"{name}.py").write_text(body)


def run_report(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = report.main(list(argv))
    return code, capsys.readouterr().out


def test_a_crash_a_timeout_and_a_foreign_figure_are_lines_of_their_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    benches = tmp_path / "benches"
    benches.mkdir()
    # a crash (its source never mentions the quick option: it is not passed on)
    write_bench(
        benches, "boom", "import sys\nprint(sys.argv[1:], flush=True)\nraise SystemExit(3)\n"
    )
    write_bench(benches, "sleepy", "import time\nprint('asleep', flush=True)\ntime.sleep(120)\n")
    # another helper's benchmark, printing a bare figure with its own ratio; takes --quick
    figure = {"work": "import dry run (synthetic sheet)", "ours": 50.0, "floor": 200.0}
    figure |= {"ratio": 0.25, "goal": 0.5, "met": False, "unit": "rows/s"}
    write_bench(
        benches,
        "imports",
        "import json, sys  # --quick\n"
        f"print(json.dumps({{**{figure!r}, 'extra': {{'argv': sys.argv[1:]}}}}))\n",
    )
    monkeypatch.setattr(report, "BENCH", benches)
    monkeypatch.setattr(report, "RESULTS", tmp_path / "results")
    monkeypatch.setattr(report, "KNOWN", {})
    code, out = run_report(capsys, "--quick", "--timeout", "3")
    assert code == 1  # two benchmarks reported nothing
    lines = json.loads((tmp_path / "results" / "latest.json").read_text())
    by = {line["bench"]: line for line in lines}
    assert set(by) == {"boom", "imports", "sleepy"}
    assert by["boom"]["met"] is False and "exit status 3" in by["boom"]["work"]
    assert by["boom"]["extra"]["last lines"] == ["[]"]
    assert by["sleepy"]["met"] is False and "timed out" in by["sleepy"]["work"]
    assert by["imports"]["ratio"] == 0.25 and by["imports"]["met"] is False
    assert by["imports"]["work"] == figure["work"]
    assert by["imports"]["extra"]["argv"] == ["--quick"]
    assert "(timed out)" in out and "(exit 3)" in out
    # the benchmark that overran was stopped; its log holds what it printed
    assert (tmp_path / "results" / "sleepy.log").read_text().splitlines()[-1] == "asleep"


@pytest.mark.parametrize("database", DATABASES)
def test_report_runs_a_real_benchmark_writes_json_and_compares(
    database: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    rebuild_output: str,
) -> None:
    monkeypatch.setattr(report, "RESULTS", tmp_path / "results")
    monkeypatch.setitem(report.KNOWN, "rebuild", SMALL)
    # an earlier run: this test's own bench output, one ratio halved, one line that is gone
    figures, _ = report.parse_report(rebuild_output)
    earlier = [report.normalise(f, "rebuild", {}) for f in figures]
    earlier[0] = {**earlier[0], "ratio": earlier[0]["ratio"] / 2}
    earlier.append({**earlier[1], "work": "a line of an older report", "key": "old.line"})
    before = tmp_path / "before.json"
    before.write_text(json.dumps(earlier))
    argv = ["--only", "rebuild", "--compare", str(before), "--json", str(tmp_path / "copy.json")]
    prefix = f"t_report_{uuid.uuid4().hex[:10]}"
    if database == "postgres":
        separator = "&" if "?" in POSTGRES_URL else "?"
        argv += ["--database-url", f"{POSTGRES_URL}{separator}schema={prefix}"]

    code, out = run_report(capsys, *argv)

    assert code == 0, out
    text = (tmp_path / "results" / "latest.json").read_text()
    assert (tmp_path / "copy.json").read_text() == text
    lines: list[dict[str, Any]] = json.loads(text)
    assert [line["key"] for line in lines] == ["rebuild.rate", "rebuild.rss"]
    for line in lines:
        assert set(line) >= REQUIRED
        assert isinstance(line["met"], bool)
        assert isinstance(line["ours"], float) and isinstance(line["floor"], float)
        assert line["met"] == (line["ratio"] >= line["goal"])
        assert line["bench"] == "rebuild"
        assert line["store"] == database
        assert line["quick"] is False
    # the table: a header and one row per line, with the JSON's figures
    header = next(i for i, row in enumerate(out.splitlines()) if row.startswith("work "))
    assert re.split(r"\s*\|\s*", out.splitlines()[header].strip()) == [
        "work",
        "ours",
        "floor",
        "ratio",
        "goal",
        "met",
    ]
    rows = [re.split(r"\s*\|\s*", row.strip()) for row in out.splitlines()[header + 2 :][:2]]
    for row, line in zip(rows, lines, strict=True):
        assert row[0] == line["work"]
        assert row[3] == f"{line['ratio']:.2f} x"
        assert row[5] == ("yes" if line["met"] else "NO")
    # --compare: matched by work, the ratio before -> after and its relative change
    compared = out[out.index(f"against {before}:") :].splitlines()
    [rate_row] = [r for r in compared if r.startswith(lines[0]["work"] + " ")]
    r0, r1 = earlier[0]["ratio"], lines[0]["ratio"]
    assert f"{r0:.2f} -> {r1:.2f}" in rate_row
    assert f"{(r1 - r0) / r0:+.1%}" in rate_row
    [gone] = [r for r in compared if r.startswith("a line of an older report")]
    assert "(gone)" in gone
    if database == "postgres":  # the benchmark's schema is dropped afterwards
        settings = parse_database_url(POSTGRES_URL)
        with psycopg.connect(settings.pg_conninfo()) as conn:
            left = conn.execute(
                "SELECT schema_name FROM information_schema.schemata WHERE schema_name LIKE %s",
                (prefix + "%",),
            ).fetchall()
        assert left == []


def test_schemas_of_a_run_are_its_own() -> None:
    base = "postgresql://postgres@127.0.0.1:5432/test?pool_size=4"
    url = report.schema_url(base, "audit_feed", "a1b2c3")
    settings = parse_database_url(url)
    assert settings.pg_schema == "bench_report_a1b2c3_audit_feed"
    assert settings.pg_pool_size == 4
    named = parse_database_url(report.schema_url(base + "&schema=Mine", "http", "ff"))
    assert named.pg_schema == "mine_ff_http"


def test_only_refuses_an_unknown_benchmark(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        report.main(["--only", "nonesuch"])
    assert exit_.value.code == 2
    assert "no benchmark nonesuch" in capsys.readouterr().err


def test_every_benchmark_of_the_folder_is_run_but_helpers() -> None:
    names = report.available()
    assert names[:6] == ["rebuild", "seal", "audit_feed", "http", "pages", "sse"]
    helpers = {"bare_app", "synthetic", "phases", "figures", "timed_app", "report"}
    helpers |= {"serving", "load", "marking"}  # bench/http.py's parts
    assert not helpers & set(names)
    for name in names:  # each prints the report line (bench/figures.py)
        assert "emit(" in (ROOT / "bench" / f"{name}.py").read_text() or name not in report.KNOWN
