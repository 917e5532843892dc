"""Routers of the public booking API (OCA fastapi)."""

from .api_v1 import api_v1_router
from .docs import docs_router
