"""The space's demo content: approved work with pictures, and something waiting for each teacher."""

from __future__ import annotations

from exchange.accounts import seed as demo_seed
from exchange.moderation import services as moderation
from exchange.space import queries
from exchange.space.seed import seed_space


def test_demo_space_has_shared_work_and_items_waiting_for_each_teacher(app):
    demo = demo_seed.create_accounts()
    seed_space(demo)
    view = queries.space_view(demo.pupils["b"][0], demo.link.id)
    titles = sorted(p["title"] for col in view["columns"] for p in col["posts"])
    assert titles == [
        "Hello from Class 5A!",
        "Our bridge model",
        "Where I live",
        "Year 5 Kestrels say hello",
    ]
    house = next(p for col in view["columns"] for p in col["posts"] if p["title"] == "Where I live")
    assert house["images"] and house["comment_count"] == 2
    assert [e.kind.value for e in moderation.queue(demo.teachers["a"])] == ["post"]
    assert [e.kind.value for e in moderation.queue(demo.teachers["b"])] == ["comment"]
    mine = queries.space_view(demo.pupils["a"][3], demo.link.id)["mine"]
    assert mine[0]["feedback"] == "Lovely! Please take out your street name."
    assert demo.notes and "Shared space" in demo.notes[-1]
