"""The templates' environment reads `x.name` on a dict as Jinja always did, only sooner."""

from __future__ import annotations

from collections import OrderedDict

import pytest
from jinja2 import UndefinedError


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("{{ d.title }}", "Our river"),
        ("{{ d.items()|list|length }}", "2"),  # dict's own attributes are still methods
        ("{{ d.get('title') }}", "Our river"),
        ("{{ d.missing is defined }}", "False"),
        ("{{ d.missing or 'none' }}", "none"),
        ("{{ d.values }}", "&lt;built-in method values"),  # the method, as before: not the key
        ("{{ o.title }}", "ordered"),  # a dict subclass goes through Jinja's lookup
        ("{{ d.title|e }}", "Our river"),
    ],
)
def test_dict_fields_read_as_before(app, source, expected):
    context = {"d": {"title": "Our river", "values": 3}, "o": OrderedDict(title="ordered")}
    assert app.jinja_env.from_string(source).render(**context).startswith(expected)


def test_a_missing_field_is_undefined_where_the_template_needs_it(app):
    with pytest.raises(UndefinedError, match="has no attribute 'missing'"):
        app.jinja_env.from_string("{{ d.missing.deeper }}").render(d={})


def test_what_a_pupil_wrote_is_still_escaped(app):
    rendered = app.jinja_env.from_string("{{ d.text }}").render(d={"text": "<b>hi</b>"})
    assert rendered == "&lt;b&gt;hi&lt;/b&gt;"
