"""Pictures before and after their post: uploaded and cleaned one at a time, kept for their
uploader until the post is sent, served only to those who may see the post."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, BinaryIO

from sqlalchemy import func, select

from exchange import authz
from exchange.accounts.models import Link
from exchange.errors import Invalid, NotFound
from exchange.extensions import db
from exchange.space import channels, images
from exchange.space.models import MAX_IMAGES, PostImage
from exchange.space.services.lookup import can_see_post, get_link, posting_class
from exchange.space.storage import get_storage
from exchange.types import utcnow

log = logging.getLogger(__name__)
STAGED_LIFETIME = timedelta(hours=24)
STAGED_MAX = 24


@dataclass
class Upload:
    """A file as chosen by the user: its name (shown back, never used to store) and bytes."""

    filename: str | None
    stream: BinaryIO


def staged_view(image: PostImage) -> dict[str, Any]:
    """A picture waiting for its post: enough to show it and to keep it on the next send."""
    return {
        "id": image.id,
        "thumb_url": channels.image_url(image.id, "thumb"),
        "full_url": channels.image_url(image.id, "full"),
        "width": image.width,
        "height": image.height,
        "thumb_width": image.thumb_width,
        "thumb_height": image.thumb_height,
    }


def _read_limited(upload: Upload) -> bytes:
    """Read at most one byte more than allowed, so an oversize file is never read whole."""
    return upload.stream.read(images.MAX_UPLOAD_BYTES + 1) or b""


def chosen_files(uploads: Iterable[Upload]) -> list[Upload]:
    """Uploads that are files (a form without a chosen file sends an empty, nameless part)."""
    return [u for u in uploads if u.filename or u.stream is not None and _peek(u.stream)]


def _peek(stream: BinaryIO) -> bool:
    """Does the stream hold anything?"""
    try:
        position = stream.tell()
        has = bool(stream.read(1))
        stream.seek(position)
        return has
    except (OSError, ValueError):
        return True


def _store(owner_key: str, link: Link, picture: images.Processed) -> PostImage:
    """Save a processed picture and its thumbnail; the row belongs to its uploader for now."""
    storage = get_storage()
    key = storage.save(picture.full.data)
    thumb_key = storage.save(picture.thumb.data)
    image = PostImage(
        link_id=link.id,
        owner_key=owner_key,
        key=key,
        content_type=picture.full.content_type,
        width=picture.full.width,
        height=picture.full.height,
        thumb_key=thumb_key,
        thumb_type=picture.thumb.content_type,
        thumb_width=picture.thumb.width,
        thumb_height=picture.thumb.height,
        size_bytes=len(picture.full.data) + len(picture.thumb.data),
    )
    db.session.add(image)
    return image


def process_uploads(
    actor: Any,
    link: Link,
    uploads: list[Upload],
    room: int,
    too_many: str = f"a post can have at most {MAX_IMAGES} pictures",
) -> tuple[list[PostImage], list[images.ImageRefused]]:
    """Process each upload in turn (one in memory at a time); keep the good, name the bad."""
    kept: list[PostImage] = []
    refused: list[images.ImageRefused] = []
    for upload in uploads:
        name = images.display_name(upload.filename)
        if len(kept) >= room:
            refused.append(images.ImageRefused(name, too_many))
            continue
        try:
            picture = images.process_off_loop(_read_limited(upload), upload.filename)
        except images.ImageRefused as exc:
            refused.append(exc)
            continue
        kept.append(_store(actor.actor_key, link, picture))
    db.session.flush()
    return kept, refused


def stage_images(
    actor: Any, link_id: int, uploads: Iterable[Upload]
) -> tuple[list[PostImage], list[images.ImageRefused]]:
    """Upload pictures ahead of sending a post: returns those kept and those refused."""
    link = get_link(actor, link_id)
    posting_class(actor, link)
    _purge_staged(owner_key=actor.actor_key)
    waiting = _staged_count(actor.actor_key)
    chosen = chosen_files(uploads)
    if not chosen:
        raise Invalid("Please choose a picture to add.", field="images")
    kept, refused = process_uploads(
        actor,
        link,
        chosen,
        max(0, STAGED_MAX - waiting),
        too_many="you have added a lot of pictures that are not in a post yet; send or "
        "remove some first",
    )
    db.session.commit()
    unlink_after_commit()
    return kept, refused


def _staged_count(owner_key: str) -> int:
    """How many pictures this user has uploaded that are not in a post yet."""
    stmt = select(func.count(PostImage.id)).where(
        PostImage.owner_key == owner_key, PostImage.post_id.is_(None)
    )
    return int(db.session.scalar(stmt) or 0)


def staged_pictures(actor: Any, link: Link, ids: list[int]) -> tuple[list[PostImage], list[int]]:
    """The user's own waiting pictures with these ids (in the order given), and unknown ids."""
    if not ids:
        return [], []
    rows = db.session.scalars(
        select(PostImage).where(
            PostImage.id.in_(ids),
            PostImage.owner_key == actor.actor_key,
            PostImage.link_id == link.id,
            PostImage.post_id.is_(None),
        )
    )
    found = {image.id: image for image in rows}
    return [found[i] for i in dict.fromkeys(ids) if i in found], [i for i in ids if i not in found]


def _purge_staged(owner_key: str | None = None) -> list[str]:
    """Forget pictures uploaded more than a day ago that never made it into a post."""
    stmt = select(PostImage).where(
        PostImage.post_id.is_(None), PostImage.created_at < utcnow() - STAGED_LIFETIME
    )
    if owner_key is not None:
        stmt = stmt.where(PostImage.owner_key == owner_key)
    old = list(db.session.scalars(stmt))
    keys = [k for image in old for k in (image.key, image.thumb_key)]
    for image in old:
        db.session.delete(image)
    db.session.flush()
    db.session.info.setdefault("space_unlink", []).extend(keys)
    return keys


def purge_staged() -> int:
    """Remove every abandoned upload (the `flask space purge-uploads` command); returns count."""
    keys = _purge_staged()
    db.session.commit()
    unlink_after_commit()
    return len(keys) // 2


def unlink_after_commit() -> None:
    """Delete files of rows removed by the committed transaction (never before the commit)."""
    storage = get_storage()
    for key in db.session.info.pop("space_unlink", []):
        try:
            storage.delete(key)
        except OSError:
            log.warning("could not delete stored picture %s", key)


def open_image(actor: Any, image_id: int, size: str) -> tuple[BinaryIO, str, PostImage]:
    """A picture's bytes for someone allowed to see it: its post's viewers, or its uploader
    while it waits for its post. Everyone else gets NotFound."""
    if size not in ("thumb", "full"):
        raise NotFound("That picture does not exist.")
    image = db.session.get(PostImage, image_id)
    if image is None:
        raise NotFound("That picture does not exist.")
    if image.post is None:
        allowed = authz.is_signed_in(actor) and image.owner_key == actor.actor_key
    else:
        allowed = can_see_post(actor, image.post)
    if not allowed:
        raise NotFound("That picture does not exist.")
    key, content_type = (
        (image.thumb_key, image.thumb_type) if size == "thumb" else (image.key, image.content_type)
    )
    try:
        return get_storage().open(key), content_type, image
    except FileNotFoundError:
        log.error("stored picture %s of image %s is missing", key, image.id)
        raise NotFound("That picture is no longer available.") from None
