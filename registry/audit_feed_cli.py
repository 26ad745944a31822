"""Commands of ``registry audit`` (see ``registry.audit_cli``)."""

from __future__ import annotations
