"""WSGI entry point for gunicorn (the worker class patches the standard library itself)."""

from exchange import create_app

app = create_app({"MIGRATIONS": False})  # a server never runs `flask db`
