"""Extensions, created unbound and initialised by the app factory."""

from __future__ import annotations

from apispec.ext.marshmallow import MarshmallowPlugin
from apispec.ext.marshmallow.common import resolve_schema_cls
from flask import g
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_smorest import Api
from flask_socketio import SocketIO
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect, generate_csrf
from marshmallow import Schema, fields
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base with constraint names that migrations can rely on."""

    metadata = MetaData(naming_convention=NAMING)


db = SQLAlchemy(model_class=Base)
socketio = SocketIO()
login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


def csrf_token() -> str:
    """This request's CSRF token for a form: Flask-WTF's, made (and signed) at the first call
    and read from `g` after that (a space page asks for it in about 50 forms; Flask-WTF looks
    up its settings through the app's proxies at every call)."""
    token = g.get("csrf_token")
    return token if token is not None else generate_csrf()


def schema_name(schema: object) -> str:
    """OpenAPI component names carry their area (SpaceComment, RoomsLiveResult), so two areas'
    schemas of the same class name never collide."""
    cls = resolve_schema_cls(schema)
    name = cls.__name__.removesuffix("Schema") or cls.__name__
    parts = cls.__module__.split(".")
    area = "".join(p.title() for p in parts[1:-1]) if parts[0] == "exchange" else ""
    modifiers = [
        m for m in ("only", "exclude", "partial") if getattr(schema, m, None) not in (None, ())
    ]
    suffix = "".join(m.title() for m in modifiers) if not isinstance(schema, type) else ""
    return f"{area}{name}{suffix}"


class RefusalSchema(Schema):
    """Every refusal the API answers with (exchange/errors.py): a code and plain words."""

    ok = fields.Boolean(metadata={"example": False})
    error = fields.String(metadata={"example": "not_found"})
    message = fields.String(metadata={"example": "That post does not exist."})
    field = fields.String(metadata={"description": "The input field the refusal is about."})
    details = fields.Raw(metadata={"description": "Per-field problems, refused files ..."})


class ExchangeApi(Api):
    """flask-smorest's Api documenting the app's own refusal body as the default error (its
    ErrorSchema would describe a body this app never sends)."""

    ERROR_SCHEMA = RefusalSchema


api = ExchangeApi(
    spec_kwargs={"marshmallow_plugin": MarshmallowPlugin(schema_name_resolver=schema_name)}
)
