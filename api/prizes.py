"""Prizes and nominations endpoints (issue 5)."""

from __future__ import annotations

from typing import Any

#: handlers under /api/v1
PRIZE_API_HANDLERS: list[Any] = []
#: handlers at the root (pages)
PRIZE_ROUTE_HANDLERS: list[Any] = []
