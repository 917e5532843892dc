"""Typed requests and answers of the public booking API (pydantic)."""

from . import api_v1
