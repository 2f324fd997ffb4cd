# cuncun: two commands on a fresh machine — `make demo` and `make test`.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8000
HOST   ?= 127.0.0.1
BENCH  ?=
STAMP  := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test

.PHONY: demo install install-test chromium test lint format messages bench smoke clean

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is needed ($(PYTHON) not found)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	@touch $@

$(TEST_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[test]'
	@touch $@ $(STAMP)

install: $(STAMP)
install-test: $(TEST_STAMP)

# Debian's Chromium for the browser tests: installed when missing and we are root.
chromium:
	@if [ -x /usr/bin/chromium ]; then :; \
	elif [ "$$(id -u)" = "0" ]; then \
		echo "Installing Debian's chromium for the browser tests…"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; \
	else echo "Chromium (/usr/bin/chromium) is missing and we are not root: browser tests will say so."; fi

demo: export CUNCUN_DEBUG = 1
demo: export CUNCUN_DEMO = 1
demo: export CUNCUN_STATIC_ROOT = $(CURDIR)/var/static
demo: $(STAMP)
	@mkdir -p var
	$(BIN)/cuncun migrate --no-input -v 0
	$(BIN)/cuncun collectstatic --no-input -v 0
	$(BIN)/cuncun load_demo
	@echo
	@echo "cuncun is serving at http://$(HOST):$(PORT)/  (log in at http://$(HOST):$(PORT)/accounts/login/)"
	@echo "API docs at http://$(HOST):$(PORT)/api/docs — stop with Ctrl-C"
	@echo "Background tasks (roster imports, payment notifications, refunds, expired carts) log to var/worker.log"
	@# The task worker lives as long as the server: roster imports and the sandbox gateway need it.
	@$(BIN)/cuncun db_worker --no-reload >var/worker.log 2>&1 & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/cuncun runserver $(HOST):$(PORT) --noreload

test: $(TEST_STAMP) chromium
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python tests/run_suites.py

lint: $(TEST_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(TEST_STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# After changing translatable text: update the .po files, translate, then compile (needs gettext).
# Apps with their own catalogue (src/cuncun/<app>/locale) keep it; the rest share src/cuncun/locale.
APP_CATALOGUES := $(patsubst %/locale,%,$(wildcard src/cuncun/*/locale))
messages: $(STAMP)
	cd src/cuncun && CUNCUN_DEBUG=1 ../../$(BIN)/cuncun makemessages -l zh_Hans --no-location --ignore 'static/*' $(foreach app,$(APP_CATALOGUES),--ignore '$(notdir $(app))/*')
	for app in $(APP_CATALOGUES); do (cd $$app && CUNCUN_DEBUG=1 $(CURDIR)/$(BIN)/cuncun makemessages -l zh_Hans --no-location) || exit 1; done
	cd src/cuncun && CUNCUN_DEBUG=1 ../../$(BIN)/cuncun compilemessages -l zh_Hans

bench: $(TEST_STAMP)
	$(BIN)/python -m bench $(BENCH)

# The production shape on loopback: two gunicorn servers, two task workers, PostgreSQL and Redis
# (deploy/smoke.py); prints {"smoke": "production", "ok": …} and fails on any failure.
smoke: $(TEST_STAMP)
	$(BIN)/python deploy/smoke.py

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
