"""What the two busiest pages read: the teacher's queue names every post's partner class and
every comment's post without a query per item, and a space reads its reactions (counts and
the viewer's own) in one statement. Each request starts from a closed session, as a served
request does."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import event, func, select

from exchange.accounts.models import Link, Pupil, User
from exchange.extensions import db
from exchange.moderation import services as moderation
from exchange.space import queries
from exchange.space.models import Post
from tests.space.conftest import send_comment, send_post
from tests.sql import recorded


def _queue_statements(browser) -> tuple[str, list[str]]:
    db.session.close()
    with recorded() as statements:
        html = browser.get("/queue").get_data(as_text=True)
    return html, statements


def test_the_queue_costs_no_more_statements_for_seven_items_than_for_two(world, as_user):
    shown = send_post(world.pupil_a2, world.link, title="Our pond")
    moderation.approve(world.teacher_a, shown.item_id)
    send_post(world.pupil_a, world.link, title="Our garden")
    send_comment(world.pupil_a, shown, "Our pond has frogs too")
    partner, author = f"A post for {world.class_b.label}", world.pupil_a2.display_name
    link_id, shown_id = world.link.id, shown.id
    pupil_ids = (world.pupil_a.id, world.pupil_a2.id)
    browser = as_user(world.teacher_a)
    html, two = _queue_statements(browser)
    assert "Our garden" in html and partner in html

    # The request's session was closed: the test reads its people and post again.
    link, shown = db.session.get(Link, link_id), db.session.get(Post, shown_id)
    pupil, pupil2 = db.session.get(Pupil, pupil_ids[0]), db.session.get(Pupil, pupil_ids[1])
    for n in range(3):
        send_post(pupil2, link, title=f"Our trip {n}")
    send_comment(pupil, shown, "We saw a heron")
    send_comment(pupil2, shown, "Frogs are our favourite")
    html, seven = _queue_statements(browser)
    assert html.count(partner) == 4
    assert html.count(f"On “Our pond” by {author}") == 3
    # (fewer when an answered post's author is already among the queue's authors)
    assert len(seven) <= len(two), "\n".join(seven)
    # The queue's authors and the authors of the posts its comments answer: one statement.
    assert len([s for s in two if re.match(r"SELECT pupil\.", s)]) == 1, two
    # The items' link comes with both classes and their schools in one statement: nothing
    # is read one by one (a link, a class or a school by its key).
    for table in ("link", "classroom", "school"):
        by_key = [s for s in seven if re.search(rf"FROM {table} WHERE {table}\.id = ", s)]
        assert not by_key, by_key


def test_a_space_reads_reaction_counts_and_the_viewers_own_in_one_statement(world, as_user):
    post = send_post(world.pupil_a, world.link, title="Our garden")
    moderation.approve(world.teacher_a, post.item_id)
    as_user(world.pupil_b).post(f"/items/{post.item_id}/react", data={"reaction": "clap"})
    as_user(world.teacher_b).post(f"/items/{post.item_id}/react", data={"reaction": "clap"})
    browser = as_user(world.pupil_a)
    browser.post(f"/items/{post.item_id}/react", data={"reaction": "star"})
    space, card_id = f"/links/{world.link.id}/space", f'id="post-{post.id}"'
    db.session.close()
    with recorded() as statements:
        html = browser.get(space).get_data(as_text=True)
    card = html[html.index(card_id) :]
    star = re.search(r'data-reaction="star" aria-pressed="(\w+)".*?data-count="(\d+)"', card, re.S)
    clap = re.search(r'data-reaction="clap" aria-pressed="(\w+)".*?data-count="(\d+)"', card, re.S)
    assert star.groups() == ("true", "1") and clap.groups() == ("false", "2")
    reads = [s for s in statements if "FROM item_reaction" in s]
    assert len(reads) == 1, reads


def _sqlite_plan(marker: str, read) -> str:  # noqa: ANN001
    """SQLite's plan for the first statement `read()` runs that contains `marker`."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL chooses its index from its statistics")
    plans: list[str] = []

    def explain(conn, cursor, statement, parameters, *_args):  # noqa: ANN001, ANN002
        if marker in statement and not plans:
            plans.append("")  # before the EXPLAIN, which passes through here too
            rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
            plans[0] = " ".join(row[3] for row in rows)

    event.listen(db.engine, "before_cursor_execute", explain)
    try:
        read()
    finally:
        event.remove(db.engine, "before_cursor_execute", explain)
    assert plans, f"no statement with {marker!r}"
    return plans[0]


