"""The judges' pages in Chromium, on the real ``registry serve --demo`` (SQLite and PostgreSQL):
an expert marks a whole sheet with the keyboard, loses the network while typing (the marks wait
in the browser, shown "not saved", and are sent when it returns: each stored once), corrects a
mark with a reason and signs off; the chief expert locks. What is stored is asserted through
the JSON API (as the auditor). axe-core finds no serious or critical violation on these pages
in Russian and Kazakh.

The demo's own competitions are all published, so each test registers a championship of its
own through the JSON API (organiser, admin), with experts whose tokens it gets from the admin.
"""

from __future__ import annotations

import random
import string
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from api.i18n import translator
from tests.browser.conftest import PageLog
from tests.browser.harness import JsonApi, RegistryServer, assert_accessible

#: the test scheme: two measurements and a judgement (three experts score it)
SCHEME = [
    {
        "id": "A1",
        "criterion": "A",
        "description": "Точность размеров",
        "max_mark": "40.00",
        "type": "measurement",
    },
    {
        "id": "A2",
        "criterion": "A",
        "description": "Качество шва",
        "max_mark": "30.00",
        "type": "measurement",
    },
    {
        "id": "B1",
        "criterion": "B",
        "description": "Эстетика изделия",
        "max_mark": "30.00",
        "type": "judgement",
    },
]
COMPETITORS = ("Әлихан Нұрланов", "Айгүл Қасымова", "Дмитрий Иванов")


def ru(message: str) -> str:
    return translator("ru").gettext(message)


def kk(message: str) -> str:
    return translator("kk").gettext(message)


@dataclass
class Judging:
    """A competition in marking, made for one test: its competitors (in the sheet's order,
    by name) and the judges' tokens (``expert``, ``expert2``, ``chief``, ``conflicted``)."""

    competition_id: str
    competitors: list[tuple[str, str]]  # (name, id), sorted by name
    tokens: dict[str, str] = field(default_factory=dict)
    ids: dict[str, str] = field(default_factory=dict)


def make_competition(api: JsonApi, tag: str) -> Judging:
    region = "T" + "".join(random.choice(string.ascii_uppercase) for _ in range(7))
    orgs = {}
    for key, kind in (("college", "college"), ("other", "college"), ("judges", "university")):
        orgs[key] = api.post(
            "organisations",
            {
                "name_ru": f"Колледж {key} {region}",
                "name_kk": f"Колледжі {key} {region}",
                "kind": kind,
                "region": region,
            },
            role="organiser",
            expect=201,
        )["id"]
    championship = api.post(
        "championships",
        {
            "kind": "worldskills",
            "level": "regional",
            "year": 2026,
            "region": region,
            "title_ru": f"Тестовый чемпионат {tag} {region}",
            "title_kk": f"Сынақ чемпионаты {tag} {region}",
            "starts_on": "2026-11-30",
            "ends_on": "2026-12-04",
        },
        role="organiser",
        expect=201,
    )["id"]
    competition = api.post(
        f"championships/{championship}/competitions",
        {
            "code": "welding",
            "title_ru": f"Сварка {tag}",
            "title_kk": f"Дәнекерлеу {tag}",
            "category": "main",
        },
        role="organiser",
        expect=201,
    )["id"]
    api.request(
        "PUT", f"competitions/{competition}/scheme", json={"aspects": SCHEME}, role="organiser"
    )
    competitors = []
    for index, name in enumerate(COMPETITORS):
        org = orgs["college"] if index < 2 else orgs["other"]
        person = api.post(
            "participants",
            # other people than the namesakes registered by earlier tests
            {"full_name": name, "organisation_id": org, "new_person": True},
            role="organiser",
            expect=201,
        )["id"]
        api.post(
            f"competitions/{competition}/entrants",
            {"participant_id": person},
            role="organiser",
            expect=201,
        )
        competitors.append((name, person))
    judging = Judging(competition, sorted(competitors))
    for key, role, expert_role, org in (
        ("chief", "chief_expert", "chief", orgs["judges"]),
        ("expert", "expert", "expert", orgs["judges"]),
        ("expert2", "expert", "expert", orgs["judges"]),
        ("conflicted", "expert", "expert", orgs["college"]),
    ):
        account = api.post(
            "accounts", {"name": f"Эксперт {key} {region}", "role": role}, role="admin", expect=201
        )
        judging.tokens[key], judging.ids[key] = account["token"], account["id"]
        api.post(
            f"competitions/{competition}/experts",
            {"account_id": account["id"], "role": expert_role, "organisation_id": org},
            role="organiser",
            expect=201,
        )
    api.post(f"competitions/{competition}/start", role="organiser")
    # The pages read the views: a page opened next must find the competition started.
    assert competition_now(api, judging)["status"] == "marking"
    return judging


