"""The harness itself: the served demo's tokens work through the JSON API helper, and the
accessibility and no-CDN helpers catch what they are meant to catch."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from demo.data import ALL_CHAMPIONSHIPS
from tests.browser.conftest import PageLog
from tests.browser.harness import JsonApi, RegistryServer, assert_accessible, axe_violations

ROLES = {"admin", "organiser", "akimat", "auditor", "chief_expert", "expert"}


def test_the_demo_server_is_ready_with_a_token_for_every_role(
    registry_server: RegistryServer, api: JsonApi
):
    tokens = registry_server.tokens
    assert tokens is not None and tokens.competition_id is not None
    assert {account.role for account in tokens.accounts} == ROLES
    assert tokens.outsider.role == "expert"
    assert tokens.outsider not in tokens.by_role("expert")
    ready = api.get("/readyz")
    assert ready["status"] == "ready" and ready["projector_lag"] == 0
    assert ready["head_position"] >= 1200  # the demo history (~1,270 events)
    # the demo's four championships of 2025 and the one of 2026 in progress
    assert len(api.get("championships")) == len(ALL_CHAMPIONSHIPS) == 5
    # 2026: an expert and the chief of the competition in marking, the chief of the disputed one
    assert set(tokens.competitions_2026) == {"marking", "disputed"}
    for role, stage in (
        ("expert", "marking"),
        ("chief_expert", "marking"),
        ("chief_expert", "disputed"),
    ):
        account = tokens.in_2026(role, stage)
        assert account not in tokens.by_role(role)
        competition = api.get(
            f"competitions/{tokens.competitions_2026[stage]}", token=account.token
        )
        assert competition["status"] == "marking"
    # the tokens authenticate: the auditor may verify the seal chain, nobody else anonymous
    assert api.request("GET", "audit/verify", role="auditor").status_code == 200
    api.request("GET", "audit/verify", expect=401)
    api.request("GET", "audit/verify", token=tokens.outsider.token, expect=403)


def test_assert_accessible_lists_serious_violations_and_passes_a_clean_page(page: Page):
    page.set_content("<html><body><img src='data:,'><input type='text'></body></html>")
    violations = axe_violations(page)
    assert {"image-alt", "label"} <= {v["id"] for v in violations}
    with pytest.raises(AssertionError) as failure:
        assert_accessible(page)
    assert "image-alt" in str(failure.value) and "<img" in str(failure.value)

    page.set_content(
        "<!DOCTYPE html><html lang='kk'><head><title>Нәтижелер</title></head><body><main>"
        "<h1>Нәтижелер</h1><label>Аты <input type='text'></label></main></body></html>"
    )
    assert_accessible(page)


def test_block_external_aborts_and_records_requests_to_other_hosts(
    page: Page, page_log: PageLog, open_page
):
    open_page("/healthz")
    page.set_content("<img src='https://cdn.example.invalid/pixel.png'>")  # .invalid: no such host
    page.wait_for_timeout(200)
    assert page_log.blocked == ["https://cdn.example.invalid/pixel.png"]
