"""Bearer tokens for the demo accounts (``registry serve --demo``).

The demo history creates its accounts without tokens (it must stay deterministic), so nobody
can act as them until a token is rotated in. This module rotates tokens in for one account
of each role — admin, organiser, akimat, auditor, the chief expert and the experts of one
demo competition, and one expert of another competition (to try a 403) — and for the 2026
championship still in progress: an expert and the chief of the competition in marking, and
the chief of the competition with a disputed aspect (their notes begin "2026 marking:" and
"2026 disputed:"). It writes them to a file readable only by its owner (mode 600), with
names, roles and, in the header, the competitions' ids.

Run again, it keeps the tokens of the file that still work and rotates only the others, so
a restart of ``registry serve --demo`` records nothing new.
"""

from __future__ import annotations

import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID

import msgspec

from demo import data as demo_data
from demo import history as demo
from domain import ids
from registry.application import RegistryApplication
from store.settings import private_directory


class DemoToken(msgspec.Struct, frozen=True):
    role: str
    name: str
    account_id: UUID
    token: str
    note: str = ""


def _chiefs() -> set[str]:
    return {c.chief for ch in demo_data.ALL_CHAMPIONSHIPS for c in ch.competitions}


def demo_competition() -> tuple[demo_data.DemoChampionship, demo_data.DemoCompetition]:
    """The competition whose chief and experts get tokens: the first one whose experts all
    have the role ``expert`` (not chief experts elsewhere), so every role gets a token."""
    chiefs = _chiefs()
    return next(
        (championship, competition)
        for championship in demo_data.CHAMPIONSHIPS
        for competition in championship.competitions
        if not chiefs & set(competition.experts)
    )


def _competition_id(
    championship: demo_data.DemoChampionship, competition: demo_data.DemoCompetition
) -> UUID:
    championship_id = ids.championship_id(
        championship.kind, championship.level, championship.year, championship.region
    )
    return ids.competition_id(championship_id, competition.competency, competition.category)


def competitions_2026() -> dict[str, demo_data.DemoCompetition]:
    """The 2026 competitions whose expert or chief get tokens, by stage ("marking",
    "disputed")."""
    championship = demo_data.CHAMPIONSHIP_2026
    return {
        stage: next(c for c in championship.competitions if c.competency == code)
        for stage, code in demo_data.TOKENS_2026.items()
    }


def wanted_accounts() -> list[tuple[str, str, str]]:
    """(role, name, note) of the demo accounts that get tokens."""
    championship, competition = demo_competition()
    names = {e.key: e.name for e in demo_data.EXPERTS}
    where = f"{competition.competency} ({competition.category}), {championship.title_ru}"
    accounts = [
        ("admin", demo.ADMIN_NAME, ""),
        ("organiser", demo.ORGANISER_NAME, ""),
        ("akimat", demo.AKIMAT_NAME, ""),
        ("auditor", demo.AUDITOR_NAME, ""),
        ("chief_expert", names[competition.chief], f"chief expert of {where}"),
    ]
    accounts += [("expert", names[key], f"expert of {where}") for key in competition.experts]
    judging = {competition.chief, *competition.experts}
    chiefs = _chiefs()
    elsewhere = next(
        key
        for c in championship.competitions
        for key in c.experts
        if key not in judging and key not in chiefs
    )
    accounts.append(("expert", names[elsewhere], f"NOT an expert of {where}"))
    # The championship in progress: its notes begin with "2026 <stage>:".
    title = demo_data.CHAMPIONSHIP_2026.title_ru
    marking = competitions_2026()["marking"]
    disputed = competitions_2026()["disputed"]
    at = f"{marking.competency} ({marking.category}), {title}"
    accounts += [
        ("expert", names[marking.experts[0]], f"2026 marking: expert of {at}, partly marked"),
        ("chief_expert", names[marking.chief], f"2026 marking: chief expert of {at}"),
        (
            "chief_expert",
            names[disputed.chief],
            f"2026 disputed: chief expert of {disputed.competency} ({disputed.category}), "
            f"{title}, a judgement aspect disputed",
        ),
    ]
    assert len({name for _, name, _ in accounts}) == len(accounts), "one line per account"
    return accounts


def read_tokens(path: Path) -> dict[UUID, str]:
    """Tokens of an earlier tokens file, by account id (nothing if there is none)."""
    tokens: dict[UUID, str] = {}
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (FileNotFoundError, UnicodeDecodeError):
        return tokens
    for line in lines:
        fields = line.split("\t")
        if line.startswith("#") or len(fields) < 4:
            continue
        try:
            tokens[UUID(fields[2])] = fields[3]
        except ValueError:
            continue
    return tokens


def issue_demo_tokens(
    registry: RegistryApplication, path: Path, actor: UUID = ids.SYSTEM_ACTOR
) -> list[DemoToken]:
    """Make sure every wanted demo account has a working token; write them all to ``path``."""
    earlier = read_tokens(path)
    issued = []
    for _role, name, note in wanted_accounts():
        account_id = ids.account_id(name)
        account = registry.account(account_id)  # the demo must be loaded: not-found otherwise
        token = earlier.get(account_id)
        if token is None or registry.authenticate(token) is None:
            token = registry.rotate_token(actor=actor, account_id=account_id).token
        assert token is not None
        issued.append(DemoToken(str(account.role), account.name, account_id, token, note))
    write_tokens(path, issued, registry.settings.describe())
    return issued


def write_tokens(path: Path, tokens: list[DemoToken], store: str) -> None:
    """Write the tokens file atomically, readable and writable by its owner only."""
    championship, competition = demo_competition()
    lines = [
        f"# Demo bearer tokens of the registry on {store}",
        f"# written {datetime.now(tz=UTC).isoformat(timespec='seconds')}; keep private (mode 600)",
        f"# experts: competition {_competition_id(championship, competition)}",
    ]
    lines += [
        f"# 2026 {stage}: competition {_competition_id(demo_data.CHAMPIONSHIP_2026, c)}"
        for stage, c in competitions_2026().items()
    ]
    lines.append("# role\tname\taccount id\ttoken\tnote")
    lines += [f"{t.role}\t{t.name}\t{t.account_id}\t{t.token}\t{t.note}" for t in tokens]
    private_directory(path.parent)  # a folder it makes is owner-only (0700), whatever the umask
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tokens-", text=True)
    try:
        os.fchmod(descriptor, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            file.write("\n".join(lines) + "\n")
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    path.chmod(0o600)
