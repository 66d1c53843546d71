"""Reading a link's space for one viewer: what they may see, and what they may do with it.

Visibility is always the approval rule's (visible_in_link, can_view_item); this module only
arranges what the rule allows into columns, threads, counts and lists, the same for the page,
the API and the live fragments.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import literal, or_, select, tuple_, union_all
from sqlalchemy.orm import contains_eager
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.sql.elements import ColumnElement

from exchange import authz, realtime
from exchange.accounts.models import Link
from exchange.errors import NotFound
from exchange.extensions import db
from exchange.idlists import one_of, row_limit
from exchange.moderation import services as moderation
from exchange.moderation.models import ItemKind, ItemState, ModerationItem, Stage
from exchange.space import channels, services
from exchange.space.models import QUESTIONS, REACTION_FACES, Comment, Post, PostImage

# About what a tablet shows at once: a page is built in Python, and each post costs CPU.
POSTS_PER_CLASS = 4
# The space shows each post's latest conversations; the post's own page shows them all.
THREADS_SHOWN = 2
SHOWN_IN_COLUMNS = (ItemState.APPROVED, ItemState.HIDDEN)
OWN_LIST_STATES = (ItemState.PENDING, ItemState.RETURNED, ItemState.WITHDRAWN)


def reaction_choices() -> list[dict[str, str]]:
    """The six reactions, in order, with their face and spoken label."""
    return [{"key": r.value, "face": f, "label": lbl} for r, (f, lbl) in REACTION_FACES.items()]


def question_choices() -> list[dict[str, str]]:
    """The programme's four questions."""
    return [{"key": key, "label": label} for key, label in QUESTIONS.items()]


def state_label(item: ModerationItem, for_author: bool) -> str:
    """Where an item is, in words for its author or for a teacher."""
    if item.state == ItemState.PENDING:
        if item.stage == Stage.PARTNER_TEACHER:
            return "Waiting for the partner class's teacher"
        return "Waiting for your teacher" if for_author else "Waiting for approval"
    return {
        ItemState.RETURNED: "Sent back with a note" if for_author else "Sent back to the pupil",
        ItemState.WITHDRAWN: "Taken back by a teacher",
        ItemState.HIDDEN: "Hidden and reported to the facilitator",
        ItemState.REMOVED: "Removed by the facilitator",
        ItemState.APPROVED: "Shared with both classes",
    }[item.state]


def _status(actor: Any, item: ModerationItem) -> dict[str, Any]:
    """The item's state as this viewer may know it (feedback only for author and teachers)."""
    mine = authz.space.is_author(actor, item)
    return {
        "state": item.state.value,
        "state_label": state_label(item, mine),
        "feedback": item.feedback if authz.space.sees_feedback(actor, item) else None,
        "mine": mine,
    }


def _reactions(item: ModerationItem, counts: dict[str, int], mine: set[str]) -> list[dict]:
    """The reaction bar of one item: each reaction's count and whether the viewer gave it."""
    if item.state != ItemState.APPROVED:
        return []
    return [
        {**choice, "count": counts.get(choice["key"], 0), "mine": choice["key"] in mine}
        for choice in reaction_choices()
    ]


