"""The reaction bar's HTML, built in Python: every post and comment of the space has one, and
six buttons a bar through Jinja macros were a fifth of the page's rendering time.

The markup is exactly the macro's was (static/js/space.js and the tests read it); the six
reactions' faces and labels are fixed, so their pieces are escaped once, at import.
"""

from __future__ import annotations

from typing import Any

from flask import request
from markupsafe import Markup, escape

from exchange.extensions import csrf_token
from exchange.space.models import REACTION_FACES

# key -> (the button up to aria-pressed, the rest up to the count), escaped once.
_BUTTONS = {
    r.value: (
        f'<button type="submit" name="reaction" value="{escape(r.value)}" class="reaction" '
        f'data-reaction="{escape(r.value)}" aria-pressed="',
        f'">\n    <span class="face" aria-hidden="true">{escape(face)}</span>'
        f'<span class="visually-hidden">{escape(label)}</span>\n    ',
    )
    for r, (face, label) in REACTION_FACES.items()
}
_ITEMS = {
    r.value: (
        f'<li class="reaction" data-reaction="{escape(r.value)}" data-count="',
        f'"><span class="face" aria-hidden="true">{escape(face)}</span>'
        f'<span class="visually-hidden">{escape(label)}:</span> ',
    )
    for r, (face, label) in REACTION_FACES.items()
}


def reaction_bar(x: dict[str, Any], what: str, here: str) -> Markup:
    """An item's reactions: a form of six toggle buttons for those who may react, else a
    read-only list; nothing for an item without reactions (not approved)."""
    reactions = x.get("reactions")
    if not reactions:
        return Markup("")
    label = escape(what)
    item_id = int(x["item_id"])
    if not x.get("can_react"):
        parts = [
            f'<ul class="reactions readonly" data-item-id="{item_id}" '
            f'aria-label="Reactions to {label}">'
        ]
        for r in reactions:
            head, tail = _ITEMS[r["key"]]
            count = int(r["count"])
            parts.append(
                f'\n  {head}{count}{tail}<span class="count" data-count="{count}">{count}</span>'
                "</li>"
            )
        parts.append("\n</ul>")
        # Every piece is an escaped constant, an escaped value or an int.
        return Markup("".join(parts))  # noqa: S704
    if "comment_id" in x:
        api = f"/api/v1/comments/{int(x['comment_id'])}"
    else:
        api = f"/api/v1/posts/{int(x['post_id'])}"
    parts = [
        f'<form class="reactions" method="post" '
        f'action="{escape(request.script_root)}/items/{item_id}/react" '
        f'data-item-id="{item_id}" data-api="{api}/reactions/" aria-label="Reactions to {label}">'
        f'\n  <input type="hidden" name="csrf_token" value="{escape(csrf_token())}">'
        f'\n  <input type="hidden" name="next" value="{escape(here)}">'
    ]
    for r in reactions:
        head, tail = _BUTTONS[r["key"]]
        count = int(r["count"])
        pressed = "true" if r["mine"] else "false"
        parts.append(
            f'\n  {head}{pressed}{tail}<span class="count" data-count="{count}">'
            f"{count if count else ''}</span>\n  </button>"
        )
    parts.append("\n</form>")
    # Every piece is an escaped constant, an escaped value or an int.
    return Markup("".join(parts))  # noqa: S704
