"""Pictures: every upload decoded under limits and re-encoded clean, bad ones refused by name."""

from __future__ import annotations

import io
import time

import pytest
from PIL import Image
from sqlalchemy import select

from exchange.errors import NotFound
from exchange.extensions import db
from exchange.moderation import services as moderation
from exchange.space import images, services
from exchange.space.models import Post, PostImage
from exchange.space.storage import KEY_RE, LocalStorage, get_storage
from tests.space.conftest import camera_upload, item_count, send_post, upload
from tests.space.corpus import (
    BAD_UPLOADS,
    SECRET,
    assert_no_metadata,
    drawing,
    encode,
    exif_bytes,
    photo,
)


@pytest.mark.parametrize("case", BAD_UPLOADS, ids=lambda c: c.name)
def test_bad_upload_is_refused_or_neutralised_quickly(case):
    data = case.make()
    # CPU time, not the wall clock: on a shared machine waiting for a core is not our cost.
    started = time.process_time()
    if case.outcome == "refused":
        with pytest.raises(images.ImageRefused) as refused:
            images.process(data, case.filename)
        assert case.expect in refused.value.reason
        assert refused.value.message.startswith(f"“{images.display_name(case.filename)}”")
    else:
        picture = images.process(data, case.filename)
        for encoded in (picture.full, picture.thumb):
            assert_no_metadata(encoded.data)
    assert time.process_time() - started < 1.0


def test_camera_photo_is_turned_upright_and_stripped():
    raw = encode(drawing(640, 480), "JPEG", exif=exif_bytes(orientation=6))
    picture = images.process(raw, "IMG_0001.JPG")
    assert (picture.full.width, picture.full.height) == (480, 640)
    with Image.open(io.BytesIO(picture.full.data)) as upright:
        # The red bar along the top of the sideways original is now down the right-hand side.
        red, green, _blue = upright.convert("RGB").getpixel((475, 320))
        assert red > 180 and green < 80
    assert_no_metadata(picture.full.data)


def test_big_photo_is_bounded_with_a_thumbnail():
    picture = images.process(encode(photo(3000, 2250), "JPEG", quality=90), "big.jpg")
    assert max(picture.full.width, picture.full.height) == 2048
    assert max(picture.thumb.width, picture.thumb.height) == 480
    assert picture.full.content_type == picture.thumb.content_type == "image/jpeg"


def test_twelve_megapixel_camera_photo_is_turned_upright_and_bounded():
    """A 12 MP camera photo held sideways (EXIF orientation 6). How fast this is lives in
    `python -m bench exchange` (docs/performance.md), not in a timed unit test."""
    raw = encode(photo(4032, 3024), "JPEG", quality=92, exif=exif_bytes(6))
    picture = images.process(raw, "IMG_1234.JPG")
    # Upright (portrait), near the 2048 px bound: JPEG is decoded at half scale, 2016 px.
    assert picture.full.height > picture.full.width
    assert 2000 <= picture.full.height <= 2048
    assert max(picture.thumb.width, picture.thumb.height) == 480


def test_ipad_heic_photo_is_accepted():
    raw = encode(drawing(800, 600), "HEIF", exif=exif_bytes(6), quality=70)
    picture = images.process(raw, "IMG_0007.HEIC")
    assert (picture.full.width, picture.full.height) == (600, 800)
    assert picture.full.content_type == "image/jpeg"


def test_transparent_picture_stays_a_png_and_opaque_ones_become_jpeg():
    clear = Image.new("RGBA", (200, 100), (0, 0, 0, 0))
    assert images.process(encode(clear, "PNG"), "sticker.png").full.content_type == "image/png"
    solid = Image.new("RGBA", (200, 100), (10, 20, 30, 255))
    assert images.process(encode(solid, "PNG"), "flat.png").full.content_type == "image/jpeg"


def test_gif_keeps_its_first_frame_only():
    frames = [Image.new("P", (50, 50), c) for c in (10, 200)]
    raw = encode(frames[0], "GIF", save_all=True, append_images=frames[1:])
    picture = images.process(raw, "anim.gif")
    with Image.open(io.BytesIO(picture.full.data)) as still:
        assert getattr(still, "n_frames", 1) == 1


def test_sixteen_bit_and_greyscale_pictures_are_converted():
    deep = Image.new("I;16", (64, 64), 40000)
    assert images.process(encode(deep, "PNG"), "scan.png").full.content_type == "image/jpeg"
    grey = Image.new("L", (64, 64), 128)
    assert images.process(encode(grey, "JPEG"), "grey.jpg").full.width == 64


@pytest.mark.parametrize(
    ("given", "shown"),
    [
        ("../../etc/passwd.jpg", "passwd.jpg"),
        ("C:\\Users\\me\\cat.png", "cat.png"),
        ("evil.jpg\x00.html", "evil.jpg.html"),
        ("\u202egpj.exe", "gpj.exe"),
        ("", "picture"),
        (None, "picture"),
        ("a" * 200 + ".jpg", "a" * 40 + "…" + "a" * 8 + ".jpg"),
    ],
)
def test_file_names_are_only_shown_made_safe(given, shown):
    assert images.display_name(given) == shown