def comment_card(
    actor: Any,
    comment: Comment,
    link: Link,
    counts: dict[int, dict[str, int]],
    mine: dict[int, set[str]],
    replies: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """One comment for this viewer: content, state, reactions, replies and allowed actions."""
    item = comment.item
    return {
        **channels.comment_public(comment),
        **_status(actor, item),
        "reactions": _reactions(item, counts.get(item.id, {}), mine.get(item.id, set())),
        "replies": replies or [],
        "can_edit": authz.space.can_edit(actor, item),
        "can_withdraw": authz.space.can_withdraw(actor, item),
        "can_hide": authz.space.can_hide(actor, link, item),
        "can_react": authz.space.can_react(actor, link, item),
        "can_reply": comment.parent_id is None
        and authz.space.can_comment(actor, link, item)
        and comment.post.item.state == ItemState.APPROVED,
    }


def post_card(
    actor: Any,
    post: Post,
    link: Link,
    comments: list[Comment],
    counts: dict[int, dict[str, int]],
    mine: dict[int, set[str]],
    threads: int | None = None,
    count: int | None = None,
) -> dict[str, Any]:
    """One post for this viewer, with its visible comments threaded one level deep (only the
    latest `threads` conversations when given; the count is always of everything visible,
    given as `count` when `comments` holds only the conversations shown)."""
    item = post.item
    visible_ids = {c.id for c in comments}
    tops = [c for c in comments if c.parent_id is None]
    replies: dict[int, list[Comment]] = {}
    for c in comments:
        if c.parent_id is not None and c.parent_id in visible_ids:
            replies.setdefault(c.parent_id, []).append(c)
    if count is None:
        count = len(tops) + sum(len(r) for r in replies.values())
    shown = tops if threads is None else tops[len(tops) - threads :] if threads else []
    thread = [
        comment_card(
            actor,
            top,
            link,
            counts,
            mine,
            [comment_card(actor, r, link, counts, mine) for r in replies.get(top.id, [])],
        )
        for top in shown
    ]
    return {
        **channels.post_public(post),
        **_status(actor, item),
        "reactions": _reactions(item, counts.get(item.id, {}), mine.get(item.id, set())),
        "comments": thread,
        "comment_count": count,
        "comments_hidden": count - sum(1 + len(c["replies"]) for c in thread),
        "can_edit": authz.space.can_edit(actor, item),
        "can_withdraw": authz.space.can_withdraw(actor, item),
        "can_hide": authz.space.can_hide(actor, link, item),
        "can_react": authz.space.can_react(actor, link, item),
        "can_comment": authz.space.can_comment(actor, link, item),
    }


def _visible_comment_rows(actor: Any, link: Link, post_ids: list[int]) -> list[Any]:
    """(id, post_id, parent_id) of the comments of these posts the viewer may see, oldest
    first: small rows, so a post with hundreds of comments costs no objects."""
    if not post_ids:
        return []
    stmt = (
        select(Comment.id, Comment.post_id, Comment.parent_id)
        .join(ModerationItem, Comment.item_id == ModerationItem.id)
        .where(one_of(Comment.post_id, post_ids), moderation.visible_in_link(actor, link))
        .order_by(Comment.created_at, Comment.id)
    )
    if db.engine.dialect.name != "postgresql":
        # SQLite has no statistics: joined as above, it may walk every item of the link
        # (10,000 a year) through the visibility test's link index instead of the few
        # comments of these posts. The comments' items by id first, as a list, pin the
        # order. PostgreSQL plans the join from its statistics, in one round trip.
        item_ids = list(
            db.session.scalars(select(Comment.item_id).where(one_of(Comment.post_id, post_ids)))
        )
        if not item_ids:
            return []
        stmt = stmt.where(one_of(ModerationItem.id, item_ids))
    return list(db.session.execute(stmt))


def _visible_comments(
    actor: Any, link: Link, post_ids: list[int], threads: int | None = None
) -> tuple[dict[int, list[Comment]], dict[int, int]]:
    """Per post: the visible comments to show (the latest `threads` conversations with their
    replies, or all), oldest first, and how many visible comments it has in all."""
    found: dict[int, list[Comment]] = {pid: [] for pid in post_ids}
    totals: dict[int, int] = dict.fromkeys(post_ids, 0)
    rows = _visible_comment_rows(actor, link, post_ids)
    visible = {row.id for row in rows}
    tops: dict[int, list[int]] = {}
    replies: dict[int, list[int]] = {}
    for comment_id, post_id, parent_id in rows:
        if parent_id is None:
            tops.setdefault(post_id, []).append(comment_id)
        elif parent_id in visible:
            replies.setdefault(parent_id, []).append(comment_id)
        else:
            continue  # a reply to a comment the viewer may not see is not counted either
        totals[post_id] += 1
    wanted: list[int] = []
    for ids in tops.values():
        shown = ids if threads is None else ids[len(ids) - threads :] if threads else []
        for top in shown:
            wanted += [top, *replies.get(top, [])]
    if not wanted:
        return found, totals
    stmt = (
        select(Comment).where(one_of(Comment.id, wanted)).order_by(Comment.created_at, Comment.id)
    )
    for comment in db.session.scalars(stmt):
        found[comment.post_id].append(comment)
    return found, totals


def _load_pictures(posts: list[Post]) -> None:
    """Every post's pictures from one query (the columns show a page of posts each)."""
    wanted = {p.id: p for p in posts if "images" not in p.__dict__}
    if not wanted:
        return
    found: dict[int, list[PostImage]] = {pid: [] for pid in wanted}
    stmt = (
        select(PostImage)
        .where(one_of(PostImage.post_id, wanted))
        .order_by(PostImage.position, PostImage.id)
    )
    for image in db.session.scalars(stmt):
        found[image.post_id].append(image)
    for post_id, images in found.items():
        set_committed_value(wanted[post_id], "images", images)


def cards(
    actor: Any, link: Link, posts: list[Post], threads: int | None = None
) -> list[dict[str, Any]]:
    """Post cards for a list of posts: the comments shown, the counts and the viewer's own
    reactions in a handful of queries, whatever the number of posts and comments."""
    comments, totals = _visible_comments(actor, link, [p.id for p in posts], threads)
    shown = [c for cs in comments.values() for c in cs]
    # Authors and classes of every post and comment shown, in one go.
    moderation.preload([p.item for p in posts] + [c.item for c in shown], contents=False)
    _load_pictures(posts)
    item_ids = [p.item_id for p in posts] + [c.item_id for c in shown]
    counts, mine = services.reactions_for(actor, item_ids)
    return [
        post_card(actor, p, link, comments[p.id], counts, mine, threads, totals[p.id])
        for p in posts
    ]


def _column_posts(
    actor: Any, link: Link, class_ids: list[int], question: str | None, before: int | None
) -> dict[int, list[Post]]:
    """Each class's posts that reached the space, newest first (one more than a page), all
    columns in one statement.

    Keyset pagination: `before` is a post id, and a page holds what was approved before it
    (ties broken by item id). Each class's page is read from ix_moderation_item_feed in index
    order (a subquery with its own LIMIT), and the posts of all pages are loaded together.
    A `before` that is not an approved post of this link is ignored (the newest page): another
    link's post would tell its approval time to anyone who can count the pages.
    """
    at_cursor = None
    if before is not None:
        cursor = db.session.get(Post, before)
        if cursor is not None and cursor.link_id == link.id and cursor.item.approved_at:
            at = literal(cursor.item.approved_at, ModerationItem.approved_at.type)
            at_cursor = tuple_(ModerationItem.approved_at, ModerationItem.id) < tuple_(
                at, literal(cursor.item_id)
            )
    pages = []
    for class_id in class_ids:
        page = (
            select(ModerationItem.id)
            .where(
                ModerationItem.link_id == link.id,
                ModerationItem.kind == ItemKind.POST,
                ModerationItem.classroom_id == class_id,
                ModerationItem.state.in_(SHOWN_IN_COLUMNS),
                moderation.visible_in_link(actor, link),
            )
            .order_by(ModerationItem.approved_at.desc(), ModerationItem.id.desc())
            .limit(row_limit(POSTS_PER_CLASS + 1))
        )
        if question in QUESTIONS:
            # JSON containment differs by engine; the tag is a quoted word in a short JSON list.
            tag = f'"{question}"'
            page = page.join(Post, Post.item_id == ModerationItem.id).where(
                Post.questions.cast(db.String).contains(tag, autoescape=True)
            )
        if at_cursor is not None:
            page = page.where(at_cursor)
        pages.append(select(page.subquery().c.id))
    found: dict[int, list[Post]] = {cid: [] for cid in class_ids}
    if not pages:
        return found
    stmt = (
        select(Post)
        .join(Post.item)
        .where(ModerationItem.id.in_(union_all(*pages)))
        .options(contains_eager(Post.item))
    )
    # A page or two of rows: put in order here, so the database sorts nothing it has not
    # already read in index order.
    for post in sorted(
        db.session.scalars(stmt),
        key=lambda p: (p.item.approved_at is not None, p.item.approved_at, p.item_id),
        reverse=True,
    ):
        found[post.item.classroom_id].append(post)
    return found


def _own_items_clause(actor: Any, link: Link) -> ColumnElement[bool]:
    """The viewer's own posts and comments in this link that are not (or no longer) shown."""
    if authz.is_pupil(actor):
        author = ModerationItem.author_pupil_id == actor.id
    else:
        author = ModerationItem.author_staff_id == actor.id
    # `link_id + 0`: the author's items are few, the link's are thousands. SQLite has no
    # statistics to choose between the author's index and the link's feed index and took
    # either from one database to the next (the feed walked every item of the link: 12,000 a
    # year, about 9 ms a page); the `+ 0` keeps the link's indexes out of the choice.
    return (
        (ModerationItem.link_id + 0 == link.id)
        & ModerationItem.kind.in_([ItemKind.POST, ItemKind.COMMENT])
        & author
        & ModerationItem.state.in_(OWN_LIST_STATES)
    )


def list_entry(actor: Any, item: ModerationItem) -> dict[str, Any]:
    """One line in "my work" or "waiting": what it is, where it is, what to do next."""
    entry: dict[str, Any] = {
        "item_id": item.id,
        "kind": item.kind.value,
        "author": item.author_name,
        "class_label": item.classroom.label,
        "submitted_at": item.submitted_at.isoformat(),
        "stage": item.stage.value if item.stage else None,
        **_status(actor, item),
        "can_edit": authz.space.can_edit(actor, item),
    }
    if item.kind == ItemKind.POST:
        post = channels.post_for_item(item)
        entry.update(
            post_id=post.id,
            title=post.title,
            text=channels.snippet(post.body),
            images=channels.image_views(post),
            edit_url=f"/posts/{post.id}/edit",
        )
    else:
        comment = channels.comment_for_item(item)
        entry.update(
            post_id=comment.post_id,
            comment_id=comment.id,
            title=f"Comment on “{comment.post.title}”",
            text=channels.snippet(comment.body),
            images=[],
            edit_url=f"/comments/{comment.id}/edit",
        )
    return entry


def own_items(actor: Any, link: Link, limit: int = 50) -> list[dict[str, Any]]:
    """The viewer's own items waiting, sent back or taken back, newest first."""
    if not authz.member_of_link(actor, link):
        return []
    stmt = (
        select(ModerationItem)
        .where(_own_items_clause(actor, link))
        .order_by(ModerationItem.submitted_at.desc(), ModerationItem.id.desc())
        .limit(row_limit(limit))
    )
    items = list(db.session.scalars(stmt))
    # Authors and classes; a comment needs only its post's title, not what it answers.
    moderation.preload(items, contents=False)
    channels.load_contents(items, answered=False)
    return [list_entry(actor, item) for item in items]


def waiting_items(actor: Any, link: Link, limit: int = 50) -> list[dict[str, Any]]:
    """For a teacher: posts and comments of this link waiting for a teacher's decision."""
    if not authz.teaches_in_link(actor, link):
        return []
    mine = [cid for cid in link.class_ids if authz.teaches(actor, cid)]
    # `link_id + 0`, as for the viewer's own work: what waits is few, the link's items are
    # thousands, and SQLite (no statistics) took the link's feed index, which walked them all.
    stmt = (
        select(ModerationItem)
        .where(
            ModerationItem.link_id + 0 == link.id,
            ModerationItem.kind.in_([ItemKind.POST, ItemKind.COMMENT]),
            ModerationItem.state == ItemState.PENDING,
            or_(
                ModerationItem.classroom_id.in_(mine),
                ModerationItem.stage == Stage.PARTNER_TEACHER,
            ),
        )
        .order_by(ModerationItem.submitted_at, ModerationItem.id)
        .limit(row_limit(limit))
    )
    entries = []
    items = list(db.session.scalars(stmt))
    moderation.preload(items)
    for item in items:
        if moderation.can_view_item(actor, item):
            entry = list_entry(actor, item)
            entry["yours_to_decide"] = moderation.can_decide(actor, item)
            entries.append(entry)
    return entries


def streams_for(actor: Any, link: Link) -> dict[str, int]:
    """The streams the page follows, each at its current sequence number.

    Read before the content is queried, so nothing published in between is missed.
    """
    names = [realtime.link_stream(link.id)]
    if authz.is_pupil(actor):
        names.append(realtime.pupil_stream(actor.id))
    names += [realtime.queue_stream(cid) for cid in link.class_ids if authz.teaches(actor, cid)]
    return realtime.last_seqs(names)


def space_view(
    actor: Any,
    link_id: int,
    *,
    question: str | None = None,
    before: int | None = None,
    column: int | None = None,
) -> dict[str, Any]:
    """Everything the space page (and GET /api/v1/links/<id>/space) shows this viewer.

    Each column holds a page of its class's posts, newest first, and the cursor of its next
    page (`next_before`). With `column` (a class id of the link) only that class's column is
    read, from `before`: one column paged on its own never repeats or skips a post.
    """
    link = services.get_link(actor, link_id)
    streams = streams_for(actor, link)
    own_class = authz.class_of_actor_in_link(actor, link)
    if column not in link.class_ids:
        column = None
    columns = _columns(actor, link, own_class, question, before, column)
    return {
        "column": column,
        "older_before": _older_cursor(columns),
        "link": {
            "id": link.id,
            "phase": link.phase,
            "phase_name": link.phase_name,
            "active": link.is_active,
            "dual_approval": link.approval_policy.value == "dual",
        },
        "viewer": {
            "class_id": own_class,
            "can_post": authz.space.can_post(actor, link),
            "is_pupil": authz.is_pupil(actor),
            "is_teacher": authz.teaches_in_link(actor, link),
        },
        "columns": columns,
        "mine": own_items(actor, link),
        "waiting": waiting_items(actor, link),
        "streams": streams,
        "question": question if question in QUESTIONS else None,
        "questions": question_choices(),
        "reactions": reaction_choices(),
    }


def _columns(
    actor: Any,
    link: Link,
    own_class: int | None,
    question: str | None,
    before: int | None,
    column: int | None,
) -> list[dict[str, Any]]:
    """Both classes' columns, the viewer's own first: a page of each (or of `column` alone)."""
    order = sorted(link.class_ids, key=lambda cid: cid != own_class)
    wanted = [cid for cid in order if column is None or cid == column]
    pages = _column_posts(actor, link, wanted, question, before)
    shown = [p for posts in pages.values() for p in posts[:POSTS_PER_CLASS]]
    # Both columns' cards at once: comments, counts and reactions cost the same few queries.
    built = {card["post_id"]: card for card in cards(actor, link, shown, THREADS_SHOWN)}
    columns = []
    for class_id in order:
        posts = pages.get(class_id, [])
        more = len(posts) > POSTS_PER_CLASS
        posts = posts[:POSTS_PER_CLASS]
        columns.append(
            {
                "class_id": class_id,
                "label": link.classroom(class_id).label,
                "own": class_id == own_class,
                "shown": class_id in pages,
                "posts": [built[p.id] for p in posts],
                "next_before": posts[-1].id if more else None,
            }
        )
    return columns


def column_page(
    actor: Any, link_id: int, class_id: int | None, *, question: str | None, before: int | None
) -> dict[str, Any]:
    """One page of one class's column (the "Older posts" fragment): its cards and the cursor
    of the page after it (no class: the viewer's own, else the link's first); NotFound for a
    class that is not in the link."""
    link = services.get_link(actor, link_id)
    own_class = authz.class_of_actor_in_link(actor, link)
    if class_id is None:
        class_id = own_class or link.class_ids[0]
    if class_id not in link.class_ids:
        raise NotFound("There is no such column in this space.")
    question = question if question in QUESTIONS else None
    columns = _columns(actor, link, own_class, question, before, class_id)
    return next(c for c in columns if c["shown"])


def _older_cursor(columns: list[dict[str, Any]]) -> int | None:
    """One cursor for both columns (the API's `older_before`): the most recent of the columns'
    cut-off posts, so that no column skips anything (a shorter column may show a few posts
    again). The page pages each column on its own instead (`column` and `next_before`)."""
    cut = [c["posts"][-1] for c in columns if c["next_before"] is not None]
    if not cut:
        return None
    return max(cut, key=lambda p: (p["approved_at"] or "", p["item_id"]))["post_id"]


def post_view(actor: Any, post_id: int) -> dict[str, Any]:
    """One post as this viewer sees it (NotFound when they may not)."""
    post = services.get_post(actor, post_id)
    return cards(actor, post.item.link, [post])[0]


def comment_view(actor: Any, comment_id: int) -> dict[str, Any]:
    """One comment (with its replies) as this viewer sees it."""
    comment = services.get_comment(actor, comment_id)
    link = comment.item.link
    thread = _visible_comments(actor, link, [comment.post_id])[0][comment.post_id]
    replies = [c for c in thread if c.parent_id == comment.id]
    moderation.preload([comment.item] + [r.item for r in replies], contents=False)
    ids = [comment.item_id] + [r.item_id for r in replies]
    counts, mine = services.reactions_for(actor, ids)
    return comment_card(
        actor,
        comment,
        link,
        counts,
        mine,
        [comment_card(actor, r, link, counts, mine) for r in replies],
    )
