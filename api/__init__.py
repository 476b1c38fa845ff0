"""The missionkg web service: REST under /api/v1, SPARQL 1.1 Protocol at /sparql, OpenAPI at /docs."""

from api.app import create_app

__all__ = ["create_app"]
