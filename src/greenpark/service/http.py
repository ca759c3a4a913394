"""Several HTTP server processes on one port, each with its own listening socket.

``greenpark serve --http-workers N`` runs the execution of jobs (supervisor or Dask
dispatcher) once, in the parent, and N uvicorn processes that only answer HTTP.
Each process binds its own socket with ``SO_REUSEPORT``, so the kernel spreads new
connections evenly over the processes. (With one shared socket, as in
``uvicorn --workers``, the process that wakes first accepts a whole burst of
connections while the others idle: measured 0.87 s against 0.18 s of CPU between
two processes under the service benchmark.)

The parent restarts an HTTP process that dies; a process whose parent died exits.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing as mp
import os
import signal
import socket
import threading
import time

from greenpark.service.settings import ServiceSettings

log = logging.getLogger("greenpark.service")


def reuse_port_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound to ``host:port`` with ``SO_REUSEPORT`` (and ``SO_REUSEADDR``), listening."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(2048)
    return sock


def port_is_free(host: str, port: int) -> bool:
    """Whether ``host:port`` can be bound (with ``SO_REUSEPORT``: free, or held by our own processes)."""
    try:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        with socket.socket(family, socket.SOCK_STREAM) as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            s.bind((host, port))
    except OSError:
        return False
    return True


def _http_process(settings: ServiceSettings, parent: int) -> None:  # pragma: no cover - a child
    import uvicorn

    from greenpark.service.app import create_app

    config = uvicorn.Config(create_app(settings), log_level="warning", access_log=False)
    server = uvicorn.Server(config)

    def watch_parent() -> None:
        while not server.should_exit:
            if os.getppid() != parent:
                server.should_exit = True
            time.sleep(1.0)

    threading.Thread(target=watch_parent, daemon=True).start()
    server.run(sockets=[reuse_port_socket(settings.host, settings.port)])


def run_http_processes(settings: ServiceSettings) -> None:
    """Run ``settings.http_workers`` HTTP server processes on ``settings.host:port`` until SIGTERM or SIGINT;
    restart any that dies. Each gets ``settings`` whole (pickled by ``multiprocessing``)."""
    ctx = mp.get_context("spawn")
    stopping = threading.Event()

    def spawn() -> mp.Process:
        p = ctx.Process(target=_http_process, args=(settings, os.getpid()), daemon=False)
        p.start()
        return p

    def stop(*_args) -> None:
        stopping.set()

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    children = [spawn() for _ in range(settings.http_workers)]
    try:
        while not stopping.wait(0.5):
            for i, p in enumerate(children):
                if not p.is_alive():
                    log.warning("HTTP process %s ended (exit code %s); starting another", p.pid, p.exitcode)
                    children[i] = spawn()
    finally:
        for p in children:
            with contextlib.suppress(Exception):
                p.terminate()
        deadline = time.monotonic() + 10
        for p in children:
            p.join(max(0.1, deadline - time.monotonic()))
            if p.is_alive():
                p.kill()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
