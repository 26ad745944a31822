"""The HTTP API (Litestar): commands, reads, auth and guards, problem details, idempotency.

``api.server`` wires it all (the composition root); ``api.routes`` is the one path every
command takes, ``api.reading`` what every read shares.
"""
