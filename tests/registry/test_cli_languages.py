"""Every ``registry`` command speaks the user's language (``cli.texts``): Russian by default,
Kazakh with ``--lang kk`` (given to the ``registry`` group or to the command) or with
``LANG=kk_KZ.UTF-8``, English with ``--lang en``. Bad input is a clear message in that
language and a non-zero exit, and nothing is stored. On SQLite and PostgreSQL; the expected
texts come from the catalogs (``Texts``), never from the output."""

from __future__ import annotations

import socket
from uuid import UUID

import pytest
from click.testing import CliRunner, Result

from cli.common import EVENTS_TABLE
from cli.main import main
from cli.texts import Texts, refusal, store_name
from domain.errors import DomainError
from projections.runner import PROJECTIONS
from registry.application import RegistryApplication
from registry.service import NOT_FOUND
from store.settings import SettingsError, load_settings, parse_database_url, store_exists
from tests.helpers import build_world

#: no language of ours in LANG: the commands speak Russian
NO_LANG = {"LANG": "C.UTF-8"}
KAZAKH = {"LANG": "kk_KZ.UTF-8"}
UNKNOWN = UUID("5e1f0c3a-0000-4000-8000-000000000000")


def registry(url: str, *args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(
        main, ["--database-url", url, *args], env=env or NO_LANG, prog_name="registry"
    )


def said(lang: str, msgid: str, **params: object) -> str:
    """The catalog's text, which must be a translation in ru and kk."""
    text = Texts(lang).gettext(msgid, **params)
    if lang != "en":
        assert text != msgid % params if params else text != msgid, f"{lang}: {msgid}"
    return text


def refused(result: Result, text: str, code: int = 1) -> None:
    assert result.exit_code == code, result.output
    assert text in result.output, result.output
    assert "Traceback" not in result.output and "Error:" not in result.output


def absent(url: str) -> bool:
    return not store_exists(parse_database_url(url), EVENTS_TABLE)


def stored(app: RegistryApplication) -> tuple[int, int]:
    return app.event_count(), app.head_position()


# ------------------------------------------------------------------ opening the registry


@pytest.mark.parametrize(
    ("args", "env", "lang"),
    [
        (["info"], None, "ru"),
        (["--lang", "kk", "project", "--exit-when-caught-up"], None, "kk"),
        (["policy", "--exit-when-caught-up", "--lang", "kk"], None, "kk"),
        (["rebuild"], KAZAKH, "kk"),
        (["audit", "verify"], KAZAKH, "kk"),
        (["--lang", "kk", "info", "--lang", "ru"], None, "ru"),  # the command's own wins
        (["--lang", "en", "personal-data", "erase", str(UNKNOWN), "--reason", "x"], KAZAKH, "en"),
    ],
)
def test_a_registry_that_does_not_exist_is_named_in_the_users_language(store_url, args, env, lang):
    result = registry(store_url, *args, env=env)
    text = said(
        lang,
        "There is no registry at %(store)s. Check REGISTRY_DATABASE_URL or --database-url; a "
        "new registry is made by `registry serve`, `registry demo` or `registry accounts "
        "create`. Nothing was recorded.",
        store=store_name(parse_database_url(store_url), Texts(lang)),
    )
    refused(result, text)
    assert absent(store_url)


@pytest.mark.parametrize(("env", "lang"), [(None, "ru"), (KAZAKH, "kk")])
@pytest.mark.parametrize(
    ("url", "msgid", "params"),
    [
        (
            "mysql://x@y/z",
            "REGISTRY_DATABASE_URL: %(url)s is neither sqlite:///PATH nor "
            "postgresql://USER@HOST:PORT/DATABASE.",
            {"url": "'mysql://x@y/z'"},
        ),
        (
            "sqlite:///:memory:",
            "REGISTRY_DATABASE_URL: a registry in memory would lose every event when the "
            "command ends; give the path of a file.",
            {},
        ),
        (
            "sqlite:///",
            "REGISTRY_DATABASE_URL: after sqlite:/// give the path of the registry's file.",
            {},
        ),
        (
            "postgresql://postgres@127.0.0.1/test?schema=1x",
            "REGISTRY_DATABASE_URL: %(schema)s is not a schema name (small Latin letters, "
            "digits and _, not starting with a digit).",
            {"schema": "'1x'"},
        ),
        (
            "postgresql://postgres@127.0.0.1/",
            "REGISTRY_DATABASE_URL: after postgresql://USER@HOST:PORT/ give the database name.",
            {},
        ),
        (
            "postgresql://postgres@127.0.0.1:port/test",
            "REGISTRY_DATABASE_URL: the port of the database server is not a number.",
            {},
        ),
        (
            "postgresql://postgres@127.0.0.1/test?pool_size=0",
            "REGISTRY_DATABASE_URL: %(name)s must be a whole number, at least 1.",
            {"name": "pool_size"},
        ),
    ],
)
def test_bad_settings_are_said_in_the_users_language(env, lang, url, msgid, params):
    with pytest.raises(SettingsError) as error:
        load_settings(url)
    assert (error.value.template, error.value.params) == (msgid, params)
    reason = said(lang, msgid, **params)
    for args in (["info"], ["serve", "--port", "8123"]):
        result = registry(url, *args, env=env)
        refused(
            result,
            said(
                lang, "The settings cannot be used: %(reason)s Nothing was recorded.", reason=reason
            ),
        )


@pytest.mark.parametrize(("env", "lang"), [({**NO_LANG}, "ru"), ({**KAZAKH}, "kk")])
def test_an_unknown_projector_mode_names_every_mode_in_the_users_language(
    store_url, monkeypatch, env, lang
):
    import uvicorn

    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: pytest.fail("must not start"))
    env["REGISTRY_PROJECTOR"] = "thread"
    result = registry(store_url, "serve", "--port", "8123", env=env)
    reason = said(
        lang,
        "REGISTRY_PROJECTOR: %(mode)s is not a way to run the projector: give one of %(modes)s.",
        mode="'thread'",
        modes="process, in-process, external",
    )
    refused(
        result,
        said(lang, "The settings cannot be used: %(reason)s Nothing was recorded.", reason=reason),
    )
    assert absent(store_url)  # refused before the store was made


