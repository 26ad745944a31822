"""Retries are safe: natural idempotency, Idempotency-Key, If-Match and ETags."""

from __future__ import annotations

import json
import time

from litestar.testing import AsyncTestClient

from api import idempotency
from api.idempotency import IdempotencyStore, fingerprint
from api.server import create_app
from registry.application import RegistryApplication
from tests.api.conftest import bearer

ORG = {
    "name_ru": "Зыряновский колледж",
    "name_kk": "Зырян колледжі",
    "kind": "college",
    "region": "VKO",
}


def key(ctx, role, value):
    return ctx.auth(role, **{"Idempotency-Key": value})


async def test_idempotency_key_replays_the_first_answer_and_records_nothing(app, client, ctx):
    store: IdempotencyStore = client.app.state.idempotency
    first = await client.post(
        "/api/v1/organisations", json=ORG, headers=key(ctx, "organiser", "k-1")
    )
    assert first.status_code == 201
    events = app.event_count()
    # the same request again, formatted differently (key order, white space): the first answer
    body = json.dumps(dict(reversed(list(ORG.items()))), indent=2, ensure_ascii=False).encode()
    again = await client.post(
        "/api/v1/organisations",
        content=body,
        headers=key(ctx, "organiser", "k-1") | {"Content-Type": "application/json"},
    )
    assert again.status_code == 201  # the first answer's status, not a repeat's 200
    assert again.json() == first.json()
    assert again.headers["etag"] == first.headers["etag"]
    assert again.headers["idempotent-replayed"] == "true"
    assert app.event_count() == events
    assert store.count() == 1


async def test_the_same_key_with_another_body_or_path_is_refused(app, client, ctx):
    await client.post("/api/v1/organisations", json=ORG, headers=key(ctx, "organiser", "k-2"))
    events = app.event_count()
    for path, body in (
        ("/api/v1/organisations", {**ORG, "name_ru": "Другой колледж"}),
        (f"/api/v1/competitions/{ctx.competition2}/start", None),
    ):
        response = await client.post(path, json=body, headers=key(ctx, "organiser", "k-2"))
        assert response.status_code == 422, response.text
        assert response.json()["type"] == "/problems/idempotency-key-reused"
    assert app.event_count() == events


async def test_keys_belong_to_the_account_that_sent_them(app, client, ctx):
    """Another account's key of the same name is another key."""
    person = str(ctx.world.people["Иванов Дмитрий Сергеевич"])
    competition = ctx.world.competition
    chief = await client.post(
        f"/api/v1/competitions/{competition}/marks",
        json={"competitor_id": person, "aspect_id": "B1", "value": 2},
        headers=key(ctx, "chief", "sheet-1"),
    )
    expert = await client.post(
        f"/api/v1/competitions/{competition}/marks",
        json={"competitor_id": person, "aspect_id": "B1", "value": 3},
        headers=key(ctx, "expert", "sheet-1"),
    )
    assert chief.status_code == expert.status_code == 201
    assert chief.json()["position"] != expert.json()["position"]


async def test_a_refused_command_keeps_no_answer_so_a_retry_is_decided_afresh(app, client, ctx):
    store: IdempotencyStore = client.app.state.idempotency
    start = f"/api/v1/competitions/{ctx.competition2}/start"
    refused = await client.post(start, headers=key(ctx, "organiser", "start-2"))
    assert refused.status_code == 409  # no marking scheme yet
    assert store.count() == 0
    scheme = {
        "aspects": [
            {
                "id": "A1",
                "criterion": "A",
                "description": "x",
                "max_mark": "100.00",
                "type": "measurement",
            }
        ]
    }
    response = await client.put(
        f"/api/v1/competitions/{ctx.competition2}/scheme",
        json=scheme,
        headers=ctx.auth("organiser"),
    )
    assert response.status_code == 200
    started = await client.post(start, headers=key(ctx, "organiser", "start-2"))
    assert started.status_code == 200
    assert started.json()["recorded"] is True
    assert store.count() == 1