def sign_in(page: Page, token: str, target: str) -> None:
    page.goto(f"/login?next={target}")
    page.locator("#token").fill(token)
    page.locator("form[action='/login'] button[type=submit]").click()
    page.wait_for_url(f"**{target}")


def stored(api: JsonApi, judging: Judging) -> list[dict[str, Any]]:
    """Every mark of the competition with its history, as the auditor reads it."""
    return api.get(f"competitions/{judging.competition_id}/marks", role="auditor")["marks"]


def competition_now(api: JsonApi, judging: Judging) -> dict[str, Any]:
    """``GET /competitions/{id}`` (a view) once the views have caught up with the head."""
    head = api.get("/readyz")["head_position"]
    return api.get(
        f"competitions/{judging.competition_id}",
        role="auditor",
        headers={"X-Registry-Min-Position": str(head)},
    )


def type_sheet(page: Page, values: list[str]) -> None:
    """Types ``values`` into the sheet's open cells in order, with Enter after each."""
    first = page.locator("input.marking-input:not([disabled])").first
    first.click()
    for value in values:
        page.keyboard.type(value)
        page.keyboard.press("Enter")


def sheet_values(judging: Judging) -> dict[tuple[str, str], str]:
    """The marks the expert types: (competitor id, aspect) -> value, in the sheet's order."""
    values = {}
    for row, (_, person) in enumerate(judging.competitors):
        values[(person, "A1")] = f"{30 + row}.50"
        values[(person, "A2")] = f"2{row}.25"
        values[(person, "B1")] = str(2 + (row % 2))
    return values


