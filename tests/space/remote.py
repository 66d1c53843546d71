"""A browser-like HTTP client for real-server tests: signed in, sending the CSRF token."""

from __future__ import annotations

import re
from typing import Any

import requests

from tests.servers import ServerProcess, session_cookie


class Browser:
    """A signed-in requests session that sends the CSRF token like the pages do."""

    def __init__(self, server: ServerProcess, app: Any, actor: Any) -> None:
        self.server = server
        self.http = requests.Session()
        cookie = app.config.get("SESSION_COOKIE_NAME", "session")
        self.http.cookies.set(cookie, session_cookie(app, actor), domain="127.0.0.1")
        self.token = ""

    def get(self, path: str, **kw: Any) -> requests.Response:
        response = self.http.get(self.server.url + path, timeout=20, **kw)
        found = re.search(r'name="csrf-token" content="([^"]+)"', response.text or "")
        if found:
            self.token = found.group(1)
        return response

    def send(self, method: str, path: str, **kw: Any) -> requests.Response:
        if not self.token:
            self.get("/")
        headers = {"X-CSRFToken": self.token, "Accept": "application/json"}
        return self.http.request(method, self.server.url + path, headers=headers, timeout=30, **kw)
