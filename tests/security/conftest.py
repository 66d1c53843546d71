"""Security test fixtures: the browser harness (Chromium against a real server)."""
