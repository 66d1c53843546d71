"""Socket.IO commands of the moderation area: decide an item with one key press (the live
session's queue uses these). Validated by the API's schemas; acknowledged like every command."""

from __future__ import annotations

from typing import Any

from exchange import authz
from exchange.errors import Forbidden
from exchange.moderation import schemas, services
from exchange.moderation.models import ModerationItem
from exchange.sockets import socket_command


def _decision(item: ModerationItem) -> dict[str, Any]:
    """The acknowledgement: where the item is in the rule now."""
    stage = item.stage.value if item.stage else None
    return {"item_id": item.id, "state": item.state.value, "stage": stage, "version": item.version}


@socket_command("approve_item", schemas.ApproveItemCommand)
def approve_item(actor: Any, data: dict[str, Any]) -> dict[str, Any]:
    """Approve an item at its current stage (pictures need photos_confirmed)."""
    if not authz.is_staff(actor):
        raise Forbidden("Only a teacher can approve or return work.")
    item = services.approve(actor, data["item_id"], photos_confirmed=data["photos_confirmed"])
    return _decision(item)


@socket_command("return_item", schemas.ReturnItemCommand)
def return_item(actor: Any, data: dict[str, Any]) -> dict[str, Any]:
    """Return an item to its author with feedback."""
    if not authz.is_staff(actor):
        raise Forbidden("Only a teacher can approve or return work.")
    return _decision(services.return_item(actor, data["item_id"], data["feedback"]))