@pytest.mark.parametrize(("env", "lang"), [(None, "ru"), (KAZAKH, "kk")])
def test_an_unreachable_database_server_is_said_in_the_users_language(env, lang):
    url = "postgresql://postgres@127.0.0.1:1/test"  # nothing listens on port 1
    result = registry(url, "info", env=env)
    assert result.exit_code == 1, result.output
    wrapper = said(
        lang,
        "Cannot open the registry's database: %(reason)s. Check that the database server is "
        "running and REGISTRY_DATABASE_URL is right.",
        reason="\0",
    )
    before, after = wrapper.split("\0")
    unreachable = said(
        lang,
        "cannot reach %(store)s: %(reason)s",
        store=parse_database_url(url).describe(),
        reason="\0",
    ).split("\0")[0]
    output = " ".join(result.output.split())  # as one line, however the terminal wrapped it
    assert output.startswith(" ".join((before + unreachable).split())), output
    assert output.endswith(" ".join(after.split())), output
    assert "Traceback" not in result.output


def test_serve_on_a_busy_port_says_so_in_kazakh_and_starts_nothing(store_url, monkeypatch):
    import uvicorn

    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: pytest.fail("must not start"))
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = registry(store_url, "serve", "--demo", "--port", str(port), env=KAZAKH)
    text = said(
        "kk",
        "Port %(port)s is already in use (another server?): choose another with --port. "
        "Nothing was started.",
        port=port,
    )
    refused(result, text)
    assert absent(store_url)


# ------------------------------------------------------------------ accounts


