"""Paging through a year of the space: each column's "Older posts" reaches every post once, in
order, and the partner class still sees only approved work on every page."""

from __future__ import annotations

import html
import re
from typing import Any

from exchange.extensions import db
from exchange.moderation import services as moderation
from exchange.space import queries
from exchange.space.models import Post
from tests.factories import make_link
from tests.space.conftest import send_post

PAGE = queries.POSTS_PER_CLASS
POST_IDS = re.compile(r'<article class="post card[^"]*" id="post-(\d+)"')
OLDER = re.compile(r'<p class="older"><a [^>]*href="([^"]+)"')


def walk(browser: Any, link_id: int, class_id: int) -> tuple[list[list[int]], list[str]]:
    """Follow one column's "Older posts" links from the space page to the end: the post ids of
    that column on each page, and every page's HTML."""
    pages, bodies = [], []
    url = f"/links/{link_id}/space"
    while url:
        body = browser.get(url).get_data(as_text=True)
        bodies.append(body)
        column = body.split(f'data-class-id="{class_id}"', 1)[1].split('<p class="empty', 1)[0]
        pages.append([int(i) for i in POST_IDS.findall(column)])
        links = [html.unescape(u) for u in OLDER.findall(body) if f"column={class_id}" in u]
        url = links[0] if links else ""
        assert len(pages) < 20, "the older links never end"
    return pages, bodies


def shared_posts(author: Any, link: Any, count: int, title: str = "Week") -> list[Post]:
    """Posts a teacher shares at once (approved on sending), oldest first."""
    return [send_post(author, link, title=f"{title} {n}") for n in range(count)]


def test_older_posts_reach_every_post_once_newest_first(world, as_user):
    posts = shared_posts(world.teacher_a, world.link, PAGE * 2 + 3)
    pages, bodies = walk(as_user(world.pupil_b), world.link.id, world.class_a.id)
    assert [len(p) for p in pages] == [PAGE, PAGE, 3]
    seen = [i for page in pages for i in page]
    assert seen == [p.id for p in reversed(posts)]
    assert 'data-paged="false"' in bodies[0] and 'data-paged="true"' in bodies[1]
    assert "Back to the newest posts" in bodies[1] and "Back to the newest posts" not in bodies[0]


def test_posts_approved_in_the_same_instant_are_neither_lost_nor_repeated(world, as_user):
    posts = shared_posts(world.teacher_a, world.link, PAGE * 2 + 1)
    moment = posts[0].item.approved_at
    for post in posts:  # a teacher's "Approve all" lands in one instant
        post.item.approved_at = moment
    db.session.commit()
    pages, _ = walk(as_user(world.pupil_b), world.link.id, world.class_a.id)
    seen = [i for page in pages for i in page]
    assert sorted(seen) == sorted(p.id for p in posts) and len(seen) == len(set(seen))


def test_each_column_pages_on_its_own(world, as_user):
    ours = shared_posts(world.teacher_b, world.link, PAGE + 2, title="Ours")
    theirs = shared_posts(world.teacher_a, world.link, 3, title="Theirs")
    browser = as_user(world.pupil_b)
    pages, bodies = walk(browser, world.link.id, world.class_b.id)
    assert [i for page in pages for i in page] == [p.id for p in reversed(ours)]
    # Older posts of one class show that column alone: the other class's few posts, all on
    # the first page, are not shown again.
    assert all(f"post-{p.id}" in bodies[0] for p in theirs)
    assert not any(f"post-{p.id}" in bodies[1] for p in theirs)
    first, _ = walk(browser, world.link.id, world.class_a.id)
    assert first == [[p.id for p in reversed(theirs)]]


