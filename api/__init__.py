"""The HTTP API (Litestar): routes, guards, problem details, pages. Built by the API issue."""
