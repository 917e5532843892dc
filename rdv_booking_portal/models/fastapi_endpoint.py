from fastapi import APIRouter
from starlette.middleware import Middleware

from odoo import fields, models

API_DESCRIPTION = """Book appointments of a commune from another system: a case-management
system, a phone server (IVR), a partner platform.

Every call carries the client's key: `X-API-Key: rdv_...` (or
`Authorization: Bearer rdv_...`). A key sees its commune and its appointment types
only. Calls beyond the key's limit per minute are answered 429 with `Retry-After`.
Refusals are JSON `{"detail": {"field", "reason", "code"}}` with a 4xx status; the
reason is in the language of `Accept-Language`. Times are UTC (`start`), with the
place's wall-clock time beside them (`start_local`).
"""


class FastapiEndpoint(models.Model):
    _inherit = "fastapi.endpoint"

    app = fields.Selection(
        selection_add=[("rdv_api", "RDV public booking API")], ondelete={"rdv_api": "cascade"}
    )

    def _get_fastapi_routers(self) -> list[APIRouter]:
        if self.app == "rdv_api":
            from ..routers import api_v1_router, docs_router

            return [api_v1_router, docs_router]
        return super()._get_fastapi_routers()

    def _get_fastapi_app_middlewares(self):
        middlewares = super()._get_fastapi_app_middlewares()
        if self.app == "rdv_api":
            from ..routers.api_v1 import RefusalMiddleware

            middlewares.append(Middleware(RefusalMiddleware))
        return middlewares

    def _prepare_fastapi_app_params(self):
        params = super()._prepare_fastapi_app_params()
        if self.app == "rdv_api":
            # The documentation pages from this server (routers/docs.py),
            # not from a CDN.
            params.update(description=API_DESCRIPTION, version="1", docs_url=None, redoc_url=None)
        return params
