"""The templates' Jinja environment: Flask's, with a quicker `x.name` on plain dicts.

Pages are built from dicts (a space page's cards read about a thousand fields). Jinja reads
`x.name` as `getattr(x, "name")` first and, on a dict, falls back to `x["name"]` only after
catching the AttributeError: half the time of every lookup. For a name that is not an
attribute of dict, the key is the only thing `x.name` can find, so it is read first. Names
that are (`items`, `get`, `values` ...) go through Jinja's lookup as before: the answer is
the same for every name.
"""

from __future__ import annotations

from typing import Any

from flask.templating import Environment as FlaskEnvironment

_DICT_ATTRIBUTES = frozenset(dir(dict))


class Environment(FlaskEnvironment):
    """Flask's template environment; `x.name` on a plain dict reads the key without a
    failed attribute lookup first."""

    def getattr(self, obj: Any, attribute: str) -> Any:
        """`obj.attribute` in a template."""
        if type(obj) is dict and attribute not in _DICT_ATTRIBUTES:
            try:
                return obj[attribute]
            except KeyError:
                pass  # Jinja's own lookup makes the undefined value
        return super().getattr(obj, attribute)
