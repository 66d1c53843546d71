"""The app served as `python -m exchange.serve` does, optionally with the garbage collector tuned.

`python -m bench.events_server --port P [--gc]`. With --gc, after start-up every object that
exists is moved out of the collector's reach (gc.freeze) and the generation-0 threshold is raised,
so a full collection never walks the app's long-lived objects in the middle of a broadcast.
Used by bench/bench_events.py to measure the effect (exchange/serve.py and the gunicorn worker
now tune it the same way: exchange.serve.tune_gc).
"""

from __future__ import annotations

from gevent import monkey

monkey.patch_all()

import argparse  # noqa: E402
import os  # noqa: E402


def _profile(path: str) -> None:
    """Profile the whole process (every greenlet) and write the stats to `path` every 5 s, for
    `python -m pstats` (EVENTS_PROFILE=path; tottime is reliable, cumulative times are not)."""
    import cProfile

    import gevent

    profiler = cProfile.Profile()
    profiler.enable()

    def dump() -> None:
        while True:
            gevent.sleep(5)
            profiler.dump_stats(path)

    gevent.spawn(dump)


def _log_collections(path: str) -> None:
    """Append every garbage collection that took 2 ms or more to `path` (EVENTS_GC_LOG=path):
    generation, milliseconds, objects collected."""
    import gc
    import time

    started: list[float] = [0.0]

    def note(phase: str, info: dict) -> None:
        if phase == "start":
            started[0] = time.perf_counter()
            return
        ms = (time.perf_counter() - started[0]) * 1000
        if ms >= 2.0:
            line = f"{time.time():.3f} gen{info['generation']} {ms:.1f} ms {info['collected']}"
            with open(path, "a") as fh:
                fh.write(line + "\n")

    gc.callbacks.append(note)


def _count_garbage(path: str) -> None:
    """Every 5 s, collect with DEBUG_SAVEALL and append the commonest types of the cyclic
    garbage made since to `path` (EVENTS_GC_TYPES=path): where the collector's work comes from."""
    import gc
    from collections import Counter

    import gevent

    def count() -> None:
        while True:
            gevent.sleep(5)
            gc.set_debug(gc.DEBUG_SAVEALL)
            gc.collect()
            gc.set_debug(0)
            kinds = Counter(type(o).__qualname__ for o in gc.garbage)
            gc.garbage.clear()
            with open(path, "a") as fh:
                fh.write(f"{sum(kinds.values())} {kinds.most_common(12)}\n")

    gevent.spawn(count)


def main() -> None:
    """Build the app, tune the collector when asked, serve until stopped."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--gc", action="store_true", help="gc.freeze() and raised thresholds")
    args = parser.parse_args()

    from exchange import create_app
    from exchange.extensions import socketio
    from exchange.serve import tune_gc, tune_gevent

    app = create_app()
    if os.environ.get("EVENTS_PROFILE"):
        _profile(os.environ["EVENTS_PROFILE"])
    if os.environ.get("EVENTS_GC_LOG"):
        _log_collections(os.environ["EVENTS_GC_LOG"])
    if os.environ.get("EVENTS_GC_TYPES"):
        _count_garbage(os.environ["EVENTS_GC_TYPES"])
    if args.gc:
        tune_gevent()
        tune_gc()
    socketio.run(app, host="127.0.0.1", port=args.port)


if __name__ == "__main__":
    main()
