"""gunicorn settings of ``make serve``, also used by ``make load`` (bench/load.py), so the
measured setup is the served one. Command-line options override these.

Threaded workers (``gthread``): a request is mostly Python (one core per process, the
GIL) with waits for the database in between (and, on SQLite, for its single write lock);
threads let a process serve a search while another of its requests waits. Processes are
what use the cores: ``WORKERS`` (default 3 on a 2-core machine; about cores + 1),
``THREADS`` per process (default 16); on SQLite the writers of every process take turns
in one queue (``directory.writer_queue.WriterQueue``), each holding its thread meanwhile, so
threads are many: with 4 per process, searches waited behind queued writers for a free
thread (``make load``, SQLite: 109 requests/s with 4, 131 with 8, 149-154 with 16; search
p95 995, 609 and 295 ms). Connections are kept alive between requests, so a client does
not pay a TCP handshake per request. Each worker warms up (search index, gazetteer, map
document) before it takes a request.
"""

from __future__ import annotations

import os

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '5000')}"
worker_class = "gthread"
workers = int(os.environ.get("WORKERS") or 3)
threads = int(os.environ.get("THREADS") or 16)
keepalive = 5
# The worker heartbeat in memory, not on a disk that may be slow or full.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
accesslog = os.environ.get("ACCESS_LOG", "-")
wsgi_app = "directory:create_app()"


def post_worker_init(worker) -> None:  # type: ignore[no-untyped-def]
    """Warm the worker (index, gazetteer, map) before it accepts a request."""
    from directory.warmup import warm_up

    warm_up(worker.wsgi)
