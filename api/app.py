"""The FastAPI application factory: REST under /api/v1, SPARQL at /sparql, probes, one error shape, CORS, gzip."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.middleware.gzip import GZipMiddleware

from api.config import ApiOptions
from api.errors import install_error_handlers
from api.routers import analytics, contracts, health, missions, organisations, queries, search
from api.sparql import ROW_LIMIT, TRUNCATED, sparql_router
from api.state import StoreHolder
from api.workers import QueryPool
from kg.settings import Settings

DESCRIPTION = """Which UK public contracts advance which government mission, and why.

REST resources under `/api/v1`; the graph itself through the SPARQL 1.1 Protocol at `/sparql`
(read-only, with a time limit and a row cap). Every error is RFC 9457 `application/problem+json`."""


def create_app(settings: Settings | None = None, options: ApiOptions | None = None) -> FastAPI:
    """A new app over the store the settings name; nothing is opened until the first request."""
    settings = settings or Settings()
    options = options or ApiOptions()
    holder = StoreHolder(settings, options.store_check_s)
    pool = QueryPool(settings, options.sparql_workers, holder, memory_mb=options.sparql_memory_mb)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        pool.start()
        if options.warm_search:  # in the background: the port opens at once, early searches wait for the model
            threading.Thread(target=search.warm, args=(app,), name="missionkg-warm-search", daemon=True).start()
        yield
        pool.close()

    app = FastAPI(title="missionkg", version="0.1.0", description=DESCRIPTION, lifespan=lifespan)
    app.state.settings, app.state.holder, app.state.pool = settings, holder, pool
    install_error_handlers(app)
    app.add_middleware(GZipMiddleware, minimum_size=1000, compresslevel=5)
    if options.cors_origins:
        app.add_middleware(
            CORSMiddleware, allow_origins=list(options.cors_origins), allow_methods=["GET", "POST", "OPTIONS"],
            allow_headers=["*"], expose_headers=[TRUNCATED, ROW_LIMIT],
        )
    for router in (
        health.router, missions.router, contracts.router, search.router, organisations.router, queries.router, analytics.router,
    ):
        app.include_router(router)
    app.include_router(sparql_router(settings, pool))
    return app