def test_an_expert_marks_a_sheet_by_keyboard_corrects_signs_off_and_the_chief_locks(
    page: Page, page_log: PageLog, api: JsonApi, new_page: Callable[..., tuple[Page, PageLog]]
) -> None:
    judging = make_competition(api, "keyboard")
    sheet = f"/mark/{judging.competition_id}"
    sign_in(page, judging.tokens["expert"], sheet)
    expect(page.get_by_role("heading", level=1)).to_contain_text(ru("Marking sheet"))
    assert_accessible(page)

    values = sheet_values(judging)
    type_sheet(page, list(values.values()))
    # every cell acknowledged: "saved" in each, nothing waiting
    states = page.locator("input.marking-input + .marking-state")
    expect(states).to_have_count(len(values))
    for index in range(len(values)):
        expect(states.nth(index)).to_have_text(ru("saved"))
    expect(page.locator("[data-progress='mine']")).to_have_text(str(len(values)))
    marks = stored(api, judging)
    found = {(m["competitor_id"], m["aspect_id"]): m for m in marks}
    assert set(found) == set(values)
    for key, value in values.items():
        assert found[key]["value"] == value, found[key]
        assert [v["kind"] for v in found[key]["values"]] == ["entered"]  # recorded once

    # a correction with a reason, from the sheet
    _, person = judging.competitors[0]
    reason = "опечатка: Әлихан Ұлы Қ"
    page.goto(f"{sheet}?correct={person}:A1#correct")
    page.locator("#correct-value").fill("35.00")
    page.locator("#correct-reason").fill(reason)
    page.get_by_role("button", name=ru("Record the correction")).click()
    expect(page.locator(".notice")).to_have_text(ru("The correction is recorded with its reason."))
    expect(page.locator("#history")).to_contain_text(reason)
    corrected = next(
        m for m in stored(api, judging) if m["competitor_id"] == person and m["aspect_id"] == "A1"
    )
    assert corrected["value"] == "35.00"
    assert [v["kind"] for v in corrected["values"]] == ["entered", "corrected"]
    assert corrected["values"][1]["reason"] == reason

    # sign-off
    page.get_by_role("button", name=ru("Sign off my marks")).click()
    expect(page.locator("#sign-off-state")).to_have_text(
        ru("You have signed off your marks for this competition.")
    )
    experts = competition_now(api, judging)["experts"]
    assert {e["account_id"]: e.get("signed_off") for e in experts}[judging.ids["expert"]] is True
    assert page_log.page_errors == [] and page_log.blocked == []

    # the two other judges score the judgement aspect and sign off through the JSON API
    for key in ("expert2", "chief"):
        sheet_marks = [
            {"competitor_id": p, "aspect_id": "B1", "value": 2} for _, p in judging.competitors
        ]
        api.post(
            f"competitions/{judging.competition_id}/marks",
            {"marks": sheet_marks},
            token=judging.tokens[key],
            expect=201,
        )
        api.post(f"competitions/{judging.competition_id}/sign-off", token=judging.tokens[key])

    # the chief: one expert (conflicted) has not signed off — lock with a reason
    chief, chief_log = new_page()
    sign_in(chief, judging.tokens["chief"], f"{sheet}/chief")
    expect(chief.locator("#missing-sign-offs")).to_contain_text("conflicted")
    assert_accessible(chief)
    chief.get_by_role("button", name=ru("Lock the marking")).click()
    expect(chief.locator("#lock-error")).to_be_visible()  # refused: a sign-off is missing
    assert competition_now(api, judging)["status"] == "marking"
    chief.locator("#override-reason").fill("эксперт не явился на площадку")
    chief.get_by_role("button", name=ru("Lock the marking")).click()
    expect(chief.locator(".notice")).to_have_text(ru("The competition is locked."))
    assert competition_now(api, judging)["status"] == "locked"
    assert_accessible(chief)
    assert chief_log.page_errors == []


def test_marks_typed_while_the_network_is_down_wait_in_the_browser_and_are_stored_once(
    page: Page, page_log: PageLog, api: JsonApi
) -> None:
    judging = make_competition(api, "offline")
    sheet = f"/mark/{judging.competition_id}"
    sign_in(page, judging.tokens["expert"], sheet)
    values = sheet_values(judging)
    first_row = list(values.values())[:3]
    type_sheet(page, first_row[:1])  # one mark saved while online
    expect(page.locator("#c0-0-state")).to_have_text(ru("saved"))

    page.context.set_offline(True)
    page.locator("#c0-1").click()
    for value in list(values.values())[1:]:
        page.keyboard.type(value)
        page.keyboard.press("Enter")
    # shown "not saved", and the queue says how many wait
    expect(page.locator("#c0-1-state")).to_have_text(ru("not saved"))
    expect(page.locator("#c2-2-state")).to_have_text(ru("not saved"))
    expect(page.locator("#marking-queue")).to_contain_text(str(len(values) - 1))
    assert len(stored(api, judging)) == 1  # nothing else reached the registry

    # a reload while offline is impossible; the queue is in localStorage all the same
    kept = page.evaluate(
        "key => Object.keys(JSON.parse(localStorage.getItem(key) || '{}')).length",
        page.locator("#marking-sheet").get_attribute("data-storage"),
    )
    assert kept == len(values) - 1

    page.context.set_offline(False)
    states = page.locator("input.marking-input + .marking-state")
    for index in range(len(values)):
        expect(states.nth(index)).to_have_text(ru("saved"), timeout=20_000)
    expect(page.locator("#marking-queue")).to_have_text(ru("Every mark is saved."))
    marks = stored(api, judging)
    assert {(m["competitor_id"], m["aspect_id"]) for m in marks} == set(values)
    for mark in marks:
        assert len(mark["values"]) == 1, mark  # every mark stored exactly once

    # a mark sent again (its answer lost on the way) is the no-op the rules promise
    before = api.get("/readyz")["head_position"]
    _, person = judging.competitors[2]
    answer = page.evaluate(
        """([endpoint, body]) => fetch(endpoint, {method: "POST", credentials: "same-origin",
             headers: {"Content-Type": "application/json", "x-csrftoken":
               document.querySelector("input[name=_csrf_token]").value},
             body: JSON.stringify(body)}).then(r => r.json())""",
        [
            f"{sheet}/marks",
            {"competitor_id": person, "aspect_id": "A2", "value": values[(person, "A2")]},
        ],
    )
    assert answer["recorded"] is False
    assert api.get("/readyz")["head_position"] == before
    assert page_log.page_errors == [] and page_log.blocked == []


