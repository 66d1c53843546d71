# Set-up and everyday commands. `make run` and `make test` work on a fresh clone.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
FLASK := $(VENV)/bin/flask --app exchange
HOST ?= 127.0.0.1
PORT ?= 5000
PYTEST_ARGS ?=
# `make test` runs the SQLite suite in two pytest-xdist workers, a test file each at a time
# (module fixtures stay whole); most of the suite's time is waiting for servers and browsers.
# On PostgreSQL each worker makes its own database beside the test one (test_gw0, test_gw1).
TEST_WORKERS ?= 2

.PHONY: run test setup venv assets db seed serve lint bandit format test-postgres postgres-suite test-browser bench system-deps clean

run: setup seed serve

test: setup
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

# The browser tests only (Playwright driving Debian's Chromium): every `browser`-marked test,
# wherever it lives (tests/browser, tests/security, tests/<area>/test_browser.py).
test-browser: setup
	$(PY) -m pytest -m browser $(PYTEST_ARGS)

setup: venv assets db

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -e '.[dev,eventlet]'
	touch $@

venv: system-deps $(VENV)/.installed

# Debian packages the browser tests, the production proof and the HTTP benchmark need (root on CI
# and dev machines).
system-deps:
	@missing=""; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	command -v nginx >/dev/null 2>&1 || test -x /usr/sbin/nginx || missing="$$missing nginx"; \
	test -e /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf || missing="$$missing fonts-noto-color-emoji"; \
	command -v wrk >/dev/null 2>&1 || missing="$$missing wrk"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing$$missing"; \
	    (apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null) \
	      || echo "could not install$$missing; browser and proxy tests and benchmarks will say why"; \
	  else echo "please install$$missing (apt-get install$$missing)"; fi; \
	fi

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	touch $@

assets: node_modules/.package-lock.json
	$(PY) scripts/build_assets.py

db: $(VENV)/.installed
	$(FLASK) db upgrade

seed: db
	$(FLASK) seed-demo

serve:
	ASYNC_MODE=$${ASYNC_MODE:-gevent} $(PY) -m exchange.serve --host $(HOST) --port $(PORT)

# The whole suite on the machine's PostgreSQL. The test database's schema is reset first so a
# renamed table or constraint from an older run cannot get in the way, and its commits do not
# wait for the disk (synchronous_commit off: a test database needs no crash durability).
test-postgres: setup postgres-suite

# The same without set-up, for CI, which sets up once and runs both passes side by side.
postgres-suite:
	TEST_DATABASE_URL=$${TEST_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/test}; \
	$(PY) -c 'import sys, psycopg; c = psycopg.connect(sys.argv[1], autocommit=True); \
	  c.execute("DROP SCHEMA public CASCADE"); c.execute("CREATE SCHEMA public"); \
	  name = c.execute("SELECT current_database()").fetchone()[0]; \
	  c.execute(psycopg.sql.SQL("ALTER DATABASE {} SET synchronous_commit TO off").format(psycopg.sql.Identifier(name)))' \
	  "$$TEST_DATABASE_URL" && \
	TEST_DATABASE_URL=$$TEST_DATABASE_URL $(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

lint: bandit
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# No finding of high severity (CI runs the same through tests/security/test_headers.py).
bandit:
	$(VENV)/bin/bandit -q -r exchange -lll

format:
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# Every benchmark (bench/README.md); BENCH_ARGS=--quick for a smoke run. wrk measures HTTP.
bench: setup
	@command -v wrk >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; } || echo "wrk missing: HTTP benchmarks will say so"
	$(PY) -m bench all $(BENCH_ARGS)

clean:
	rm -rf $(VENV) node_modules static/vendor instance
