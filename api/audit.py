"""Audit endpoints: the NDJSON event feed and aggregate histories (issue 6)."""

from __future__ import annotations

from typing import Any

#: handlers under /api/v1
AUDIT_API_HANDLERS: list[Any] = []