@pytest.mark.parametrize("locale", ["kk-KZ"])
def test_the_judges_pages_in_kazakh_are_accessible_with_refusals_and_conflicts(
    page: Page, page_log: PageLog, api: JsonApi, new_page: Callable[..., tuple[Page, PageLog]]
) -> None:
    judging = make_competition(api, "kk")
    sheet = f"/mark/{judging.competition_id}"
    # the conflicted expert (same college as two competitors): their cells are disabled
    sign_in(page, judging.tokens["conflicted"], sheet)
    expect(page.locator("html")).to_have_attribute("lang", "kk")
    expect(page.get_by_role("heading", level=1)).to_contain_text(kk("Marking sheet"))
    expect(page.locator("input.marking-input[disabled]")).to_have_count(2 * len(SCHEME))
    expect(page.locator(".marking-blocked").first).to_contain_text(
        kk("You may not mark this competitor:")
    )
    # a refused value: shown next to its cell, in Kazakh
    open_cell = page.locator("input.marking-input:not([disabled])").first
    open_cell.click()
    page.keyboard.type("99.00")
    page.keyboard.press("Enter")
    error = page.locator(".marking-error").first
    expect(error).to_be_visible()
    expect(page.locator(".marking-cell--error .marking-state")).to_have_text(kk("refused"))
    assert_accessible(page)
    # the whole sheet without the script's help: the plain form, all or nothing
    page.get_by_role("button", name=kk("Save the whole sheet")).click()
    expect(page.locator("#sheet-problem")).to_contain_text(kk("Nothing was saved."))
    assert_accessible(page)
    assert stored(api, judging) == []

    chief, chief_log = new_page(locale="kk-KZ")
    sign_in(chief, judging.tokens["chief"], f"{sheet}/chief")
    expect(chief.locator("html")).to_have_attribute("lang", "kk")
    expect(chief.get_by_role("heading", level=1)).to_contain_text(kk("Chief expert"))
    assert_accessible(chief)
    chief.goto("/mark")  # the judge's competitions, where signing in leads
    expect(chief.get_by_role("heading", level=1)).to_have_text(kk("My competitions"))
    expect(chief.get_by_role("link", name=kk("Open the marking sheet")).first).to_be_visible()
    assert_accessible(chief)
    assert page_log.page_errors == [] and chief_log.page_errors == []


