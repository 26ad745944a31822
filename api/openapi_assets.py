"""``/schema/swagger`` and ``/schema/redoc`` offline: their scripts come from installed packages.

Litestar's render plugins load Swagger UI and ReDoc (and Google fonts, and a favicon) from
CDNs, which a workshop laptop on a poor network, or a server with no internet at all, cannot
reach. Here the same pages load everything from this server:

* **Swagger UI** (``/schema/swagger``): the files of the ``openapi-ui-bundles`` package
  (``openapi_ui_bundles.swagger_ui.static_path``, Swagger UI 5.17) are served unchanged under
  ``/schema/assets/swagger/``. Not ``swagger-ui-bundle``: its Swagger UI 4.15 cannot read
  OpenAPI 3.1, which Litestar writes ("Unable to render this definition");
* **ReDoc** (``/schema/redoc``): ``redoc.standalone.js`` of the same package
  (``openapi_ui_bundles.redoc.static_path``, ReDoc 2.2) is served unchanged under
  ``/schema/assets/redoc/``, without Google fonts (ReDoc falls back to the system fonts).

``openapi-ui-bundles`` has no dependencies; the other packages on PyPI that ship
``redoc.standalone.js`` come with a framework (``drf-spectacular-sidecar``: Django;
``fastapi-standalone-docs``: FastAPI; ``flask-openapi-redoc``, ``star-openapi-redoc``).

Both pages carry a Content-Security-Policy (a ``<meta>`` in their head, before any script)
that lets them load scripts, styles, images, fonts and workers from this server only
(``'self'``, plus ``data:`` images and ``blob:`` workers that the bundles make themselves).
It matters for ReDoc: its bundle always draws the "API docs by Redocly" logo from
``cdn.redoc.ly``; the policy stops that request in the browser, so the page makes no request
to any other host (``tests/browser/test_api_docs.py`` proves it in Chromium).

The static routes hang off the OpenAPI router (``receive_router``), so they share its path
(``/schema``, outside the bearer authentication like the pages themselves) and are not in the
OpenAPI document.
"""

from __future__ import annotations

from pathlib import Path

import openapi_ui_bundles.redoc
import openapi_ui_bundles.swagger_ui
from litestar import Router
from litestar.datastructures import CacheControlHeader
from litestar.openapi.plugins import (
    OpenAPIRenderPlugin,
    RedocRenderPlugin,
    SwaggerRenderPlugin,
)
from litestar.static_files import create_static_files_router

#: where the files are, relative to the OpenAPI router's path (``/schema``)
SWAGGER_ASSETS = "/assets/swagger"
REDOC_ASSETS = "/assets/redoc"

SWAGGER_DIRECTORY = Path(openapi_ui_bundles.swagger_ui.static_path)
REDOC_DIRECTORY = Path(openapi_ui_bundles.redoc.static_path)

#: what the docs pages may load: this server only (``data:`` images and ``blob:`` workers are
#: made by the bundles themselves); inline scripts and styles are the pages' own and React's
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; worker-src 'self' blob:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'"
)

#: the assets change only with the installed packages
ASSET_CACHE = CacheControlHeader(max_age=86400, public=True)


def _head(schema_path: str) -> str:
    """What each page's head starts with (Litestar's ``favicon`` slot): the policy, then an
    icon from this server instead of Litestar's from a CDN."""
    return (
        f'<meta http-equiv="Content-Security-Policy" content="{CONTENT_SECURITY_POLICY}">'
        f'<link rel="icon" type="image/png" '
        f'href="{schema_path}{SWAGGER_ASSETS}/favicon-32x32.png">'
    )


def _assets_router(path: str, directory: Path, name: str) -> Router:
    if not directory.is_dir():  # a broken install: say which package, not a 404 per file
        raise RuntimeError(f"the OpenAPI page assets are missing: {directory} does not exist")
    return create_static_files_router(
        path=path,
        directories=[directory],
        name=name,
        cache_control=ASSET_CACHE,
        include_in_schema=False,
    )


class OfflineSwaggerRenderPlugin(SwaggerRenderPlugin):
    """Swagger UI with its scripts, styles and icon served by this app."""

    def __init__(self, schema_path: str = "/schema") -> None:
        base = f"{schema_path}{SWAGGER_ASSETS}"
        super().__init__(
            js_url=f"{base}/swagger-ui-bundle.js",
            css_url=f"{base}/swagger-ui.css",
            standalone_preset_js_url=f"{base}/swagger-ui-standalone-preset.js",
            favicon=_head(schema_path),
        )

    def receive_router(self, router: Router) -> None:
        super().receive_router(router)  # oauth2-redirect.html
        router.register(_assets_router(SWAGGER_ASSETS, SWAGGER_DIRECTORY, "schema-swagger"))


class OfflineRedocRenderPlugin(RedocRenderPlugin):
    """ReDoc with its script served by this app, without Google fonts."""

    def __init__(self, schema_path: str = "/schema") -> None:
        super().__init__(
            js_url=f"{schema_path}{REDOC_ASSETS}/redoc.standalone.js",
            google_fonts=False,
            favicon=_head(schema_path),
        )

    def receive_router(self, router: Router) -> None:
        super().receive_router(router)
        router.register(_assets_router(REDOC_ASSETS, REDOC_DIRECTORY, "schema-redoc"))


def offline_render_plugins(schema_path: str = "/schema") -> list[OpenAPIRenderPlugin]:
    """The render plugins of ``OpenAPIConfig(path=schema_path)``: Swagger UI at
    ``{schema_path}/swagger`` and ReDoc at ``{schema_path}/redoc``, nothing from a CDN."""
    return [OfflineSwaggerRenderPlugin(schema_path), OfflineRedocRenderPlugin(schema_path)]