async def test_a_replayed_account_creation_never_shows_the_token_again(app, client, ctx):
    body = {"name": "Жаңа сарапшы", "role": "expert"}
    first = await client.post("/api/v1/accounts", json=body, headers=key(ctx, "admin", "acc-1"))
    assert first.status_code == 201
    token = first.json()["token"]
    assert token and app.authenticate(token) is not None
    replay = await client.post("/api/v1/accounts", json=body, headers=key(ctx, "admin", "acc-1"))
    assert replay.status_code == 201
    assert replay.json() == {**first.json(), "token": None}
    # and no token is stored anywhere in the idempotency table
    store: IdempotencyStore = client.app.state.idempotency
    with store.datastore.transaction(commit=False) as cursor:
        cursor.execute(store._sql("SELECT body FROM {table}"))
        assert all(token.encode() not in bytes(row["body"]) for row in cursor.fetchall())
    # a natural-key repeat without a key: 200, no token either
    repeat = await client.post("/api/v1/accounts", json=body, headers=ctx.auth("admin"))
    assert repeat.status_code == 200
    assert repeat.json()["token"] is None


async def test_a_key_in_flight_is_409_and_a_stale_claim_is_taken_over(
    app, client, ctx, monkeypatch
):
    store: IdempotencyStore = client.app.state.idempotency
    organiser = ctx.actors.ids["organiser"]
    path = "/api/v1/organisations"
    # another process has claimed the key and is still running the command
    assert store.begin(organiser, "busy", fingerprint("POST", path, _org()), "POST", path) is None
    busy = await client.post(path, json=ORG, headers=key(ctx, "organiser", "busy"))
    assert busy.status_code == 409
    assert busy.json()["type"] == "/problems/idempotency-key-in-use"
    assert busy.headers["retry-after"] == "1"
    # ... and died: after STALE_SECONDS the claim is taken over
    monkeypatch.setattr(idempotency, "STALE_SECONDS", 0.0)
    time.sleep(0.01)
    taken = await client.post(path, json=ORG, headers=key(ctx, "organiser", "busy"))
    assert taken.status_code == 201


def _org():
    from api.schemas import OrganisationIn

    return OrganisationIn(**ORG)


async def test_stored_answers_are_durable_and_shared_by_every_process(app, client, ctx, settings):
    first = await client.post(
        "/api/v1/organisations", json=ORG, headers=key(ctx, "organiser", "k-3")
    )
    assert first.status_code == 201
    other = RegistryApplication(settings)  # another API process on the same store
    try:
        async with AsyncTestClient(app=create_app(other)) as second:
            replay = await second.post(
                "/api/v1/organisations", json=ORG, headers=key(ctx, "organiser", "k-3")
            )
            assert replay.status_code == 201
            assert replay.json() == first.json()
            assert replay.headers["idempotent-replayed"] == "true"
    finally:
        other.close()


async def test_an_identical_mark_retried_answers_the_same_position(app, client, ctx):
    path = f"/api/v1/competitions/{ctx.world.competition}/marks"
    body = {
        "competitor_id": str(ctx.world.people["Қасымова Айгүл"]),
        "aspect_id": "A2",
        "value": "15.50",
    }
    first = await client.post(path, json=body, headers=ctx.auth("expert"))
    events = app.event_count()
    for value in ("15.50", "15.5"):
        again = await client.post(path, json={**body, "value": value}, headers=ctx.auth("expert"))
        assert again.status_code == 200, again.text
        assert again.json() == {**first.json(), "recorded": False}
    assert app.event_count() == events


