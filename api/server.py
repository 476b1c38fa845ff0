"""Run the service: under uvicorn, or for one in-process request (`missionkg serve --get PATH`)."""

from __future__ import annotations

from api.app import create_app
from kg.settings import Settings


def run_server(settings: Settings, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve the app with uvicorn until interrupted."""
    import uvicorn

    uvicorn.run(create_app(settings), host=host, port=port, log_level="info")


def get_once(settings: Settings, path: str) -> tuple[int, bytes]:
    """Status and body of one GET against an in-process app, as a smoke test of a data dir."""
    from fastapi.testclient import TestClient

    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        response = client.get(path)
    return response.status_code, response.content