@pytest.mark.parametrize(
    ("flag", "env", "lang"), [([], None, "ru"), (["--lang", "kk"], None, "kk")]
)
def test_accounts_refusals_in_the_users_language(app, flag, env, lang):
    build_world(app, start=False)
    url, before = app.settings.database_url, stored(app)
    tr = Texts(lang)

    empty = registry(url, *flag, "accounts", "create", "--name", " ", "--role", "admin", env=env)
    refused(
        empty,
        refusal(
            DomainError("invalid-input", "%(field)s: must not be empty", params={"field": "name"}),
            tr,
        ).message,
    )
    unknown = registry(url, "accounts", "revoke", str(UNKNOWN), "--reason", "x", *flag, env=env)
    refused(
        unknown,
        refusal(DomainError("not-found", NOT_FOUND["account"], params={"id": UNKNOWN}), tr).message,
    )
    bad_id = registry(url, *flag, "accounts", "rotate", "not-an-id", env=env)
    refused(
        bad_id,
        said(
            lang,
            "%(param)s must be an id such as 6a8be9d9-04cc-503a-beef-f1cb33f90578.",
            param="'ID'",
        ),
        code=2,
    )
    no_reason = registry(url, "accounts", "revoke", str(UNKNOWN), *flag, env=env)
    refused(no_reason, said(lang, "%(param)s is missing: give it.", param="'--reason'"), code=2)
    assert said(lang, "Help: %(command)s --help", command="registry accounts revoke") in (
        no_reason.output
    )
    role = registry(url, *flag, "accounts", "create", "--name", "X", "--role", "boss", env=env)
    refused(
        role,
        said(
            lang,
            "%(param)s must be one of: %(choices)s.",
            param="'--role'",
            choices="admin, organiser, chief_expert, expert, akimat, auditor",
        ),
        code=2,
    )
    assert stored(app) == before


def test_an_unknown_command_is_named_in_kazakh(store_url):
    result = registry(store_url, "acounts", env=KAZAKH)
    refused(result, said("kk", "There is no command %(command)s.", command="acounts"), code=2)
    assert said("kk", "Did you mean %(options)s?", options="accounts") in result.output
    assert absent(store_url)


# ------------------------------------------------------------------ personal data


@pytest.mark.parametrize(("flag", "env", "lang"), [([], None, "ru"), ([], KAZAKH, "kk")])
def test_erasing_an_unknown_person_is_refused_in_the_users_language(app, flag, env, lang):
    build_world(app, start=False)
    before = stored(app)
    result = registry(
        app.settings.database_url,
        *flag,
        "personal-data",
        "erase",
        str(UNKNOWN),
        "--reason",
        "заявление",
        env=env,
    )
    error = DomainError("not-found", NOT_FOUND["participant"], params={"id": UNKNOWN})
    refused(result, refusal(error, Texts(lang)).message)
    assert stored(app) == before


# ------------------------------------------------------------------ audit: export and import


def test_a_restore_into_a_registry_that_is_not_empty_is_refused_in_russian_and_kazakh(
    app, tmp_path
):
    build_world(app, start=False)
    url, before = app.settings.database_url, stored(app)
    backup = tmp_path / "backup.ndjson"
    assert registry(url, "audit", "export", str(backup)).exit_code == 0
    for flag, env, lang in (([], None, "ru"), (["--lang", "kk"], None, "kk"), ([], KAZAKH, "kk")):
        result = registry(url, *flag, "audit", "import", str(backup), env=env)
        reason = said(
            lang,
            "The registry at %(store)s is not empty (%(events)s events): a backup is restored "
            "into an empty registry only.",
            store=store_name(app.settings, Texts(lang)),
            events=before[0],
        )
        refused(result, said(lang, "Nothing was imported: %(reason)s", reason=reason))
        assert stored(app) == before


def test_a_shuffled_backup_is_refused_in_kazakh_and_writes_nothing(app, tmp_path):
    build_world(app, start=False)
    backup = tmp_path / "backup.ndjson"
    assert registry(app.settings.database_url, "audit", "export", str(backup)).exit_code == 0
    lines = backup.read_bytes().splitlines(keepends=True)
    shuffled = tmp_path / "shuffled.ndjson"
    shuffled.write_bytes(b"".join([lines[1], lines[0], *lines[2:]]))
    target = f"sqlite:///{tmp_path}/restored.sqlite"
    result = registry(target, "audit", "import", str(shuffled), "--lang", "kk")
    first, second = (int(line.split(b'"position":')[1].split(b",")[0]) for line in lines[:2])
    reason = said(
        "kk",
        "Line %(line)s: position %(position)s does not follow %(last)s: the lines are out of "
        "order.",
        line=2,
        position=first,
        last=second,
    )
    refused(result, said("kk", "Nothing was imported: %(reason)s", reason=reason))
    restored = RegistryApplication(parse_database_url(target))
    try:
        assert restored.event_count() == 0
    finally:
        restored.close()