async def test_if_match_runs_the_command_only_at_that_version(app, client, ctx):
    path = f"/api/v1/competitions/{ctx.world.competition}/marks"
    person = str(ctx.world.people["Иванов Дмитрий Сергеевич"])
    version = app.competition(ctx.world.competition).version
    first = await client.post(
        path,
        json={"competitor_id": person, "aspect_id": "A1", "value": "20.00"},
        headers=ctx.auth("expert", **{"If-Match": f'"{version}"'}),
    )
    assert first.status_code == 201, first.text
    assert first.headers["etag"] == f'"{version + 1}"' == f'"{first.json()["version"]}"'
    events = app.event_count()
    stale = await client.post(
        path,
        json={"competitor_id": person, "aspect_id": "A2", "value": "10.00"},
        headers=ctx.auth("expert", **{"If-Match": f'"{version}"'}),
    )
    assert stale.status_code == 412
    problem = stale.json()
    assert problem["type"] == "/problems/precondition-failed"
    assert problem["version"] == version + 1
    assert app.event_count() == events
    # "*", a list holding the current version, the ETag just answered: all match
    headers = [
        lambda now: "*",
        lambda now: f'"{now - 1}", W/"{now}", "{now}"',
        lambda now: f'"{now}"',
    ]
    people = [str(p) for p in ctx.world.people.values()]
    for n, header in enumerate(headers):
        now = app.competition(ctx.world.competition).version
        ok = await client.post(
            path,
            json={"competitor_id": people[n], "aspect_id": "B1", "value": 2},
            headers=ctx.auth("expert", **{"If-Match": header(now)}),
        )
        assert ok.status_code == 201, (header(now), ok.text)
        assert ok.headers["etag"] == f'"{now + 1}"'
        moved = await client.post(  # someone else moves the competition on
            path,
            json={"competitor_id": people[n], "aspect_id": "B1", "value": 2},
            headers=ctx.auth("chief"),
        )
        assert moved.status_code == 201


async def test_if_match_on_lock_publish_and_scheme(app, client, ctx):
    comp2 = ctx.competition2
    version = app.competition(comp2).version
    scheme = {
        "aspects": [
            {
                "id": "A1",
                "criterion": "A",
                "description": "x",
                "max_mark": "100.00",
                "type": "measurement",
            }
        ]
    }
    wrong = await client.put(
        f"/api/v1/competitions/{comp2}/scheme",
        json=scheme,
        headers=ctx.auth("organiser", **{"If-Match": f'"{version + 5}"'}),
    )
    assert wrong.status_code == 412
    right = await client.put(
        f"/api/v1/competitions/{comp2}/scheme",
        json=scheme,
        headers=ctx.auth("organiser", **{"If-Match": f'"{version}"'}),
    )
    assert right.status_code == 200
    start = await client.post(
        f"/api/v1/competitions/{comp2}/start",
        headers=ctx.auth("organiser", **{"If-Match": right.headers["etag"]}),
    )
    assert start.status_code == 200
    assert start.headers["etag"] == f'"{app.competition(comp2).version}"'


async def test_etag_of_every_command_is_the_aggregates_version(app, client, ctx):
    response = await client.post(
        f"/api/v1/competitions/{ctx.world.competition}/entrants",
        json={"participant_id": str(ctx.world.people["Қасымова Айгүл"])},
        headers=bearer(ctx.actors.tokens["organiser"]),
    )
    assert response.status_code == 200  # already an entrant: a repeat
    assert response.headers["etag"] == f'"{app.competition(ctx.world.competition).version}"'


def test_one_key_claimed_by_many_threads_at_once_runs_once(app, ctx):
    """Eight API threads (or processes) receive the same retried request at once: exactly one
    claims the key and runs the command; the others are told it is in progress; afterwards
    everyone gets the stored answer."""
    import threading

    from api.idempotency import StoredAnswer
    from api.problems import ApiProblem

    store = IdempotencyStore(app)
    account, path = ctx.actors.ids["organiser"], "/api/v1/organisations"
    digest = fingerprint("POST", path, _org())
    barrier = threading.Barrier(8)
    outcomes: list[str] = []

    def attempt() -> None:
        barrier.wait()
        try:
            claimed = store.begin(account, "burst", digest, "POST", path) is None
            outcomes.append("claimed" if claimed else "replayed")
        except ApiProblem as problem:
            outcomes.append(problem.code)

    threads = [threading.Thread(target=attempt) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["claimed"] + ["idempotency-key-in-use"] * 7
    store.complete(account, "burst", StoredAnswer(201, {"ETag": '"1"'}, b'{"id": 1}'))
    stored = store.begin(account, "burst", digest, "POST", path)
    assert stored == StoredAnswer(201, {"ETag": '"1"'}, b'{"id": 1}')
