"""`missionkg serve`: the web API and SPARQL endpoint over the graph."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from kg.commands.common import DataDir, err, settings_for


def serve(
    data_dir: DataDir = None,
    host: Annotated[str, typer.Option(help="Interface to listen on; 0.0.0.0 exposes the service to the network.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Server processes sharing the port (e.g. one per core); each opens the store and search index read-only and starts its own MISSIONKG_SPARQL_WORKERS query processes.")] = 1,
    get: Annotated[str | None, typer.Option("--get", help="Make one in-process GET of this path (e.g. /readyz), print the body, exit 1 unless 200.")] = None,
) -> None:
    """Serve the REST API (/api/v1, docs at /docs) and the read-only SPARQL endpoint (/sparql) over the graph."""
    from api.server import get_once, run_server

    settings = settings_for(data_dir)
    if get is not None:
        status, body = get_once(settings, get)
        sys.stdout.buffer.write(body + b"\n")
        sys.stdout.flush()
        if status != 200:
            err.print(f"[red]GET {get} answered {status}[/]")
            raise SystemExit(1)  # not typer.Exit: common.run drops the code click returns for it in non-standalone mode
        return
    err.print(f"serving {settings.data_dir} on http://{host}:{port} with {workers} worker(s) (API docs at /docs, SPARQL at /sparql)")
    run_server(settings, host, port, workers)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the top-level app."""
    app.command("serve")(serve)
