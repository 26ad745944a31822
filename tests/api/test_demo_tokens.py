"""The demo's tokens for the 2026 championship in progress (issue 15, point 13): the tokens
file names an expert and the chief of a competition in marking (and the chief of the one
with a disputed aspect); through the HTTP API, their tokens enter marks and are refused on a
competitor of their own organisation."""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID

from demo import data
from demo.history import load_demo
from demo.tokens import issue_demo_tokens
from domain import ids
from domain.values import AspectType, CompetitionStatus, ExpertRole
from tests.api.conftest import bearer
from tests.browser.harness import parse_tokens_file


def _competition_2026(stage: str) -> UUID:
    champ = data.CHAMPIONSHIP_2026
    championship_id = ids.championship_id(champ.kind, champ.level, champ.year, champ.region)
    spec = next(c for c in champ.competitions if c.competency == data.TOKENS_2026[stage])
    return ids.competition_id(championship_id, spec.competency, spec.category)


async def test_2026_tokens_mark_and_are_refused_on_their_own_college(app, client, tmp_path):
    load_demo(app)
    path = tmp_path / "var" / "demo-tokens.txt"
    issue_demo_tokens(app, path)
    text = path.read_text(encoding="utf-8")
    tokens = parse_tokens_file(path)  # the browser tests' reading of it
    marking = _competition_2026("marking")
    assert tokens.competitions_2026 == {
        "marking": marking,
        "disputed": _competition_2026("disputed"),
    }
    # the lines of 2025 keep their meaning: the chief and experts of ``competition_id``
    earlier = app.competition(tokens.competition_id)
    assert tokens.account("chief_expert").account_id == earlier.chief().account_id
    assert tokens.account("expert").account_id in earlier.experts

    expert = tokens.in_2026("expert")
    chief = tokens.in_2026("chief_expert")
    for account, role in ((expert, "expert"), (chief, "chief_expert")):
        assert f"{role}\t{account.name}\t{account.account_id}\t{account.token}\t2026 marking:" in (
            text
        )
        assert data.CHAMPIONSHIP_2026.title_ru in account.note
    state = app.competition(marking)
    assert state.status is CompetitionStatus.MARKING
    assert 0 < state.marks_present() < state.marks_expected()
    assert state.experts[expert.account_id].role is ExpertRole.EXPERT
    assert state.experts[chief.account_id].role is ExpertRole.CHIEF
    disputed_chief = tokens.in_2026("chief_expert", "disputed")
    disputed = app.competition(tokens.competitions_2026["disputed"])
    assert disputed.chief().account_id == disputed_chief.account_id and disputed.disputed()

    path_of_marks = f"/api/v1/competitions/{marking}/marks"
    for account in (expert, chief):
        state = app.competition(marking)
        home = state.experts[account.account_id].organisation_id
        own = [p for p, e in state.entrants.items() if e.organisation_id == home]
        assert own, account.name
        competitor, aspect = next(
            (p, a.id)
            for p, entrant in state.entrants.items()
            for a in state.scheme
            if entrant.organisation_id != home
            and a.type is AspectType.MEASUREMENT
            and (p, a.id) not in state.measurements
        )
        before = app.event_count()
        refused = await client.post(
            path_of_marks,
            json={"competitor_id": str(own[0]), "aspect_id": aspect, "value": "1.00"},
            headers=bearer(account.token),
        )
        assert refused.status_code == 409, refused.text
        assert refused.json()["type"] == "/problems/conflict-of-interest"
        assert app.event_count() == before
        entered = await client.post(
            path_of_marks,
            json={"competitor_id": str(competitor), "aspect_id": aspect, "value": "1.00"},
            headers=bearer(account.token),
        )
        assert entered.status_code == 201, entered.text
        held = app.competition(marking).measurements[(competitor, aspect)]
        assert held == (Decimal("1.00"), account.account_id)
