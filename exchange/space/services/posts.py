"""Posts: a title, text, tags and up to six pictures, sent through the approval rule."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from exchange.errors import Invalid
from exchange.extensions import db
from exchange.moderation import services as moderation
from exchange.moderation.models import ItemKind, ItemState, ModerationItem
from exchange.space import channels, images
from exchange.space.models import (
    BODY_MAX,
    DESCRIPTION_MAX,
    MAX_IMAGES,
    QUESTIONS,
    TITLE_MAX,
    Post,
    PostImage,
)
from exchange.space.services.lookup import editable_post, get_link, posting_class
from exchange.space.services.pictures import (
    Upload,
    chosen_files,
    process_uploads,
    staged_pictures,
    staged_view,
    unlink_after_commit,
)
from exchange.space.text import checked, tidy
from exchange.types import utcnow


@dataclass
class PostDraft:
    """What the composer sends: the post's fields and the pictures to keep."""

    title: str = ""
    text: str = ""
    questions: list[str] = field(default_factory=list)
    phase: int | None = None
    picture_description: str = ""
    keep_images: list[int] = field(default_factory=list)
    remove_images: list[int] = field(default_factory=list)
    client_id: str | None = None


class DraftRefused(Invalid):
    """The post was not sent. Says what to fix; pictures that were fine are kept for the retry."""

    def __init__(
        self,
        errors: dict[str, str],
        refused: list[images.ImageRefused],
        kept: list[PostImage],
    ) -> None:
        parts = list(errors.values()) + [r.message for r in refused]
        first_field = next(iter(errors), "images" if refused else None)
        super().__init__(" ".join(parts), field=first_field)
        self.errors = errors
        self.refused = refused
        self.kept = kept

    def as_dict(self) -> dict[str, Any]:
        """The refusal with every field error, every refused file and the pictures kept."""
        body = super().as_dict()
        body["details"] = {
            "errors": self.errors,
            "refused": [r.as_dict() for r in self.refused],
            "kept_images": [staged_view(image) for image in self.kept],
        }
        return body


def _check_post_fields(draft: PostDraft, errors: dict[str, str]) -> dict[str, Any]:
    """Tidy and check the post's own fields; problems go into `errors` by field."""
    values: dict[str, Any] = {}
    checks = {
        "title": dict(label="a title", limit=TITLE_MAX, required=True, multiline=False),
        "text": dict(label="the text", limit=BODY_MAX),
        "picture_description": dict(
            label="the description of the pictures", limit=DESCRIPTION_MAX, multiline=False
        ),
    }
    for name, rule in checks.items():
        try:
            values[name] = checked(getattr(draft, name), field=name, **rule)  # type: ignore[arg-type]
        except Invalid as exc:
            errors[name] = exc.message
            values[name] = tidy(getattr(draft, name))
    unknown = [q for q in draft.questions if q not in QUESTIONS]
    if unknown:
        errors["questions"] = "Please choose questions from the list."
    values["questions"] = [q for q in QUESTIONS if q in draft.questions]
    if draft.phase is not None and draft.phase not in (1, 2, 3):
        errors["phase"] = "Please choose a phase from the list."
    values["phase"] = draft.phase if draft.phase in (1, 2, 3) else None
    return values


def _refuse_if_needed(
    errors: dict[str, str], refused: list[images.ImageRefused], kept: list[PostImage]
) -> None:
    """Keep the good pictures (commit) and refuse the draft when anything needs fixing."""
    if errors or refused:
        db.session.commit()
        raise DraftRefused(errors, refused, kept)


def create_post(
    author: Any, link_id: int, draft: PostDraft, uploads: Iterable[Upload] = ()
) -> Post:
    """Share a post: a pupil's waits for their teacher, a teacher's appears at once.

    Raises DraftRefused (nothing sent; good pictures kept) when a field or a file needs fixing.
    """
    link = get_link(author, link_id)
    classroom_id = posting_class(author, link)
    earlier = moderation.existing_for_client_id(author, draft.client_id)
    if earlier is not None and earlier.kind == ItemKind.POST:
        return channels.post_for_item(earlier)
    errors: dict[str, str] = {}
    values = _check_post_fields(draft, errors)
    kept, missing = staged_pictures(author, link, draft.keep_images)
    if missing:
        errors["keep_images"] = (
            "Some pictures you added earlier have expired; please add them again."
        )
    chosen = chosen_files(uploads)
    new, refused = process_uploads(author, link, chosen, MAX_IMAGES - len(kept))
    kept += new
    if not values["text"] and not kept and "text" not in errors:
        errors["text"] = "Please write something or add a picture."
    _refuse_if_needed(errors, refused, kept)

    post = Post(link_id=link.id, **_post_columns(values))

    def attach(item: ModerationItem) -> None:
        post.item = item
        db.session.add(post)
        channels.remember_content(item, post)
        post.images = _positioned(kept)

    moderation.submit(
        author,
        moderation.Submission(
            kind=ItemKind.POST,
            classroom_id=classroom_id,
            link=link,
            text=channels.post_scan_text(post.title, post.body, post.picture_description),
            client_id=draft.client_id,
        ),
        attach,
    )
    db.session.commit()
    return post


def _post_columns(values: dict[str, Any]) -> dict[str, Any]:
    """The checked values as Post columns."""
    return {
        "title": values["title"],
        "body": values["text"],
        "questions": values["questions"],
        "phase": values["phase"],
        "picture_description": values["picture_description"],
    }


def _positioned(pictures: list[PostImage]) -> list[PostImage]:
    """Number pictures in the order the pupil arranged them."""
    for position, image in enumerate(pictures):
        image.position = position
    return pictures


def edit_post(author: Any, post_id: int, draft: PostDraft, uploads: Iterable[Upload] = ()) -> Post:
    """Change one's own post and send it again: a pupil's goes back to their teacher (and leaves
    the partner class until approved again); a teacher's is shown changed at once."""
    post = editable_post(author, post_id)
    link = post.item.link
    errors: dict[str, str] = {}
    values = _check_post_fields(draft, errors)
    staying = [image for image in post.images if image.id not in set(draft.remove_images)]
    leaving = [image for image in post.images if image.id in set(draft.remove_images)]
    staged, missing = staged_pictures(author, link, draft.keep_images)
    if missing:
        errors["keep_images"] = (
            "Some pictures you added earlier have expired; please add them again."
        )
    new, refused = process_uploads(
        author, link, chosen_files(uploads), MAX_IMAGES - len(staying) - len(staged)
    )
    pictures = staying + staged + new
    if not values["text"] and not pictures and "text" not in errors:
        errors["text"] = "Please write something or add a picture."
    _refuse_if_needed(errors, refused, staged + new)
    columns = _post_columns(values)
    unchanged = (
        not leaving
        and not staged
        and not new
        and all(getattr(post, name) == value for name, value in columns.items())
    )
    if unchanged and post.item.state != ItemState.RETURNED:
        return post
    for name, value in columns.items():
        setattr(post, name, value)
    post.edited_at = utcnow()
    post.images = _positioned(pictures)
    for image in leaving:
        db.session.info.setdefault("space_unlink", []).extend([image.key, image.thumb_key])
        db.session.delete(image)
    db.session.flush()
    moderation.resubmit(
        author, post.item, channels.post_scan_text(post.title, post.body, post.picture_description)
    )
    db.session.commit()
    unlink_after_commit()
    return post
