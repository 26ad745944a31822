"""The OpenAPI document and its pages: every command documents its roles and its errors."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from litestar.testing import AsyncTestClient

from api.server import create_app
from registry.application import RegistryApplication
from store.settings import parse_database_url


@pytest.fixture
async def schema_client(tmp_path) -> AsyncIterator[AsyncTestClient]:
    """The schema does not depend on the store: one SQLite store is enough."""
    registry = RegistryApplication(parse_database_url(f"sqlite:///{tmp_path}/registry.sqlite"))
    try:
        async with AsyncTestClient(app=create_app(registry)) as client:
            yield client
    finally:
        registry.close()


async def test_the_openapi_document_documents_roles_errors_and_the_bearer_scheme(schema_client):
    response = await schema_client.get("/schema/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "description": document["components"]["securitySchemes"]["bearerAuth"]["description"],
    }
    operations = [
        (path, method, operation)
        for path, item in document["paths"].items()
        if path.startswith("/api/v1/")
        for method, operation in item.items()
    ]
    # the commands (the amendment's preview is a POST that records nothing: no idempotency)
    operations = [o for o in operations if not o[0].endswith("/amendments/preview")]
    assert len(operations) == 18
    for path, method, operation in operations:
        where = f"{method.upper()} {path}"
        assert operation.get("summary"), where
        assert "**Roles:**" in operation.get("description", ""), where
        assert operation.get("security") == [{"bearerAuth": []}], where
        for status in ("401", "403", "404", "413", "422"):
            assert status in operation["responses"], (where, status)
            assert "application/problem+json" in operation["responses"][status]["content"], where
        headers = {p["name"] for p in operation.get("parameters", []) if p["in"] == "header"}
        assert "Idempotency-Key" in headers, where
        if path.startswith("/api/v1/competitions/"):
            assert "If-Match" in headers and "412" in operation["responses"], where
    marks = document["paths"]["/api/v1/competitions/{competition_id}/marks"]["post"]
    assert "chief_expert" in marks["description"]
    schemas = document["components"]["schemas"]
    body = next(name for name in schemas if name.endswith("MarksIn"))
    assert set(schemas[body]["properties"]) == {"competitor_id", "aspect_id", "value", "marks"}
    assert "/healthz" in document["paths"]


@pytest.mark.parametrize("page", ["/schema/swagger", "/schema/redoc"])
async def test_the_docs_pages_are_served(schema_client, page):
    response = await schema_client.get(page)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
