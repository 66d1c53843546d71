"""Copy the front-end packages installed by npm into static/vendor (served by the app)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ASSETS = {
    "node_modules/socket.io-client/dist/socket.io.min.js": "static/vendor/socket.io.min.js",
    "node_modules/axe-core/axe.min.js": "static/vendor/axe.min.js",
}


def main() -> int:
    """Copy each asset; fail loudly if npm did not install it."""
    for source, target in ASSETS.items():
        src, dst = ROOT / source, ROOT / target
        if not src.exists():
            print(f"missing {source}: run `npm ci` first", file=sys.stderr)
            return 1
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dst)
        print(f"built {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
