"""The API's documentation pages (Swagger UI at ``/docs``, ReDoc at
``/redoc``), served with their files from this server.

The files come from the ``fastapi-standalone-docs`` package, installed with
the addon: the pages load nothing from another host (a commune's network may
block CDNs, and a CDN would learn who reads the API's pages). Not from
``swagger-ui-bundle``: its newest release carries Swagger UI 4, which cannot
show an OpenAPI 3.1 document ("Unable to render this definition"), and
FastAPI writes 3.1.
"""

import mimetypes
from pathlib import Path as FilePath
from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import HTMLResponse, Response

TITLE = "RDV public booking API"
# The files the pages use (name in the URL: path in the package), nothing else.
ASSETS = {
    "swagger-ui-bundle.js": "swagger/swagger-ui-bundle.js",
    "swagger-ui.css": "swagger/swagger-ui.css",
    "redoc.standalone.js": "redoc/redoc.standalone.js",
    "favicon.png": "fastapi/favicon.png",
}

docs_router = APIRouter(include_in_schema=False)


def _root(request):
    return (request.scope.get("root_path") or "").rstrip("/")


@docs_router.get("/docs", response_class=HTMLResponse)
def docs_page(request: Request) -> HTMLResponse:
    """Swagger UI on the API's OpenAPI document, with its files from here."""
    root = _root(request)
    return get_swagger_ui_html(
        openapi_url=root + "/openapi.json",
        title=TITLE,
        swagger_js_url=root + "/docs/assets/swagger-ui-bundle.js",
        swagger_css_url=root + "/docs/assets/swagger-ui.css",
        swagger_favicon_url=root + "/docs/assets/favicon.png",
    )


@docs_router.get("/redoc", response_class=HTMLResponse)
def redoc_page(request: Request) -> HTMLResponse:
    """ReDoc on the API's OpenAPI document, with its script from here."""
    root = _root(request)
    return get_redoc_html(
        openapi_url=root + "/openapi.json",
        title=TITLE,
        redoc_js_url=root + "/docs/assets/redoc.standalone.js",
        redoc_favicon_url=root + "/docs/assets/favicon.png",
        with_google_fonts=False,
    )


@docs_router.get("/docs/assets/{name}")
def docs_asset(name: Annotated[str, Path(max_length=64)]) -> Response:
    """One of the pages' files (:data:`ASSETS`); any other name is 404."""
    if name not in ASSETS:
        raise StarletteHTTPException(404, "Not Found")
    import fastapi_standalone_docs

    folder = FilePath(fastapi_standalone_docs.__file__).parent / "static"
    media_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    if name.endswith(".js"):
        media_type = "text/javascript"
    return Response(
        (folder / ASSETS[name]).read_bytes(),
        media_type=media_type,
        headers={"Cache-Control": "public, max-age=86400"},
    )
