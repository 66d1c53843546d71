"""Children's data: export, deleting a pupil completely, and retention after archiving."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select, text

from exchange.accounts.models import LinkStatus, Pupil
from exchange.extensions import db
from exchange.moderation import services as moderation
from exchange.moderation.models import AuditEntry, ModerationItem
from exchange.privacy import retention, services
from exchange.realtime import StreamEvent
from exchange.space import services as space
from exchange.types import utcnow
from tests.factories import ROLES


def _photo() -> io.BytesIO:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 120, 40)).save(buffer, "JPEG")
    buffer.seek(0)
    return buffer


def _post(author, link, title="My drawing", with_photo=True):
    uploads = [space.Upload("drawing.jpg", _photo())] if with_photo else []
    return space.create_post(
        author, link.id, space.PostDraft(title=title, text="Look at my drawing"), uploads
    )


def _files(app) -> list[Path]:
    root = Path(app.config["UPLOAD_DIR"])
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def _rows_mentioning_pupil(pupil_id: int) -> dict[str, int]:
    found = {}
    for table in db.metadata.sorted_tables:
        for column in table.c:
            if any(fk.column.table.name == "pupil" for fk in column.foreign_keys):
                count = db.session.scalar(
                    select(func.count()).select_from(table).where(column == pupil_id)
                )
                if count:
                    found[f"{table.name}.{column.name}"] = count
    return found


@pytest.fixture
def shared_work(world):
    """Pupil A posts a photo, teacher A approves, pupil B comments, teacher B approves."""
    post = _post(world.pupil_a, world.link)
    moderation.approve(world.teacher_a, post.item.id, photos_confirmed=True)
    comment = space.create_comment(world.pupil_b, post.id, "I love the colours!")
    moderation.approve(world.teacher_b, comment.item.id)
    space.set_reaction(world.pupil_b, post.item.id, "star", True)
    return post, comment


def test_deleting_a_pupil_removes_everything_they_wrote_and_their_files(app, world, shared_work):
    post, _comment = shared_work
    own_comment = space.create_comment(world.pupil_a, post.id, "Thank you!")
    pupil_id, post_item, comment_item = world.pupil_a.id, post.item_id, own_comment.item_id
    assert len(_files(app)) == 2  # the picture and its thumbnail
    with pytest.raises(Exception, match="type the pupil's name"):
        services.delete_pupil(world.teacher_a, world.pupil_a.id, "aisha")
    result = services.delete_pupil(world.teacher_a, world.pupil_a.id, "Aisha K.")
    assert result.files == 2 and result.rows > 3
    assert db.session.get(Pupil, pupil_id) is None
    assert _rows_mentioning_pupil(pupil_id) == {}
    assert db.session.get(ModerationItem, post_item) is None
    assert db.session.get(ModerationItem, comment_item) is None
    assert _files(app) == []
    # what the partner class kept seeing is gone from every stored event too
    assert (
        db.session.scalar(
            select(func.count()).select_from(StreamEvent).where(StreamEvent.item_id == post_item)
        )
        == 0
    )
    removed = db.session.scalars(
        select(StreamEvent).where(StreamEvent.kind == "item_removed")
    ).all()
    assert any(e.payload["item_id"] == post_item for e in removed)
    # the audit trail keeps that decisions were made, without the content
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) > 0


@pytest.mark.parametrize("role", ROLES)
def test_only_the_pupils_own_teacher_can_delete_them(world, role):
    actor = world.actor(role)
    if role == "teacher_a":
        return
    with pytest.raises(Exception) as caught:
        services.delete_pupil(actor, world.pupil_a.id, "Aisha K.")
    assert getattr(caught.value, "status", None) == 404
    assert db.session.get(Pupil, world.pupil_a.id) is not None


def test_export_holds_the_class_work_with_pictures(world, shared_work):
    name, data = services.export_class(world.teacher_a, world.class_a.id)
    assert name.startswith("class-OAK5A-") and name.endswith(".zip")
    archive = zipfile.ZipFile(io.BytesIO(data))
    content = json.loads(archive.read("content.json"))
    assert [i["title"] for i in content["items"]] == ["My drawing"]
    picture = content["items"][0]["pictures"][0]
    Image.open(io.BytesIO(archive.read(picture))).verify()
    assert "My drawing" in archive.read("index.html").decode()
    assert {p["display_name"] for p in content["pupils"]} == {"Aisha K.", "Tom R."}


@pytest.mark.parametrize("role", [r for r in ROLES if r != "teacher_a"])
def test_nobody_else_can_export_a_class(world, role, as_user):
    response = as_user(world.actor(role)).get(f"/classes/{world.class_a.id}/export.zip")
    assert response.status_code in (302, 401, 403, 404)
    if role == "anonymous":
        assert response.status_code == 302


def test_teacher_pages_export_and_delete(world, shared_work, as_user):
    browser = as_user(world.teacher_a)
    pupil_id = world.pupil_a.id
    assert browser.get(f"/classes/{world.class_a.id}/privacy").status_code == 200
    response = browser.get(f"/classes/{world.class_a.id}/export.zip")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    wrong = browser.post(f"/pupils/{world.pupil_a.id}/delete", data={"confirm_name": "Aisha"})
    assert wrong.status_code == 422 and b"type the pupil" in wrong.data
    assert db.session.get(Pupil, world.pupil_a.id) is not None
    done = browser.post(f"/pupils/{pupil_id}/delete", data={"confirm_name": "Aisha K."})
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.get(Pupil, pupil_id) is None


def test_api_deletes_a_pupil_with_the_name_confirmed(world, as_user):
    browser = as_user(world.teacher_a)
    bad = browser.delete(f"/api/v1/pupils/{world.pupil_a.id}", json={"confirm_name": "x"})
    assert bad.status_code == 422 and bad.json["field"] == "confirm_name"
    ok = browser.delete(f"/api/v1/pupils/{world.pupil_a.id}", json={"confirm_name": "Aisha K."})
    assert ok.status_code == 200 and ok.json["ok"] is True


def test_retention_purges_an_archived_link_and_leaves_nothing_behind(
    app, world, shared_work, runner
):
    link_id, pupil_id = world.link.id, world.pupil_a.id
    world.link.status = LinkStatus.ARCHIVED
    world.link.archived_at = utcnow()
    db.session.commit()
    assert len(_files(app)) == 2
    # a frozen clock: 29 days later nothing happens, 30 days later everything goes
    early = retention.purge_expired(now=world.link.archived_at + timedelta(days=29))
    assert early.links == 0 and len(_files(app)) == 2
    archived_at = world.link.archived_at
    result = retention.purge_expired(now=archived_at + timedelta(days=30, seconds=1))
    assert result.links == 1 and result.files == 2
    assert _files(app) == []
    leftovers = {}
    for table in db.metadata.sorted_tables:
        if "link_id" in table.c:
            count = db.session.scalar(
                select(func.count()).select_from(table).where(table.c.link_id == link_id)
            )
            if count:
                leftovers[table.name] = count
    assert leftovers == {}
    assert db.session.scalar(select(func.count()).select_from(ModerationItem)) == 0
    assert db.session.scalar(text("SELECT count(*) FROM link")) == 0
    # the classes and people remain for next year
    assert db.session.get(Pupil, pupil_id) is not None


def test_purge_command_runs_daily_without_work(runner):
    result = runner.invoke(args=["purge-expired"])
    assert result.exit_code == 0
    assert "purged 0 archived link(s)" in result.output
