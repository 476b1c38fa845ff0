"""Routers of the REST API, one module per resource; each route calls one library function."""