def test_partner_class_sees_only_approved_posts_on_every_page(world, as_user):
    sent = [send_post(world.pupil_a, world.link, title=f"Draft {n}") for n in range(PAGE * 2 + 5)]
    approved = set()
    for n, post in enumerate(sent):
        if n % 5 == 1:
            continue  # still waiting for the teacher
        if n % 5 == 3:
            moderation.return_item(world.teacher_a, post.item_id, "Please add a title")
            continue
        moderation.approve(world.teacher_a, post.item_id)
        approved.add(post.id)
    hidden = next(p for p in sent if p.id in approved)
    moderation.hide_and_report(world.teacher_b, hidden.item_id, "Not for sharing")
    approved.discard(hidden.id)
    pages, bodies = walk(as_user(world.pupil_b), world.link.id, world.class_a.id)
    seen = [i for page in pages for i in page]
    assert len(pages) > 1 and sorted(seen) == sorted(approved)
    for body in bodies:
        for post in sent:
            if post.id not in approved:
                assert f'id="post-{post.id}"' not in body
    # The author's own class pages through the same approved posts (their waiting and
    # returned work is listed apart, in "My work not shared yet").
    own, _ = walk(as_user(world.pupil_a2), world.link.id, world.class_a.id)
    assert sorted(i for page in own for i in page) == sorted(approved)


def test_api_pages_one_column_with_its_next_before(world, as_user):
    posts = shared_posts(world.teacher_a, world.link, PAGE + 4)
    browser = as_user(world.pupil_b)
    base = f"/api/v1/links/{world.link.id}/space"
    first = browser.get(base).json
    column = next(c for c in first["columns"] if c["class_id"] == world.class_a.id)
    assert column["shown"] and len(column["posts"]) == PAGE and column["next_before"]
    query = f"?column={world.class_a.id}&before={column['next_before']}"
    older = browser.get(base + query).json
    assert older["column"] == world.class_a.id
    other = next(c for c in older["columns"] if c["class_id"] != world.class_a.id)
    assert other["shown"] is False and other["posts"] == []
    column = next(c for c in older["columns"] if c["class_id"] == world.class_a.id)
    assert [p["post_id"] for p in column["posts"]] == [p.id for p in reversed(posts)][PAGE:]
    assert column["next_before"] is None


def test_older_posts_fragment_adds_the_next_page_of_one_column(world, as_user):
    posts = shared_posts(world.teacher_a, world.link, PAGE * 2 + 2)
    browser = as_user(world.pupil_b)
    first = browser.get(f"/links/{world.link.id}/space").get_data(as_text=True)
    more = re.search(r'data-more="([^"]+)"', first)
    assert more and f"column={world.class_a.id}" in html.unescape(more.group(1))
    fragment = browser.get(html.unescape(more.group(1)))
    body = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and body.lstrip().startswith('<div class="older-page"')
    newest_first = [p.id for p in reversed(posts)]
    assert [int(i) for i in POST_IDS.findall(body)] == newest_first[PAGE : PAGE * 2]
    last = re.search(r'data-more="([^"]+)"', body)
    tail = browser.get(html.unescape(last.group(1))).get_data(as_text=True)
    assert [int(i) for i in POST_IDS.findall(tail)] == newest_first[PAGE * 2 :]
    assert "data-more" not in tail
    outsider = as_user(world.pupil_c).get(html.unescape(more.group(1)))
    assert outsider.status_code == 404
    wrong = browser.get(f"/links/{world.link.id}/space/older?column={world.class_c.id}")
    assert wrong.status_code == 404


def test_a_bad_older_posts_cursor_shows_the_newest_page_and_nothing_else(world, as_user):
    # `before` must be a post of this link: one that does not exist, is not a number, or
    # belongs to another link (whose approval time the pages would reveal) is ignored; an
    # unknown question filters nothing.
    older = shared_posts(world.teacher_a, world.link, 2, title="Old")
    elsewhere = send_post(world.teacher_c, make_link(world.class_c), title="Elsewhere")
    posts = older + shared_posts(world.teacher_a, world.link, PAGE, title="New")
    newest = [p.id for p in reversed(posts)][:PAGE]
    browser = as_user(world.pupil_b)
    base = f"/links/{world.link.id}/space?column={world.class_a.id}&before="
    for before in ("99999999", "abc", str(elsewhere.id), f"{posts[-1].id}&question=nonsense"):
        answer = browser.get(base + before)
        assert answer.status_code == 200, before
        body = answer.get_data(as_text=True)
        column = body.split(f'data-class-id="{world.class_a.id}"', 1)[1]
        shown = [int(i) for i in POST_IDS.findall(column.split('<p class="empty', 1)[0])]
        if before.startswith(str(posts[-1].id)):  # a good cursor, an unknown question
            assert shown == [p.id for p in reversed(posts)][1 : PAGE + 1], before
        else:
            assert shown == newest, before
        assert "Elsewhere" not in body
