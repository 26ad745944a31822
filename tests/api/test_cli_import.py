"""``registry import KIND FILE`` on a real store (SQLite and PostgreSQL): click's runner for the
messages and exit codes, and one real process. The progress bar goes to stderr, the problems
to stdout as a table, in Russian, Kazakh or English; exit 1 with problems or a refusal, and then
nothing is stored."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main as cli
from cli.texts import language_of
from domain.ids import SYSTEM_ACTOR
from registry.application import RegistryApplication
from tests.helpers import World, build_world
from tests.registry.test_imports import KAZAKH_NAMES, marks_file, participants_file

ROOT = Path(__file__).resolve().parent.parent.parent


@pytest.fixture
def world(app: RegistryApplication) -> World:
    return build_world(app)


@pytest.fixture
def organiser(app: RegistryApplication) -> str:
    created = app.create_account(actor=SYSTEM_ACTOR, name="Организатор CLI", role="organiser")
    assert created.token
    return created.token


def rows() -> list[list[object]]:
    return [
        [KAZAKH_NAMES[0], "03.04.2006", "Высший колледж ВКТУ"],
        [KAZAKH_NAMES[1], "12.09.2005", "ТОО «Казцинк»"],
    ]


def run(store_url: str, *args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(
        cli.main, ["--database-url", store_url, "import", *args], env=env, catch_exceptions=False
    )


def test_an_entrant_list_is_imported_with_a_progress_bar(
    app, world, organiser, store_url, tmp_path
):
    path = tmp_path / "Участники.xlsx"
    path.write_bytes(participants_file(rows()))
    args = ["participants", str(path), "--competition", str(world.competition)]
    head = app.head_position()

    checked = run(store_url, *args, "--dry-run", "--token", organiser, "--lang", "ru")
    assert checked.exit_code == 0, checked.output
    assert "Пробная проверка: ничего не записано." in checked.stdout
    assert "Будет создано: организации: 0, участники: 2, записи в соревнование: 2" in (
        checked.stdout
    )
    assert "Проверка строк" in checked.stderr  # the progress bar's label
    assert app.head_position() == head

    done = run(store_url, *args, "--token", organiser, "--lang", "ru")
    assert done.exit_code == 0, done.output
    assert "Загружено (позиция" in done.stdout
    names = {e.full_name for e in app.competition(world.competition).entrants.values()}
    assert {KAZAKH_NAMES[0], KAZAKH_NAMES[1]} <= names

    head = app.head_position()
    again = run(store_url, *args, env={"REGISTRY_TOKEN": organiser, "LANG": "kk_KZ.UTF-8"})
    assert again.exit_code == 0, again.output
    assert "Бұл файл бұрын жүктелген" in again.stdout
    assert app.head_position() == head


def test_problems_are_a_table_in_the_users_language_and_exit_1(
    app, world, organiser, store_url, tmp_path
):
    bad = rows()
    bad[1][1] = "30.02.2005"
    path = tmp_path / "list.xlsx"
    path.write_bytes(participants_file(bad))
    head = app.head_position()
    args = ["participants", str(path), "--competition", str(world.competition)]

    kk = run(store_url, *args, "--token", organiser, "--lang", "kk")
    assert kk.exit_code == 1
    assert "Файлдағы қателер саны: 1; ештеңе жазылмады." in kk.stderr
    header, rule, line = kk.stdout.splitlines()[1:4]
    assert header.split()[:4] == ["Парақ", "Жол", "Баған", "Мән"]
    assert set(rule) <= {"-", " "}
    assert line.split()[:4] == ["Участники", "3", "B", "30.02.2005"]
    assert "күн емес" in line

    ru = run(store_url, *args, env={"REGISTRY_TOKEN": organiser, "LANG": "ru_RU.UTF-8"})
    assert ru.exit_code == 1 and "не дата" in ru.stdout
    en = run(store_url, *args, "--token", organiser, "--lang", "en")
    assert en.exit_code == 1 and "is not a date" in en.stdout
    assert app.head_position() == head


def test_refusals_exit_1_and_store_nothing(app, world, organiser, store_url, tmp_path):
    auditor = app.create_account(actor=SYSTEM_ACTOR, name="Аудитор CLI", role="auditor").token
    assert auditor
    head = app.head_position()
    picture = tmp_path / "photo.xlsx"
    picture.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 64)
    good = tmp_path / "list.xlsx"
    good.write_bytes(participants_file(rows()))
    competition = ["--competition", str(world.competition)]

    hostile = run(store_url, "participants", str(picture), *competition, "--token", organiser)
    assert hostile.exit_code == 1
    assert "Файл отклонён; ничего не записано." in hostile.stderr
    assert "PNG" in hostile.stdout

    no_token = run(store_url, "participants", str(good), *competition, env={"LANG": "C"})
    assert no_token.exit_code == 1 and "Нужен токен" in no_token.stderr

    unknown = run(store_url, "participants", str(good), *competition, "--token", "x" * 40)
    assert unknown.exit_code == 1 and "Токен неизвестен" in unknown.stderr

    refused = run(
        store_url, "participants", str(good), *competition, "--token", auditor, "--lang", "kk"
    )
    assert refused.exit_code == 1 and "Бас тартылды" in refused.stderr
    assert "organiser" in refused.stderr

    missing = run(store_url, "participants", str(tmp_path / "none.xlsx"), "--token", organiser)
    assert missing.exit_code == 1
    assert app.head_position() == head


def test_an_expert_imports_their_marks(app, world, store_url, tmp_path):
    e1 = app.rotate_token(actor=SYSTEM_ACTOR, account_id=world.experts["e1"]).token
    assert e1
    path = tmp_path / "marks.xlsx"
    path.write_bytes(marks_file(["A1", "B1"], [["Иванов Дмитрий Сергеевич", "12,5", 2]]))
    done = run(
        store_url,
        "marks",
        str(path),
        "--competition",
        str(world.competition),
        "--token",
        e1,
        "--lang",
        "en",
    )
    assert done.exit_code == 0, done.output
    assert "Imported (position" in done.stdout and "marks: 2" in done.stdout
    person = world.people["Иванов Дмитрий Сергеевич"]
    assert str(app.competition(world.competition).measurements[(person, "A1")][0]) == "12.50"


def test_the_default_language():
    assert language_of(None, {"LANG": "kk_KZ.UTF-8"}) == "kk"
    assert language_of(None, {"LANG": "en_GB.UTF-8"}) == "en"
    assert language_of(None, {"LANG": "C.UTF-8"}) == "ru"
    assert language_of(None, {}) == "ru"
    assert language_of("en", {"LANG": "kk_KZ.UTF-8"}) == "en"


def test_a_real_process(app, world, organiser, store_url, tmp_path):
    """The command as a person runs it (``python -m cli.main``, as the console script)."""
    path = tmp_path / "Қатысушылар.xlsx"
    path.write_bytes(participants_file(rows()))
    env = {**os.environ, "REGISTRY_TOKEN": organiser, "LANG": "kk_KZ.UTF-8"}
    env["PYTHONPATH"] = str(ROOT)
    command = [
        sys.executable,
        "-m",
        "cli.main",
        "--database-url",
        store_url,
        "import",
        "participants",
        str(path),
        "--competition",
        str(world.competition),
    ]
    done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "Жүктелді" in done.stdout and "Жолдарды тексеру" in done.stderr
    again = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0 and "бұрын жүктелген" in again.stdout
    entrants = app.competition(world.competition).entrants.values()
    assert KAZAKH_NAMES[0] in {e.full_name for e in entrants}
