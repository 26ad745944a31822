"""``registry personal-data erase`` (issue 13, point 13) through click's runner and as the real
console script, on SQLite and PostgreSQL: it records the erasure and destroys the key; an
unknown participant or a missing reason is a clear message and a non-zero exit."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from click.testing import CliRunner

from cli.main import main
from domain.participant import Participant
from registry.application import RegistryApplication
from store.keys import PersonalKeys
from tests.helpers import ORGANISER, build_world
from tests.registry.test_cli import run


def _person(app: RegistryApplication) -> UUID:
    org = build_world(app, kind="abilympics", start=False).orgs["college_c"]
    return app.register_participant(
        actor=ORGANISER,
        full_name="Жақсылықова Әсел",
        organisation_id=org,
        birth_date=date(2005, 7, 14),
        disability="нарушение зрения",
    ).id


def test_erase_through_the_runner(app):
    person = _person(app)
    runner = CliRunner()
    url = app.settings.database_url
    result = runner.invoke(
        main,
        ["--database-url", url, "personal-data", "erase", str(person), "--reason", "запрос"],
        env={"LANG": "en_US.UTF-8"},
    )
    assert result.exit_code == 0, result.output
    assert f"disability of participant {person} are erased" in result.output
    assert app.personal_data(person) is None
    assert PersonalKeys(app.settings, app.recorder.datastore).key_of(person) is None
    last = list(app.events.get(person))[-1]
    assert isinstance(last, Participant.PersonalDataErased) and last.reason == "запрос"
    erase = ["--database-url", url, "personal-data", "erase"]
    again = runner.invoke(main, ["--lang", "en", *erase, str(person), "--reason", "x"])
    assert again.exit_code == 0 and "nothing new was recorded" in again.output

    unknown = runner.invoke(main, [*erase, str(UUID(int=5)), "--reason", "x", "--lang", "en"])
    assert unknown.exit_code != 0
    assert f"Refused: no participant with id {UUID(int=5)}" in unknown.output
    missing = runner.invoke(main, ["--database-url", url, "personal-data", "erase", str(person)])
    assert missing.exit_code == 2 and "--reason" in missing.output


def test_erase_as_the_console_script(app):
    person = _person(app)
    url = app.settings.database_url
    done = run("personal-data", "erase", str(person), "--reason", "заявление", url=url)
    assert done.returncode == 0, done.stderr
    assert "are erased and their key destroyed" in done.stdout
    assert app.personal_data(person) is None
    unknown = run("personal-data", "erase", str(UUID(int=9)), "--reason", "x", url=url)
    assert unknown.returncode == 1
    assert f"no participant with id {UUID(int=9)}" in unknown.stderr
    assert "Traceback" not in unknown.stderr
