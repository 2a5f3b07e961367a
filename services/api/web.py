"""The web app for the tenants' staff: the built single-page app in web/dist, served at /.

Every path outside the API's own prefixes returns index.html, so a link such as
/photos/<asset id> opens that view (the app routes on the client). The routes are plain
Starlette routes, not FastAPI ones, so the app-wide authorization dependency does not apply:
the files are the same for everyone and hold no tenant data, which the app fetches from /v1
with the user's token.
"""

from __future__ import annotations

import logging
from pathlib import Path

from starlette.convertors import Convertor, register_url_convertor
from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

log = logging.getLogger(__name__)

WEB_DIST = Path(__file__).resolve().parents[2] / "web" / "dist"
"""Output folder of `npm run build` in web/."""

# Paths the API owns. The history fallback never serves index.html under them, so an unknown
# API path still gets the API's JSON 404.
RESERVED_PREFIXES = ("v1", "admin", "health", "metrics", "docs", "redoc", "openapi.json", "assets")


class AppPathConvertor(Convertor[str]):
    """Match any path that does not start with a reserved prefix."""

    regex = r"(?!(?:" + "|".join(p.replace(".", r"\.") for p in RESERVED_PREFIXES) + r")(?:/|$)).*"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("app_path", AppPathConvertor())


class HashedAssets(StaticFiles):
    """Static files whose names carry a content hash, so browsers may keep them for a year."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        if response.status_code == 200:
            response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        return response


def web_routes(dist: Path = WEB_DIST) -> list[Route | Mount]:
    """Return the routes that serve the app; add them after every API route."""
    index = dist / "index.html"
    if not index.is_file():
        log.warning("web app not built: %s is missing; `make web` builds it", index)

        async def not_built(_request: Request) -> Response:
            return PlainTextResponse(
                f"The web app is not built: {index} is missing. Run `make web` (or `make up`, "
                "which builds it) and reload.",
                status_code=503,
            )

        return [Route("/{path:app_path}", not_built, methods=["GET", "HEAD"])]

    async def app_page(_request: Request) -> Response:
        # index.html names the current hashed bundle, so it must be fetched again every time.
        return FileResponse(index, headers={"Cache-Control": "no-cache"})

    routes: list[Route | Mount] = [Route("/{path:app_path}", app_page, methods=["GET", "HEAD"])]
    if (dist / "assets").is_dir():
        routes.insert(0, Mount("/assets", HashedAssets(directory=dist / "assets"), name="assets"))
    return routes
