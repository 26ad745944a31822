"""``registry audit verify | checkpoint | keygen`` on SQLite and PostgreSQL: exit codes and
messages for an intact history, an edited, deleted or inserted row, checkpoints (signed,
tampered, pinned to a key) and a missing or malformed key."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest
from click.testing import CliRunner

from cli.main import main
from projections.runner import Projector
from projections.store import ViewStore
from tests.helpers import build_world
from tests.projections.tamper import Tamper

KEY = "00" * 31 + "01"
REGISTRY = shutil.which("registry")


def audit(app, *args: str, key: str | None = KEY):
    env = {"REGISTRY_SEAL_KEY": key} if key is not None else {"REGISTRY_SEAL_KEY": ""}
    return CliRunner().invoke(
        main,
        ["--lang", "en", "--database-url", app.settings.database_url, "audit", *args],
        env=env,
        catch_exceptions=False,
    )


@pytest.fixture
def positions(app) -> list[int]:
    build_world(app)
    store = ViewStore(app.settings)
    try:
        Projector(app, store).catch_up()
    finally:
        store.close()
    return Tamper(app).positions()


def test_verify_an_intact_history(app, positions):
    result = audit(app, "verify")
    assert result.exit_code == 0, result.output
    assert f"seal chain intact: {len(positions)} events checked" in result.output
    report = json.loads(audit(app, "verify", "--json").stdout)["seal"]
    assert report["ok"] is True and report["head_position"] == positions[-1]
    assert "first_bad_position" not in report


@pytest.mark.parametrize("change", ["edit", "delete", "insert"])
def test_verify_names_the_changed_position_and_exits_1(app, positions, change):
    tamper = Tamper(app)
    if change == "edit":
        tamper.edit_one_byte(bad := positions[6])
        kind = "edited"
    elif change == "delete":
        tamper.delete(bad := positions[6])
        kind = "deleted"
    else:
        tamper.insert_copy(bad := 0, of=positions[6])
        kind = "inserted"
    result = audit(app, "verify")
    assert result.exit_code == 1
    assert f"seal chain BROKEN at position {bad} ({kind})" in result.output
    assert "verification FAILED" in result.output
    report = json.loads(audit(app, "verify", "--json").stdout)["seal"]
    assert (report["ok"], report["first_bad_position"], report["problem"]) == (False, bad, kind)


def test_checkpoint_then_verify_it_then_an_edit_below_it_fails(app, positions, tmp_path):
    path = tmp_path / "checkpoint.json"
    written = audit(app, "checkpoint", "--output", str(path))
    assert written.exit_code == 0, written.output
    checkpoint = json.loads(path.read_text())
    assert checkpoint["position"] == positions[-1] and len(checkpoint["signature"]) == 128
    again = audit(app, "checkpoint", "--output", str(path))
    assert again.exit_code == 1 and "never overwritten" in again.output

    ok = audit(app, "verify", "--checkpoint", str(path), "--public-key", checkpoint["public_key"])
    assert ok.exit_code == 0, ok.output
    assert f"checkpoint holds: the stored events up to position {positions[-1]}" in ok.output

    Tamper(app).edit_one_byte(positions[2])
    broken = audit(app, "verify", "--checkpoint", str(path))
    assert broken.exit_code == 1
    assert f"checkpoint at position {positions[-1]} FAILS (history-changed)" in broken.output
    assert f"BROKEN at position {positions[2]} (edited)" in broken.output


def test_a_tampered_checkpoint_or_another_key_fails(app, positions, tmp_path):
    printed = audit(app, "checkpoint")
    assert printed.exit_code == 0, printed.output
    checkpoint = json.loads(printed.stdout)
    tampered = dict(checkpoint, head_hash="0" * 64)
    (tmp_path / "tampered.json").write_text(json.dumps(tampered))
    result = audit(app, "verify", "--checkpoint", str(tmp_path / "tampered.json"))
    assert result.exit_code == 1 and "FAILS (bad-signature)" in result.output

    (tmp_path / "good.json").write_text(json.dumps(checkpoint))
    other = "ab" * 32
    result = audit(
        app, "verify", "--checkpoint", str(tmp_path / "good.json"), "--public-key", other
    )
    assert result.exit_code == 1 and "not with the key you gave" in result.output

    (tmp_path / "junk.json").write_text('{"position": 1}')
    result = audit(app, "verify", "--checkpoint", str(tmp_path / "junk.json"))
    assert result.exit_code == 1 and "not a seal checkpoint" in result.output


def test_checkpoint_needs_a_good_key_and_an_intact_history(app, positions):
    missing = audit(app, "checkpoint", key=None)
    assert missing.exit_code == 1 and "REGISTRY_SEAL_KEY is not set" in missing.output
    malformed = audit(app, "checkpoint", key="not-a-key")
    assert (
        malformed.exit_code == 1
        and "REGISTRY_SEAL_KEY is not a signing key: expected the 32-byte" in malformed.output
    )
    Tamper(app).delete(positions[4])
    refused = audit(app, "checkpoint")
    assert refused.exit_code == 1
    assert "is never signed" in refused.output and f"position {positions[4]}" in refused.output


def test_keygen_prints_a_usable_key(app, positions):
    result = CliRunner().invoke(main, ["audit", "keygen"])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].startswith("REGISTRY_SEAL_KEY=") and lines[1].startswith("public key: ")
    key, public = lines[0].split("=", 1)[1], lines[1].split(": ", 1)[1]
    signed = json.loads(audit(app, "checkpoint", key=key).stdout)
    assert signed["public_key"] == public


def test_the_console_script_exits_1_on_a_changed_history(store_url):
    """The real process: `registry project` seals, `registry audit verify` checks."""
    env = {**os.environ, "REGISTRY_DATABASE_URL": store_url, "LANG": "en_US.UTF-8"}
    command = [REGISTRY] if REGISTRY else [sys.executable, "-m", "cli.main"]

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*command, *args], capture_output=True, text=True, env=env, timeout=120, check=False
        )

    assert run("demo", "--quiet").returncode == 0
    assert run("project", "--exit-when-caught-up").returncode == 0
    intact = run("audit", "verify")
    assert intact.returncode == 0, intact.stderr
    from registry.application import RegistryApplication
    from store.settings import parse_database_url

    app = RegistryApplication(parse_database_url(store_url))
    try:
        target = Tamper(app).positions()[100]
        Tamper(app).edit_one_byte(target)
    finally:
        app.close()
    broken = run("audit", "verify")
    assert broken.returncode == 1
    assert f"BROKEN at position {target} (edited)" in broken.stdout


@pytest.mark.parametrize("form", ["hex", "HEX", "base64", "base64url", "unpadded"])
def test_the_seal_key_reads_hex_or_base64(form):
    import base64

    from store.settings import load_seal_key

    seed = bytes(range(200, 232))
    value = {
        "hex": seed.hex(),
        "HEX": seed.hex().upper(),
        "base64": base64.b64encode(seed).decode(),
        "base64url": base64.urlsafe_b64encode(seed).decode(),
        "unpadded": base64.urlsafe_b64encode(seed).decode().rstrip("="),
    }[form]
    assert load_seal_key({"REGISTRY_SEAL_KEY": f" {value} "}) == seed


@pytest.mark.parametrize("value", ["abc", "zz" * 32, "00" * 31, "AAAA", "not a key at all!"])
def test_a_malformed_seal_key_is_a_clear_settings_error(value):
    from store.settings import SettingsError, load_seal_key

    with pytest.raises(
        SettingsError, match="REGISTRY_SEAL_KEY is not a signing key: expected the 32-byte"
    ):
        load_seal_key({"REGISTRY_SEAL_KEY": value})
    assert load_seal_key({}) is None and load_seal_key({"REGISTRY_SEAL_KEY": " "}) is None


def test_events_written_after_the_last_seal_exit_2_with_a_clear_message(app, positions):
    """Issue 13, point 15: not sealed yet is neither a failure nor a success."""
    from domain.ids import SYSTEM_ACTOR

    app.register_organisation(
        actor=SYSTEM_ACTOR,
        name_ru="Новый колледж",
        name_kk="Жаңа колледж",
        kind="college",
        region="VKO",
    )
    result = audit(app, "verify")
    assert result.exit_code == 2, result.output
    assert "NOT FULLY VERIFIED: 1 events written after the last seal" in result.output
    report = json.loads(audit(app, "verify", "--json").stdout)["seal"]
    assert (report["ok"], report["status"], report["unsealed"]) == (True, "unsealed", 1)


def test_a_checkpoint_is_recorded_and_a_plain_verify_checks_the_head_against_it(
    app, positions, tmp_path
):
    written = audit(app, "checkpoint", "--output", str(tmp_path / "cp.json"))
    assert written.exit_code == 0, written.output
    assert "recorded beside the events" in written.output
    # the newest events deleted with their seals, the seal view's position moved back
    store = ViewStore(app.settings)
    try:
        for position in positions[-2:]:
            Tamper(app).delete(position)
        with store.transaction(commit=True) as cursor:
            store.execute(
                cursor, f"DELETE FROM {store.table('v_seal')} WHERE position > ?", (positions[-3],)
            )
            store.execute(
                cursor,
                f"UPDATE {store.tracking_table} SET notification_id = ? WHERE application_name = ?",
                (positions[-3], "seal"),
            )
    finally:
        store.close()
    result = audit(app, "verify")
    assert result.exit_code == 1
    assert f"BROKEN at position {positions[-3] + 1} (truncated)" in result.output
    assert f"behind the newest recorded checkpoint (position {positions[-1]}" in result.output
