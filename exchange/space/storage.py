"""Where uploaded pictures are kept: save bytes under a random key, open it, delete it.

The local implementation writes under UPLOAD_DIR; an object store can replace it behind the
same three methods. Keys are made here, never taken from a user, and are checked against a
strict pattern before they touch the file system, so no name can reach outside the folder.
"""

from __future__ import annotations

import os
import re
import secrets
import tempfile
from pathlib import Path
from typing import BinaryIO, Protocol

from flask import current_app

KEY_RE = re.compile(r"^[A-Za-z0-9_-]{32}$")


class Storage(Protocol):
    """The small interface every store offers."""

    def save(self, data: bytes) -> str:
        """Store bytes under a new random key and return the key."""

    def open(self, key: str) -> BinaryIO:
        """A readable binary file for a key (FileNotFoundError when it is gone)."""

    def delete(self, key: str) -> None:
        """Remove a key's bytes (no error when already gone)."""


class LocalStorage:
    """Files under one folder, spread over 64 x 64 sub-folders by the key's first characters."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    def path(self, key: str) -> Path:
        """The file of a key; refuses anything that is not a key this store made."""
        if not isinstance(key, str) or not KEY_RE.match(key):
            raise ValueError("not a storage key")
        return self.root / key[:2] / key

    def save(self, data: bytes) -> str:
        """Write to a temporary file in the same folder, then rename: readers never see half."""
        key = secrets.token_urlsafe(24)
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            os.chmod(tmp, 0o640)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return key

    def open(self, key: str) -> BinaryIO:
        """Open a stored file for reading."""
        return self.path(key).open("rb")

    def delete(self, key: str) -> None:
        """Remove a stored file if it is there."""
        self.path(key).unlink(missing_ok=True)


def get_storage() -> Storage:
    """The store of the current app (one per UPLOAD_DIR)."""
    root = current_app.config["UPLOAD_DIR"]
    cache = current_app.extensions.setdefault("space_storage", {})
    if root not in cache:
        cache[root] = LocalStorage(root)
    return cache[root]