@pytest.mark.parametrize(
    ("who", "read", "marker"),
    [
        ("pupil_a", queries.own_items, "ORDER BY moderation_item.submitted_at DESC"),
        ("teacher_a", queries.own_items, "ORDER BY moderation_item.submitted_at DESC"),
        ("teacher_a", queries.waiting_items, "ORDER BY moderation_item.submitted_at, "),
    ],
    ids=["pupil's own work", "teacher's own work", "what waits for the teacher"],
)
def test_the_spaces_lists_never_walk_every_item_of_the_link(world, who, read, marker):
    # SQLite has no statistics: it chose between these lists' indexes and the link's feed
    # index by the order the indexes happened to be created in (or always the feed), and the
    # feed walks every item of the link (12,000 in a year). PostgreSQL uses its statistics.
    plan = _sqlite_plan(marker, lambda: read(world.actor(who), world.link))
    assert "USING INDEX" in plan, plan
    assert "ix_moderation_item_feed" not in plan, plan
    assert "ix_moderation_item_link_id" not in plan, plan


def test_a_class_column_is_read_from_the_feed_index_in_its_order(world):
    # The opposite case: a column is a page of the link's approved posts, newest first, and
    # the feed index holds them in that order, so the page stops after 21 rows, not sorting all.
    plan = _sqlite_plan(
        "ORDER BY moderation_item.approved_at DESC",
        lambda: queries.space_view(world.pupil_a, world.link.id),
    )
    assert "USING INDEX ix_moderation_item_feed" in plan, plan
    assert "TEMP B-TREE FOR ORDER BY" not in plan, plan


def test_the_own_list_names_a_comments_post_without_loading_what_it_answers(world):
    # "My work not shared yet" names a comment by its post's title; what the comment answers
    # (the post's item, a parent comment, their authors) is for a teacher's decision.
    theirs = send_post(world.pupil_b, world.link, title="Their pond")
    moderation.approve(world.teacher_b, theirs.item_id)
    send_comment(world.pupil_a, theirs, "We have frogs too")
    send_post(world.pupil_a, world.link, title="Our garden")
    pupil_id, link_id = world.pupil_a.id, world.link.id
    db.session.close()
    with recorded() as statements:
        pupil, link = db.session.get(Pupil, pupil_id), db.session.get(Link, link_id)
        mine = queries.own_items(pupil, link)
    assert [e["title"] for e in mine] == ["Our garden", "Comment on “Their pond”"]
    # The pupil and the link, the list, its classes (the author is the pupil), the post and
    # its pictures, the comment with its post: nothing more, and no item read twice.
    assert len(statements) == 7, statements
    assert len([s for s in statements if "moderation_item" in s]) == 1, statements


def test_a_space_reads_its_cards_with_the_same_statements_whatever_their_number(world, as_user):
    # On PostgreSQL a page's lists of ids (its posts, their comments, their items) are one
    # array parameter each, not one parameter per id: the same statement text for two posts
    # or five, which psycopg prepares once. (SQLite writes IN lists; it prepares nothing.)
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's array parameters")
    browser = as_user(world.pupil_a)
    space = f"/links/{world.link.id}/space"

    def page_with(posts: int) -> list[str]:
        pupil, link = db.session.get(Pupil, world.pupil_a.id), db.session.get(Link, world.link.id)
        teacher = db.session.get(User, world.teacher_a.id)
        while db.session.scalar(select(func.count(Post.id))) < posts:
            post = send_post(pupil, link, title="Our pond")
            moderation.approve(teacher, post.item_id)
            moderation.approve(teacher, send_comment(pupil, post, "Frogs!").item_id)
        db.session.close()
        with recorded() as statements:
            assert browser.get(space).get_data(as_text=True).count("Frogs!") == posts
        return statements

    two, four = page_with(2), page_with(4)
    assert two == four
    cards = [s for s in four if "FROM comment" in s or "FROM item_reaction" in s]
    assert cards and all("ANY (" in s for s in cards), cards


