"""Run the service: under uvicorn (one process or several), or for one in-process request (`missionkg serve --get PATH`).

Several worker processes are sound because everything a request reads is opened read-only in each process:
the Oxigraph snapshot (RocksDB read-only, as the SPARQL worker processes already open it), the search index
files (loaded by each process, and reloaded when a build commits a newer generation); query vectors are
computed and remembered in each process's memory (kg.query_encoder), never written to the embedding cache.
"""

from __future__ import annotations

import os
import socket
from functools import partial

from api.app import create_app
from api.config import ApiOptions
from kg.errors import ConfigError
from kg.settings import Settings


def listener(host: str, port: int) -> socket.socket:
    """A bound TCP socket for worker processes to share, created with proto=IPPROTO_TCP.

    asyncio turns Nagle's algorithm off only on connections whose socket says IPPROTO_TCP, and uvicorn's own
    shared socket leaves proto at 0, so with workers every keep-alive response would wait ~40 ms for the
    client's delayed ACK (https://github.com/Kludex/uvicorn/issues/3149).
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise ConfigError(f"cannot listen on {host}:{port}: {exc.strerror}; choose another --port or --host") from None
    sock.set_inheritable(True)
    return sock


def run_server(settings: Settings, host: str = "127.0.0.1", port: int = 8000, workers: int = 1) -> None:
    """Serve the app with uvicorn until interrupted, in one process or in `workers` processes sharing the port."""
    import uvicorn

    # One thread per computation, many requests at once: on a busy 2-core machine a second OpenMP thread made
    # each query embedding 5-10x slower (spin-waiting), as kg.search.dense found for FAISS.
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    options = ApiOptions(warm_search=True)
    if workers <= 1:
        uvicorn.run(create_app(settings, options), host=host, port=port, log_level="info")
        return
    from uvicorn.supervisors import Multiprocess

    # Each worker process builds its own app: the factory, settings and options are pickled to it.
    factory = partial(create_app, settings, options)
    config = uvicorn.Config(factory, factory=True, host=host, port=port, workers=workers, log_level="info")
    Multiprocess(config, sockets=[listener(host, port)]).run()


def get_once(settings: Settings, path: str) -> tuple[int, bytes]:
    """Status and body of one GET against an in-process app, as a smoke test of a data dir."""
    from fastapi.testclient import TestClient

    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        response = client.get(path)
    return response.status_code, response.content
