"""The ceiling for ``bench/http.py``: a bare Litestar app with the real endpoints' shapes and
nothing behind them (no auth, no store, no threads).

* ``POST /api/v1/competitions/{id}/marks`` decodes a Struct shaped like the real mark body
  (one mark or a sheet) and answers ``{id, position, recorded, version}`` (201);
* ``GET /api/v1/competitions/{id}/standings`` answers a Struct shaped like the real standings
  answer, decoded at start-up from the JSON file named by ``BENCH_STANDINGS_FILE`` (the real
  answer, fetched by the benchmark), so both encode the same bytes on every request;
* ``GET /healthz``.

Served exactly as ``registry serve`` serves the real app: ``uvicorn.run`` on a factory, one
worker unless ``--workers`` says otherwise, ``log_level="info"``, no access log::

    python -m bench.bare_app --port 8001 [--workers 1]
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys
from pathlib import Path
from typing import Annotated
from uuid import UUID

# Run as a script (python bench/bare_app.py), this folder would come first on sys.path and
# bench/http.py would shadow the standard library's http: put the repository root instead.
_BENCH = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _BENCH]
if str(_BENCH.parent) not in sys.path:
    sys.path.insert(0, str(_BENCH.parent))

import msgspec  # noqa: E402
from litestar import Litestar, get, post  # noqa: E402
from litestar.params import FromPath, JSONBody  # noqa: E402

# The real answer's shape, so the bare GET encodes exactly what the registry encodes.
from projections.models import Progress, StandingsOut  # noqa: E402

MarkValue = str | int


class Input(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    pass


class MarkIn(Input):
    competitor_id: UUID
    aspect_id: Annotated[str, msgspec.Meta(max_length=64)]
    value: MarkValue


class MarksIn(Input):
    competitor_id: UUID | None = None
    aspect_id: Annotated[str, msgspec.Meta(max_length=64)] | None = None
    value: MarkValue | None = None
    marks: Annotated[list[MarkIn], msgspec.Meta(max_length=1_000)] | None = None


class CommandOut(msgspec.Struct, kw_only=True):
    id: UUID
    position: int
    recorded: bool
    version: int


class Health(msgspec.Struct):
    status: str


_positions = itertools.count(1)


@post("/api/v1/competitions/{competition_id:uuid}/marks", status_code=201)
async def enter_marks(competition_id: FromPath[UUID], data: JSONBody[MarksIn]) -> CommandOut:
    count = len(data.marks) if data.marks is not None else 1
    position = next(_positions)
    return CommandOut(id=competition_id, position=position, recorded=count > 0, version=position)


@get("/healthz", cache=False)
async def healthz() -> Health:
    return Health(status="ok")


def load_standings() -> StandingsOut:
    path = os.environ.get("BENCH_STANDINGS_FILE")
    if path:
        return msgspec.json.decode(Path(path).read_bytes(), type=StandingsOut)
    return StandingsOut(
        competition_id=UUID(int=0),
        championship_id=UUID(int=0),
        status="published",
        as_of_position=0,
        rows=[],
        disputed=[],
        progress=Progress(0, 0),
    )


def create_app() -> Litestar:
    standings = load_standings()

    @get("/api/v1/competitions/{competition_id:uuid}/standings")
    async def get_standings(competition_id: FromPath[UUID]) -> StandingsOut:
        return standings

    return Litestar(route_handlers=[enter_marks, healthz, get_standings])


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    # the same call as `registry serve` (cli/main.py)
    uvicorn.run(
        "bench.bare_app:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level="info",
        access_log=False,
    )


if __name__ == "__main__":
    main()
