"""Demo content for the shared space: approved posts with drawn pictures, comments, reactions,
and a few items waiting in each teacher's queue (`flask seed-demo`)."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

from exchange.accounts.seed import Demo, demo_seeder
from exchange.moderation import services as moderation
from exchange.space import services
from exchange.space.models import Post

if TYPE_CHECKING:  # Pillow is loaded when the demo is drawn, not with the app
    from PIL import Image, ImageDraw

SKY, GRASS, INK = (173, 216, 240), (120, 190, 90), (40, 40, 60)


def _canvas() -> tuple[Image.Image, ImageDraw.ImageDraw]:
    """A sheet of paper with sky and grass, like a child's drawing."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (1200, 900), SKY)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 650, 1200, 900), fill=GRASS)
    draw.ellipse((980, 60, 1120, 200), fill=(250, 205, 60), outline=INK, width=6)
    return image, draw


def _house() -> Image.Image:
    image, draw = _canvas()
    draw.rectangle((350, 380, 850, 700), fill=(225, 110, 80), outline=INK, width=8)
    draw.polygon([(320, 390), (600, 170), (880, 390)], fill=(150, 60, 50), outline=INK)
    draw.rectangle((550, 540, 650, 700), fill=(110, 70, 40), outline=INK, width=6)
    for x in (410, 700):
        draw.rectangle((x, 440, x + 90, 520), fill=(250, 250, 220), outline=INK, width=6)
    return image


def _tree() -> Image.Image:
    image, draw = _canvas()
    draw.rectangle((560, 420, 640, 720), fill=(120, 80, 40), outline=INK, width=6)
    for box in ((400, 200, 800, 520), (330, 300, 600, 560), (600, 300, 870, 560)):
        draw.ellipse(box, fill=(60, 150, 70), outline=INK, width=6)
    for x, y in ((480, 380), (700, 420), (600, 260)):
        draw.ellipse((x, y, x + 40, y + 40), fill=(220, 40, 40))
    return image


def _bridge() -> Image.Image:
    image, draw = _canvas()
    draw.rectangle((0, 600, 1200, 900), fill=(70, 130, 200))
    draw.rectangle((100, 420, 1100, 470), fill=(180, 180, 180), outline=INK, width=6)
    for x in (200, 500, 800):
        draw.arc((x, 430, x + 300, 730), 180, 360, fill=INK, width=10)
    return image


def _jpeg(image: Image.Image) -> services.Upload:
    """A drawing as an upload (it goes through the same checks as a pupil's photo)."""
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=88)
    out.seek(0)
    return services.Upload("drawing.jpg", out)


def _post(author: Any, demo: Demo, title: str, text: str, **kw: Any) -> Post:
    pictures = kw.pop("pictures", [])
    return services.create_post(
        author,
        demo.link.id,
        services.PostDraft(title=title, text=text, **kw),
        [_jpeg(p) for p in pictures],
    )


def _approve(teacher: Any, post_or_comment: Any) -> None:
    moderation.approve(teacher, post_or_comment.item_id, photos_confirmed=True)


@demo_seeder(order=20)
def seed_space(demo: Demo) -> None:
    """Both classes' first posts, a conversation, and work waiting for each teacher."""
    ta, tb = demo.teachers["a"], demo.teachers["b"]
    pa, pb = demo.pupils["a"], demo.pupils["b"]
    _post(
        ta,
        demo,
        "Hello from Class 5A!",
        "We are 28 children and we love football, drawing and our class hamster, Nibbles.\n"
        "We can't wait to find out about you.",
        questions=["who_are_we"],
        phase=1,
    )
    _post(
        tb,
        demo,
        "Year 5 Kestrels say hello",
        "Our class is named after a bird. Can you guess why?",
        questions=["who_are_we"],
        phase=1,
        pictures=[_tree()],
        picture_description="A drawing of the big tree in our playground",
    )
    house = _post(
        pa[0],
        demo,
        "Where I live",
        "I drew my house. It has a red door and a garden with a swing.",
        questions=["where_do_we_live"],
        phase=1,
        pictures=[_house()],
        picture_description="A drawing of a house with a red door",
    )
    _approve(ta, house)
    bridge = _post(
        pa[1],
        demo,
        "Our bridge model",
        "We made a bridge from straws. It held three books!",
        questions=["how_do_we_live_together"],
        phase=1,
        pictures=[_bridge(), _tree()],
    )
    _approve(ta, bridge)
    question = services.create_comment(pb[0], house.id, "Is the swing yours? We have one too!")
    _approve(tb, question)
    answer = services.create_comment(
        pa[0], house.id, "Yes, my grandad made it.", parent_id=question.id
    )
    _approve(ta, answer)
    for pupil, reaction in ((pb[0], "star"), (pb[1], "heart"), (pb[2], "star"), (tb, "clap")):
        services.set_reaction(pupil, house.item_id, reaction, True)
    services.set_reaction(pa[2], bridge.item_id, "wow", True)

    _post(pa[2], demo, "My pet", "My cat is called Pepper. She is black and white.")
    returned = _post(pa[3], demo, "My street", "I live on Elm Road next to the shop.")
    moderation.return_item(ta, returned.item_id, "Lovely! Please take out your street name.")
    services.create_comment(pb[1], bridge.id, "How did you make it so strong?")
    demo.notes.append(
        "Shared space: four approved posts with drawings, a comment thread and reactions; "
        "“My pet” waits in Class 5A's queue, “My street” was returned with feedback, and a "
        "comment waits in Year 5 Kestrels' queue."
    )
