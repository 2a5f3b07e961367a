"""The interactive API documentation at /docs, with Swagger UI served by this process.

FastAPI's default page loads Swagger UI's script and styles from a public CDN, which a closed
network or a strict content policy blocks. The ``fastapi-swagger`` package ships Swagger UI 5,
the first major version that reads the OpenAPI 3.1 documents FastAPI writes; only its files are
used here.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

STATIC_PREFIX = "/docs/static"
SWAGGER_UI_FILES = Path(str(files("fastapi_swagger") / "resources"))


def docs_routes(app: FastAPI) -> list[Route | Mount]:
    """Return the /docs page and its static files; build ``app`` with ``docs_url=None``."""

    async def docs_page(_request: Request) -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title} - API documentation",
            swagger_js_url=f"{STATIC_PREFIX}/swagger-ui-bundle.js",
            swagger_css_url=f"{STATIC_PREFIX}/swagger-ui.css",
            swagger_favicon_url=f"{STATIC_PREFIX}/favicon-32x32.png",
        )

    return [
        Route("/docs", docs_page, methods=["GET", "HEAD"]),
        Mount(STATIC_PREFIX, StaticFiles(directory=SWAGGER_UI_FILES), name="swagger-ui"),
    ]
