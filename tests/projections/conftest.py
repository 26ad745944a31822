from __future__ import annotations

from collections.abc import Iterator

import pytest

from projections.store import ViewStore


@pytest.fixture
def views(app) -> Iterator[ViewStore]:
    store = ViewStore(app.settings)
    yield store
    store.close()


def dump(store: ViewStore) -> dict[str, list[tuple]]:
    """Every row of every live view table, in a stable order."""
    from projections.runner import PROJECTIONS

    tables: dict[str, list[tuple]] = {}
    for cls in PROJECTIONS.values():
        for table in cls.TABLES:
            rows = store.fetchall(f"SELECT * FROM {store.table(table)}")
            tables[table] = sorted(tuple(str(v) for v in dict(r).values()) for r in rows)
    return tables
