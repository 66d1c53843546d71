"""gunicorn settings for one Linking Exchange process: one gevent worker (see docs/deploy.md).

Run one process per core behind nginx (deploy/start.sh), all joined by Redis. The worker class
monkey-patches the standard library before the app (and so psycopg) is imported, which is what
lets psycopg 3 cooperate with gevent; nothing here may import the app at module level.
"""

import os

bind = f"127.0.0.1:{os.environ.get('PORT', '5000')}"
worker_class = "gevent"
workers = 1  # Socket.IO needs every request of a session in one process: scale with processes
worker_connections = int(os.environ.get("WORKER_CONNECTIONS", "4000"))
# On SIGTERM the app tells its sockets to reconnect elsewhere, then in-flight requests finish.
graceful_timeout = int(os.environ.get("GRACEFUL_TIMEOUT", "20"))
timeout = 30
keepalive = 75  # longer than nginx's upstream keep-alive so nginx closes first
accesslog = None  # the app logs one JSON line per request (exchange/ops/logs.py)
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
proc_name = os.environ.get("NODE_NAME", "linking-exchange")
preload_app = False  # never import the app (or psycopg) before the worker patches
# The app installs its own SIGTERM handler on top of the worker's (exchange/ops/shutdown.py).


def post_worker_init(worker: object) -> None:
    """The worker has loaded the app: freeze what start-up made and collect less often."""
    from exchange.serve import tune_gc, tune_gevent

    tune_gevent()
    tune_gc()
