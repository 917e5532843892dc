"""The API's documentation page (Swagger UI), served from this server.

Swagger UI's files come from the ``swagger-ui-bundle`` package, installed
with the addon: the page loads nothing from another host (a commune's
network may block CDNs, and a CDN would learn who reads the API's pages).
"""

import mimetypes
from pathlib import Path as FilePath
from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.openapi.docs import get_swagger_ui_html
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import HTMLResponse, Response

# The files the page uses, and nothing else of the package's folder.
ASSETS = ("swagger-ui-bundle.js", "swagger-ui.css", "favicon-32x32.png")

docs_router = APIRouter(include_in_schema=False)


def _assets_folder():
    from swagger_ui_bundle import swagger_ui_path

    return FilePath(swagger_ui_path)


@docs_router.get("/docs", response_class=HTMLResponse)
def docs_page(request: Request) -> HTMLResponse:
    """Swagger UI on the API's OpenAPI document, with its files from here."""
    root = (request.scope.get("root_path") or "").rstrip("/")
    return get_swagger_ui_html(
        openapi_url=root + "/openapi.json",
        title="RDV public booking API",
        swagger_js_url=root + "/docs/assets/swagger-ui-bundle.js",
        swagger_css_url=root + "/docs/assets/swagger-ui.css",
        swagger_favicon_url=root + "/docs/assets/favicon-32x32.png",
    )


@docs_router.get("/docs/assets/{name}")
def docs_asset(name: Annotated[str, Path(max_length=64)]) -> Response:
    """One of Swagger UI's files (:data:`ASSETS`); any other name is 404."""
    if name not in ASSETS:
        raise StarletteHTTPException(404, "Not Found")
    content = (_assets_folder() / name).read_bytes()
    media_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    if name.endswith(".js"):
        media_type = "text/javascript"
    return Response(
        content, media_type=media_type, headers={"Cache-Control": "public, max-age=86400"}
    )
