"""`python -m bench all|NAME [--quick] [...]`: run every benchmark, or one, by module name."""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
import time
import traceback

import bench
from bench.common import add_common_args


def benchmark_names() -> list[str]:
    """Every bench/bench_*.py module, by short name (bench_http.py is `http`)."""
    return sorted(
        m.name.removeprefix("bench_")
        for m in pkgutil.iter_modules(bench.__path__)
        if m.name.startswith("bench_")
    )


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run the chosen benchmarks in turn; non-zero if any failed."""
    names = benchmark_names()
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Run the project's benchmarks and write docs/performance.md.",
        epilog="benchmarks: " + ", ".join(names),
    )
    parser.add_argument("name", help="'all', 'list', or one benchmark's name")
    add_common_args(parser)
    # Each module may add its own options: let them all register before parsing.
    modules = {}
    for name in names:
        module = importlib.import_module(f"bench.bench_{name}")
        modules[name] = module
        if hasattr(module, "add_args"):
            module.add_args(parser.add_argument_group(name))
    args = parser.parse_args(argv)
    if args.name == "list":
        for name in names:
            doc = (modules[name].__doc__ or "").strip().splitlines()
            print(f"{name:12} {doc[0] if doc else ''}")
        return 0
    chosen = names if args.name == "all" else [args.name.removeprefix("bench_")]
    unknown = [n for n in chosen if n not in modules]
    if unknown:
        parser.error(f"unknown benchmark {unknown[0]!r}; choose from: all, {', '.join(names)}")
    failed = []
    for name in chosen:
        print(f"bench: {name} ...", flush=True)
        started = time.monotonic()
        try:
            modules[name].run(args)
        except Exception:
            traceback.print_exc()
            failed.append(name)
        print(f"bench: {name} took {time.monotonic() - started:.0f} s", flush=True)
    if failed:
        print(f"bench: failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
