"""End to end against a real server process: the approval rule seen from the partner class (page,
API, socket, picture URL), live delivery over a real Socket.IO connection, and the bad-upload
corpus refused without the worker's memory growing past its bound."""

from __future__ import annotations

import http.client
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from tests.servers import ServerProcess, socketio_client
from tests.space.corpus import (
    BAD_UPLOADS,
    SECRET,
    assert_no_metadata,
    drawing,
    encode,
    jpeg_with_everything,
)
from tests.space.remote import Browser

pytestmark = pytest.mark.server
MEMORY_BOUND_MB = 100


class Listener:
    """A real python-socketio client following a stream, recording what arrives."""

    def __init__(self, server: ServerProcess, app: Any, actor: Any, stream: str) -> None:
        self.received: list[tuple[str, dict[str, Any]]] = []
        self.arrived = threading.Condition()
        self.client = socketio_client(server, app, actor)
        self.client.on("*", self._record)
        ack = self.client.call("subscribe", {"stream": stream}, timeout=10)
        assert ack["ok"], ack

    def _record(self, event: str, payload: dict[str, Any]) -> None:
        with self.arrived:
            self.received.append((event, payload))
            self.arrived.notify_all()

    def wait_for(self, event: str, timeout: float = 10.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        with self.arrived:
            while True:
                for name, payload in self.received:
                    if name == event:
                        return payload
                left = deadline - time.monotonic()
                assert left > 0, f"{event} did not arrive; got {self.received}"
                self.arrived.wait(left)


@pytest.fixture
def server(app, database_url, tmp_path: Path):
    """A real gevent server on this test's database, with its own upload folder."""
    process = ServerProcess(
        database_url,
        env={"UPLOAD_DIR": str(tmp_path / "server-uploads")},
        log_path=tmp_path / "server.log",
    )
    process.start(timeout=60)
    try:
        yield process
    finally:
        process.stop()


def test_partner_class_gets_nothing_until_approval_then_receives_it_live(app, world, server):
    link = world.link.id
    author = Browser(server, app, world.pupil_a)
    partner = Browser(server, app, world.pupil_b)
    teacher = Browser(server, app, world.teacher_a)
    outsider = Browser(server, app, world.pupil_c)
    live = Listener(server, app, world.pupil_b, f"link:{link}")
    try:
        created = author.send(
            "POST",
            f"/api/v1/links/{link}/posts",
            data={"title": "Our bridge model", "text": "It holds three books."},
            files=[("images", ("IMG_0042.JPG", jpeg_with_everything(), "image/jpeg"))],
        )
        assert created.status_code == 201, created.text
        post = created.json()
        picture = post["images"][0]["full_url"]
        assert author.get(picture).status_code == 200

        # Pupil B sees nothing: not on the page, not in the API, not by URL, not over the socket.
        assert "Our bridge model" not in partner.get(f"/links/{link}/space").text
        space = partner.get(f"/api/v1/links/{link}/space").json()
        assert all(col["posts"] == [] for col in space["columns"])
        assert partner.get(f"/api/v1/posts/{post['post_id']}").status_code == 404
        assert partner.get(picture).status_code == 404
        assert partner.get(post["images"][0]["thumb_url"]).status_code == 404
        time.sleep(0.5)
        assert [e for e, _ in live.received if e == "item_approved"] == []

        approved = teacher.send(
            "POST", f"/api/v1/items/{post['item_id']}/approve", json={"photos_confirmed": True}
        )
        assert approved.status_code == 200, approved.text
        arrived = live.wait_for("item_approved")
        assert (arrived["post_id"], arrived["title"]) == (post["post_id"], "Our bridge model")
        assert arrived["images"][0]["full_url"] == picture

        served = partner.get(picture)
        assert served.status_code == 200
        assert served.headers["Content-Type"] == "image/jpeg"
        assert served.headers["X-Content-Type-Options"] == "nosniff"
        assert served.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
        assert "no-store" in served.headers["Cache-Control"]
        assert SECRET not in served.content
        assert_no_metadata(served.content)
        assert "Our bridge model" in partner.get(f"/links/{link}/space").text
        assert outsider.get(picture).status_code == 404
        assert outsider.get(f"/links/{link}/space").status_code == 404

        withdrawn = teacher.send("POST", f"/api/v1/posts/{post['post_id']}/withdraw", json={})
        assert withdrawn.status_code == 200
        assert live.wait_for("item_removed")["item_id"] == post["item_id"]
        assert partner.get(picture).status_code == 404
    finally:
        live.client.disconnect()


def memory_kib(pid: int) -> dict[str, int]:
    """Current and peak resident memory of a process (KiB)."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0])
    return fields


def oversize_body(server: ServerProcess, cookie: str, token: str) -> tuple[int, bytes]:
    """Announce a 200 MB body but send only a little: the server must refuse at the header."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=20)
    conn.putrequest("POST", "/api/v1/links/1/images")
    conn.putheader("Content-Type", "multipart/form-data; boundary=x")
    conn.putheader("Content-Length", str(200 * 1024 * 1024))
    conn.putheader("Cookie", cookie)
    conn.putheader("X-CSRFToken", token)
    conn.putheader("Accept", "application/json")
    conn.endheaders()
    conn.send(b"--x\r\n" + b"\x00" * 1024)
    response = conn.getresponse()
    status, body = response.status, response.read()
    conn.close()
    return status, body


def test_bad_upload_corpus_is_refused_by_the_server_within_the_memory_bound(app, world, server):
    link = world.link.id
    # Uploads are rate limited per user (30 a minute): the corpus is shared by two pupils.
    uploaders = [Browser(server, app, world.pupil_a), Browser(server, app, world.pupil_a2)]
    pupil = uploaders[0]
    warm = pupil.send(
        "POST",
        f"/api/v1/links/{link}/images",
        files=[("images", ("warm.jpg", encode(drawing(), "JPEG"), "image/jpeg"))],
    )
    assert warm.status_code == 201
    before = memory_kib(server.proc.pid)
    slow = []
    for n, case in enumerate(BAD_UPLOADS):
        pupil = uploaders[n % 2]
        data = case.make()
        started = time.perf_counter()
        answer = pupil.send(
            "POST",
            f"/api/v1/links/{link}/images",
            files=[("images", (case.filename, data, "application/octet-stream"))],
        )
        took = time.perf_counter() - started
        if took > 1.0:
            slow.append((case.name, round(took, 2)))
        if case.outcome == "refused":
            assert answer.status_code == 422, (case.name, answer.text)
            refused = answer.json()["details"]["refused"][0]
            assert case.expect in refused["reason"], (case.name, refused)
        else:
            assert answer.status_code == 201, (case.name, answer.text)
            kept = answer.json()["kept"][0]
            for url in (kept["full_url"], kept["thumb_url"]):
                assert_no_metadata(pupil.get(url).content)
    cookie = "; ".join(f"{c.name}={c.value}" for c in pupil.http.cookies)
    status, body = oversize_body(server, cookie, pupil.token)
    assert status == 413 and b"too large" in body
    after = memory_kib(server.proc.pid)
    grew_mb = (after["VmHWM"] - before["VmRSS"]) / 1024
    assert grew_mb < MEMORY_BOUND_MB, f"peak memory grew {grew_mb:.0f} MB"
    assert slow == [], f"uploads that took over a second (machine busy?): {slow}"


def test_a_photo_being_processed_does_not_hold_up_live_updates(app, world, server):
    """Pictures are decoded off the event loop: deliveries go on while six 12 MP HEIC photos
    are decoded for one post (with the decoding on the loop, the approval would wait)."""
    from PIL import Image

    # A smooth 12 MP picture encoded with x265's fastest preset: seconds to make here, where
    # the grainy camera-like photo() took minutes, and still a full 12 MP decode, resize and
    # re-encode for the server (about a second each on a busy machine, six in a row).
    ramp = Image.linear_gradient("L").resize((4032, 3024))
    mirrored = ramp.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    picture = Image.merge("RGB", (ramp, mirrored, Image.eval(ramp, lambda v: 255 - v)))
    heic = encode(picture, "HEIF", quality=80, enc_params={"preset": "ultrafast"})
    link = world.link.id
    uploader = Browser(server, app, world.pupil_a2)
    author = Browser(server, app, world.pupil_a)
    teacher = Browser(server, app, world.teacher_a)
    post = author.send(
        "POST", f"/api/v1/links/{link}/posts", data={"title": "Quick one", "text": "Hi"}
    ).json()
    teacher.get("/")
    live = Listener(server, app, world.pupil_b, f"link:{link}")
    finished: dict[str, float] = {}

    def upload() -> None:
        answer = uploader.send(
            "POST",
            f"/api/v1/links/{link}/images",
            files=[("images", (f"IMG_000{n}.HEIC", heic, "image/heic")) for n in range(6)],
        )
        finished["at"] = time.monotonic()
        finished["status"] = answer.status_code

    worker = threading.Thread(target=upload)
    try:
        worker.start()
        time.sleep(1.0)  # the small upload is in: six 12 MP decodes, one by one, are under way
        approved = teacher.send("POST", f"/api/v1/items/{post['item_id']}/approve", json={})
        assert approved.status_code == 200
        live.wait_for("item_approved", timeout=30)
        arrived = time.monotonic()
        worker.join(timeout=60)
        assert finished["status"] == 201
        assert arrived < finished["at"], "the approval waited for the picture to be decoded"
    finally:
        worker.join(timeout=60)
        live.client.disconnect()