def test_storage_keys_are_random_and_nothing_else_is_opened(tmp_path):
    store = LocalStorage(tmp_path)
    key = store.save(b"pixels")
    assert KEY_RE.match(key) and store.open(key).read() == b"pixels"
    for bad in ("../../etc/passwd", "a" * 31, key + "/..", "", None):
        with pytest.raises(ValueError):
            store.path(bad)
    store.delete(key)
    store.delete(key)
    with pytest.raises(FileNotFoundError):
        store.open(key)


def test_stored_picture_keeps_no_metadata_from_the_camera(world):
    post = send_post(world.pupil_a, world.link, uploads=[camera_upload()])
    image = post.images[0]
    for size in ("full", "thumb"):
        stream, content_type, _ = services.open_image(world.pupil_a, image.id, size)
        with stream:
            data = stream.read()
        assert content_type == "image/jpeg" and SECRET not in data
        assert_no_metadata(data)


def test_refused_file_keeps_the_text_and_the_good_pictures(world):
    with pytest.raises(services.DraftRefused) as refused:
        send_post(
            world.pupil_a,
            world.link,
            uploads=[upload("garden.jpg"), upload("worksheet.pdf", b"%PDF-1.4 ...")],
        )
    error = refused.value
    assert [r.filename for r in error.refused] == ["worksheet.pdf"]
    assert "PDF document" in error.message and item_count() == 0
    kept = [image.id for image in error.kept]
    assert len(kept) == 1
    assert error.as_dict()["details"]["kept_images"][0]["id"] == kept[0]
    post = send_post(world.pupil_a, world.link, keep_images=kept)
    assert [image.id for image in post.images] == kept


def test_a_post_takes_at_most_six_pictures(world):
    uploads = [upload(f"p{n}.jpg") for n in range(7)]
    with pytest.raises(services.DraftRefused) as refused:
        send_post(world.pupil_a, world.link, uploads=uploads)
    assert [r.filename for r in refused.value.refused] == ["p6.jpg"]
    assert "at most 6 pictures" in refused.value.message
    post = send_post(world.pupil_a, world.link, keep_images=[i.id for i in refused.value.kept])
    assert len(post.images) == 6


def test_nobody_can_use_or_see_someone_elses_waiting_pictures(world):
    kept, refused = services.stage_images(world.pupil_a, world.link.id, [upload()])
    assert refused == []
    image_id = kept[0].id
    with pytest.raises(services.DraftRefused, match="expired"):
        send_post(world.pupil_a2, world.link, keep_images=[image_id])
    for other in (world.pupil_a2, world.teacher_a, world.pupil_b):
        with pytest.raises(NotFound):
            services.open_image(other, image_id, "full")
    services.open_image(world.pupil_a, image_id, "full")[0].close()
    assert db.session.get(PostImage, image_id).post_id is None


def test_partner_class_gets_pictures_only_after_approval(world):
    post = send_post(world.pupil_a, world.link, uploads=[upload()])
    image_id = post.images[0].id
    for viewer in (world.pupil_b, world.teacher_b, world.pupil_a2, world.pupil_c):
        with pytest.raises(NotFound):
            services.open_image(viewer, image_id, "thumb")
    services.open_image(world.teacher_a, image_id, "thumb")[0].close()
    moderation.approve(world.teacher_a, post.item_id, photos_confirmed=True)
    for viewer in (world.pupil_b, world.teacher_b, world.pupil_a2, world.facilitator):
        services.open_image(viewer, image_id, "full")[0].close()
    with pytest.raises(NotFound):
        services.open_image(world.pupil_c, image_id, "full")
    with pytest.raises(NotFound):
        services.open_image(world.pupil_b, image_id, "original")


def test_editing_removes_and_adds_pictures(world):
    post = send_post(world.pupil_a, world.link, uploads=[upload("a.jpg"), upload("b.jpg")])
    first, second = post.images
    old_keys = (first.key, first.thumb_key)
    services.edit_post(
        world.pupil_a,
        post.id,
        services.PostDraft(title="My family", remove_images=[first.id]),
        [upload("c.jpg")],
    )
    post = db.session.get(Post, post.id)
    assert [image.position for image in post.images] == [0, 1]
    assert post.images[0].id == second.id and db.session.get(PostImage, first.id) is None
    store = get_storage()
    for key in old_keys:
        with pytest.raises(FileNotFoundError):
            store.open(key)


def test_abandoned_uploads_are_purged_after_a_day(world, monkeypatch):
    from datetime import timedelta

    from exchange.types import utcnow

    kept, _ = services.stage_images(world.pupil_a, world.link.id, [upload()])
    kept[0].created_at = utcnow() - timedelta(hours=25)
    db.session.commit()
    assert services.purge_staged() == 1
    assert db.session.scalar(select(PostImage)) is None
