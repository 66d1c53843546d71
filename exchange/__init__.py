"""Linking Exchange: the app factory wires configuration, extensions and areas; nothing else."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from exchange import templating
from exchange.config import ROOT, flask_config, read_settings


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the Flask app; `test_config` overrides settings read from the environment."""
    app = Flask(
        __name__,
        instance_path=str(ROOT / "instance"),
        static_folder=str(ROOT / "static"),
        template_folder=str(ROOT / "templates"),
    )
    app.jinja_environment = templating.Environment  # before the first template is loaded
    app.config.from_mapping(flask_config(read_settings()))
    if test_config:
        app.config.update(test_config)

    # Areas first: their socket handlers must be declared before SocketIO is initialised.
    from exchange import areas, errors, limits, ops, security, setup

    ops.init_logging(app)
    setup.init_extensions(app)
    security.init_security(app)
    errors.init_errors(app)
    areas.register_areas(app)
    limits.init_rate_limits(app)
    ops.init_ops(app)
    return app
