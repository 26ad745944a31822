"""Issue 13, point 16: idempotency records expire (``REGISTRY_IDEMPOTENCY_TTL``, default 24 h):
pruned, and a replay after expiry is a fresh command."""

from __future__ import annotations

import pytest

from api import idempotency
from api.idempotency import DEFAULT_TTL_SECONDS, IdempotencyStore, ttl_from_env

ORG = {"name_ru": "Шемонаихинский колледж", "name_kk": "Шемонаиха колледжі", "kind": "college"}


def _org(name: str) -> dict[str, str]:
    return {**ORG, "name_ru": name, "region": "VKO"}


async def test_a_key_is_replayed_within_its_time_and_is_fresh_after_it(app, client, ctx):
    store: IdempotencyStore = client.app.state.idempotency
    assert store.ttl_seconds == DEFAULT_TTL_SECONDS
    now = [store.clock()]
    store.clock = lambda: now[0]
    headers = ctx.auth("organiser", **{"Idempotency-Key": "expiring"})
    first = await client.post("/api/v1/organisations", json=_org("Колледж А"), headers=headers)
    assert first.status_code == 201
    other = ctx.auth("organiser", **{"Idempotency-Key": "other"})
    assert (
        await client.post("/api/v1/organisations", json=_org("Колледж Б"), headers=other)
    ).status_code == 201
    assert store.count() == 2
    now[0] += DEFAULT_TTL_SECONDS - 1  # still kept: the first answer, replayed
    replay = await client.post("/api/v1/organisations", json=_org("Колледж А"), headers=headers)
    assert replay.status_code == 201 and replay.headers["idempotent-replayed"] == "true"
    now[0] += 2 + idempotency.PRUNE_EVERY_SECONDS  # both expired
    events = app.event_count()
    fresh = await client.post("/api/v1/organisations", json=_org("Колледж А"), headers=headers)
    # decided afresh: a natural repeat of the creation (200), not the stored 201
    assert fresh.status_code == 200, fresh.text
    assert "idempotent-replayed" not in fresh.headers
    assert app.event_count() == events
    assert store.count() == 1  # "other" was pruned; "expiring" holds its new answer
    # and another body under an expired key is a new command, not a reused key
    now[0] += DEFAULT_TTL_SECONDS + 1
    new = await client.post("/api/v1/organisations", json=_org("Колледж В"), headers=headers)
    assert new.status_code == 201, new.text
    assert app.event_count() == events + 1


def test_prune_deletes_only_expired_records(app, ctx):
    store = IdempotencyStore(app, ttl_seconds=10.0, clock=lambda: 1_000.0)
    account = ctx.actors.ids["organiser"]
    for key in ("a", "b"):
        assert store.begin(account, key, key, "POST", "/x") is None
        store.complete(account, key, idempotency.StoredAnswer(201, {}, b"{}"))
    assert store.prune(1_005.0) == 0 and store.count() == 2
    assert store.prune(1_011.0) == 2 and store.count() == 0


@pytest.mark.parametrize(("value", "seconds"), [("", DEFAULT_TTL_SECONDS), ("3600", 3600.0)])
def test_ttl_setting(value, seconds):
    assert ttl_from_env({idempotency.TTL_ENV: value}) == seconds


@pytest.mark.parametrize("value", ["0", "-5", "a day", "inf", "nan"])
def test_a_bad_ttl_setting_is_refused(value):
    with pytest.raises(ValueError, match=idempotency.TTL_ENV):
        ttl_from_env({idempotency.TTL_ENV: value})
