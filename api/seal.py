"""Audit endpoint: seal-chain verification (issue 6)."""

from __future__ import annotations

from typing import Any

#: handlers under /api/v1
SEAL_API_HANDLERS: list[Any] = []