# ------------------------------------------------------------------ audit: the seal chain


@pytest.mark.parametrize(
    ("flag", "env", "lang"), [([], None, "ru"), (["--lang", "kk"], None, "kk")]
)
def test_seal_commands_refuse_bad_input_in_the_users_language(app, tmp_path, flag, env, lang):
    from projections.seal import parse_checkpoint

    build_world(app, start=False)
    url, before = app.settings.database_url, stored(app)
    pinned = registry(url, "audit", "verify", "--public-key", "ab" * 32, *flag, env=env)
    refused(
        pinned,
        said(lang, "--public-key goes with --checkpoint: give the checkpoint to check."),
        code=2,
    )
    junk = tmp_path / "junk.json"
    junk.write_text('{"position": 1}')
    with pytest.raises(ValueError) as error:
        parse_checkpoint(junk.read_bytes())
    result = registry(url, *flag, "audit", "verify", "--checkpoint", str(junk), env=env)
    refused(
        result,
        said(
            lang,
            "%(file)s is not a seal checkpoint (as `registry audit checkpoint` writes it): "
            "%(reason)s",
            file=str(junk),
            reason=error.value,
        ),
    )
    output = tmp_path / "checkpoint.json"
    unsigned = CliRunner().invoke(
        main,
        ["--database-url", url, *flag, "audit", "checkpoint", "--output", str(output)],
        env={**(env or NO_LANG), "REGISTRY_SEAL_KEY": ""},
    )
    refused(
        unsigned,
        said(
            lang,
            "%(variable)s is not set: a checkpoint is signed with it (`registry audit keygen` "
            "makes a key). Nothing was signed.",
            variable="REGISTRY_SEAL_KEY",
        ),
    )
    assert not output.exists()
    assert stored(app) == before


# ------------------------------------------------------------------ rebuild, and the group's
# language reaching the commands that had their own --lang already


@pytest.mark.parametrize(("flag", "env", "lang"), [([], None, "ru"), ([], KAZAKH, "kk")])
def test_rebuild_of_an_unknown_view_is_refused_in_the_users_language(app, flag, env, lang):
    build_world(app, start=False)
    before = stored(app)
    result = registry(app.settings.database_url, *flag, "rebuild", "results", "standings", env=env)
    text = said(
        lang,
        "There is no view %(unknown)s. The views are: %(known)s.",
        unknown="standings",
        known=", ".join(PROJECTIONS),
    )
    refused(result, text, code=2)
    assert stored(app) == before


def test_the_groups_language_reaches_import_and_certificate_key(app, tmp_path):
    build_world(app, start=False)
    url, before = app.settings.database_url, stored(app)
    sheet = tmp_path / "participants.xlsx"
    sheet.write_bytes(b"not a workbook")
    no_token = CliRunner().invoke(
        main,
        ["--lang", "kk", "--database-url", url, "import", "participants", str(sheet)],
        env={"REGISTRY_TOKEN": None},
    )
    refused(no_token, said("kk", "A token is needed: give --token or set REGISTRY_TOKEN."))
    key = tmp_path / "key.txt"
    key.write_text("nonsense")
    not_a_key = registry(url, "--lang", "kk", "certificate-key", "import", str(key))
    refused(
        not_a_key,
        said(
            "kk",
            "%(file)s is not a certificate key (64 hexadecimal digits, as `registry "
            "certificate-key export` writes). Nothing was changed.",
            file=str(key),
        ),
    )
    assert stored(app) == before


@pytest.mark.parametrize(("env", "lang"), [(None, "ru"), (KAZAKH, "kk")])
def test_a_rebuild_in_a_log_ends_with_its_counts_in_the_users_language(app, env, lang):
    """Not a terminal (a log): plain lines, the last one with every event counted."""
    build_world(app, start=False)
    head = app.head_position()
    result = registry(app.settings.database_url, "rebuild", "results", env=env)
    assert result.exit_code == 0, result.output
    lead = said(
        lang,
        "%(done)s/%(total)s, %(rate)s events/s, %(eta)s s left",
        done=head,
        total=head,
        rate="RATE",
        eta="0",
    ).split("RATE")[0]
    last = [line for line in result.output.splitlines() if lead in line]
    assert last and "\r" not in result.output, result.output
