"""The HTTP API (Litestar): commands, auth and guards, problem details, idempotency.

The Results endpoints are plugged in through ``api.app.create_app(route_handlers=...)``.
"""