def test_a_card_fetched_live_reads_no_navigation_and_a_page_still_shows_it(world, as_user):
    # When a post reaches a screen, each screen fetches its card: a fragment, which never shows
    # the navigation bar, so it must not read the user's links and open surveys for it.
    post = send_post(world.pupil_a, world.link, title="Our pond")
    moderation.approve(world.teacher_a, post.item_id)
    post_id, space = post.id, f"/links/{world.link.id}/space"
    browser = as_user(world.pupil_b)
    db.session.close()
    with recorded() as statements:
        card = browser.get(f"/posts/{post_id}/card").get_data(as_text=True)
    assert "Our pond" in card and 'class="site-nav"' not in card
    assert not [s for s in statements if "FROM survey" in s or "link.class_a_id IN" in s]
    page = browser.get(space).get_data(as_text=True)
    nav = page[page.index('class="site-nav"') : page.index("</nav>")]
    assert 'aria-current="page"' in nav and "Our pond" in page


def test_both_columns_of_a_space_come_from_one_statement_each_newest_first(world):
    # Each class's column is a page of its own (read from the feed index in its order); the
    # two pages are one round trip, and each column still shows its own class, newest first.
    titles = {}
    for who, link_class in (("pupil_a", "a"), ("pupil_b", "b")):
        for n in range(3):
            post = send_post(world.actor(who), world.link, title=f"{link_class.upper()} post {n}")
            teacher = world.teacher_a if link_class == "a" else world.teacher_b
            moderation.approve(teacher, post.item_id)
        titles[link_class] = [f"{link_class.upper()} post {n}" for n in (2, 1, 0)]
    pupil_id, link_id = world.pupil_a.id, world.link.id
    db.session.close()
    with recorded() as statements:
        pupil = db.session.get(Pupil, pupil_id)
        view = queries.space_view(pupil, link_id)
    pages = [s for s in statements if "ORDER BY moderation_item.approved_at DESC" in s]
    assert len(pages) == 1, pages
    own, partner = view["columns"]
    assert own["own"] and [p["title"] for p in own["posts"]] == titles["a"]
    assert [p["title"] for p in partner["posts"]] == titles["b"]


def test_a_cards_visible_comments_are_one_statement_on_postgresql(world, as_user):
    # SQLite (no statistics) reads the comments' items first to pin its join order; PostgreSQL
    # plans the join itself, so a card's comments cost two statements there, not three.
    post = send_post(world.pupil_a, world.link, title="Our pond")
    moderation.approve(world.teacher_a, post.item_id)
    for text in ("Frogs!", "Newts!"):
        moderation.approve(world.teacher_b, send_comment(world.pupil_b, post, text).item_id)
    browser = as_user(world.pupil_a)
    db.session.close()
    with recorded() as statements:
        card = browser.get(f"/posts/{post.id}/card").get_data(as_text=True)
    assert "Frogs!" in card and "Newts!" in card
    comments = [s for s in statements if re.search(r"\bFROM comment\b", s)]
    assert len(comments) == (2 if db.engine.dialect.name == "postgresql" else 3), comments


@pytest.mark.parametrize("fetch", ["page", "card"])
def test_a_space_names_its_two_classes_from_the_links_own_statement(world, as_user, fetch):
    # Every post and comment of a space comes from one of the link's two classes: they arrive
    # with the link (and their schools), not in a statement of their own.
    post = send_post(world.pupil_a, world.link, title="Our pond")
    moderation.approve(world.teacher_a, post.item_id)
    moderation.approve(world.teacher_b, send_comment(world.pupil_b, post, "Frogs!").item_id)
    url = f"/links/{world.link.id}/space" if fetch == "page" else f"/posts/{post.id}/card"
    labels = [world.link.class_a.label, world.link.class_b.label]
    browser = as_user(world.pupil_a)
    db.session.close()
    with recorded() as statements:
        html = browser.get(url).get_data(as_text=True)
    assert "Frogs!" in html and all(label in html for label in labels)
    assert not [s for s in statements if re.match(r"SELECT classroom\.", s)], statements


def test_the_pages_lists_write_their_row_limits_into_the_statement(world, as_user):
    # PostgreSQL never kept one plan for a prepared statement whose LIMIT was a parameter: it
    # planned a column's page, longer than it ran, at every request (docs/operations.md).
    for browser, page in (
        (as_user(world.pupil_a), f"/links/{world.link.id}/space"),
        (as_user(world.teacher_a), "/queue"),
    ):
        db.session.close()
        with recorded() as statements:
            assert browser.get(page).status_code == 200
        limited = [s for s in statements if " LIMIT " in s]
        assert limited, statements
        assert not [s for s in limited if re.search(r" LIMIT (\?|%\()", s)], limited