def test_the_demo_judges_sign_in_to_their_competition(
    page: Page,
    page_log: PageLog,
    registry_server: RegistryServer,
    new_page: Callable[..., tuple[Page, PageLog]],
) -> None:
    """The demo's expert and chief expert (``var/demo-tokens.txt``) land on their competitions
    and open the sheet and the chief's page of the tokens' competition, whatever its state."""
    tokens = registry_server.tokens
    assert tokens is not None and tokens.competition_id is not None
    competition = str(tokens.competition_id)
    page.goto("/login")
    page.locator("#token").fill(tokens.token("expert"))
    page.locator("form[action='/login'] button[type=submit]").click()
    page.wait_for_url("**/mark")
    page.locator(f"a[href='/mark/{competition}']").click()
    page.wait_for_url(f"**/mark/{competition}")
    expect(page.get_by_role("heading", level=1)).to_contain_text(ru("Marking sheet"))
    expect(page.locator("#marking-progress")).to_be_visible()
    assert_accessible(page)

    chief, chief_log = new_page()
    sign_in(chief, tokens.token("chief_expert"), f"/mark/{competition}/chief")
    expect(chief.get_by_role("heading", level=1)).to_contain_text(ru("Chief expert"))
    assert_accessible(chief)
    assert page_log.page_errors == [] and chief_log.page_errors == []


def test_the_demo_chief_resolves_the_disputed_aspect_and_locks(
    page: Page, page_log: PageLog, registry_server: RegistryServer, api: JsonApi
) -> None:
    """The demo's 2026 cooking competition has a judgement aspect scored 1 / 3 / 3 by three
    experts. Its chief sees which expert gave which score, corrects the outlier with a reason,
    signs off, and locks (with a reason: the corrected expert's sign-off was withdrawn by the
    correction). Each step is checked through the JSON API, as the auditor reads it."""
    tokens = registry_server.tokens
    assert tokens is not None
    competition = str(tokens.competitions_2026["disputed"])
    chief = tokens.in_2026("chief_expert", "disputed")
    before = api.get(f"competitions/{competition}/standings", role="auditor")
    assert before["status"] == "marking" and len(before["disputed"]) == 1
    dispute = before["disputed"][0]
    low = min(dispute["expert_scores"], key=lambda s: s["score"])

    sign_in(page, chief.token, f"/mark/{competition}/chief")
    row = page.locator("#disputes tbody tr").first
    for entry in dispute["expert_scores"]:  # which expert gave which score, by name
        expect(row).to_contain_text(f"{entry['name']}: {entry['score']}")
    assert_accessible(page)
    row.locator("select[name=expert_id]").select_option(low["expert_id"])
    row.locator("input[name=value]").fill("3")
    row.locator("input[name=reason]").fill("ошибка при переносе из бумажной ведомости")
    row.get_by_role("button", name=ru("Correct")).click()
    expect(page.locator("#disputes")).to_contain_text(ru("No judgement aspect is disputed."))
    after = api.get(f"competitions/{competition}/standings", role="auditor")
    assert after["disputed"] == []
    history = api.get(f"competitions/{competition}/marks", role="auditor")["marks"]
    corrected = [
        m
        for m in history
        if m["competitor_id"] == dispute["competitor_id"]
        and m["aspect_id"] == dispute["aspect_id"]
        and str(m.get("expert_id")) == low["expert_id"]
    ]
    assert len(corrected) == 1 and corrected[0]["value"] in (3, "3")

    page.goto(f"/mark/{competition}")
    page.get_by_role("button", name=ru("Sign off my marks")).click()
    expect(page.locator("#sign-off-state")).to_have_text(
        ru("You have signed off your marks for this competition.")
    )
    page.goto(f"/mark/{competition}/chief")
    page.locator("#override-reason").fill("эксперт исправил оценку, подпись повторно не поставлена")
    page.get_by_role("button", name=ru("Lock the marking")).click()
    expect(page.locator(".notice")).to_have_text(ru("The competition is locked."))
    assert api.get(f"competitions/{competition}", role="auditor")["status"] == "locked"
    assert page_log.page_errors == []
