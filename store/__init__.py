"""Persistence: settings, the msgspec mapper, the one reader of the events table, and every
SQLite/PostgreSQL difference of the event store."""
