"""Socket.IO commands of the space area: comments and reactions without an HTTP round trip.

The space's facts (item_approved, item_removed, reaction_changed on `link:<id>`; item_status on
`pupil:<id>`; queue_item_added/removed on `queue:<class_id>`) are published by the services;
sockets join those streams through the core `subscribe` command, whose stream rules decide.
"""

from __future__ import annotations

from typing import Any

from exchange.sockets import socket_command
from exchange.space import queries, schemas, services


@socket_command("send_comment", schemas.SendCommentSchema)
def send_comment(actor: Any, data: dict[str, Any]) -> dict[str, Any]:
    """Comment on a post (or reply); a retried send with the same client_id is stored once."""
    comment = services.create_comment(
        actor,
        data["post_id"],
        data["text"],
        parent_id=data["parent_id"],
        client_id=data["client_id"],
    )
    return {"comment": schemas.CommentSchema().dump(queries.comment_view(actor, comment.id))}


@socket_command("set_reaction", schemas.SetReactionSchema)
def set_reaction(actor: Any, data: dict[str, Any]) -> dict[str, Any]:
    """Give or take back one reaction; everyone in the link gets the new counts."""
    return services.set_reaction(actor, data["item_id"], data["reaction"], data["on"])
