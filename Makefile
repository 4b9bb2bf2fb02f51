# The two commands of the README: `make run` (the main job) and `make test` (the whole test suite).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint bench install browser

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[test]"
	touch $@

install: $(VENV)/.installed

## Run the main job: migrate, load Jakarta and the demo roster on first start, serve on http://$(HOST):$(PORT)
run: install
	$(BIN)/aduan serve --host $(HOST) --port $(PORT)

## Run the whole test suite (lint, then pytest on SQLite and PostgreSQL, browser tests in Debian's chromium)
test: install browser
	$(BIN)/ruff check .
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Headless Chromium for the browser tests (Playwright drives /usr/bin/chromium; no browser download).
browser:
	@test -x /usr/bin/chromium || (apt-get update -qq && apt-get install -y -qq chromium chromium-driver)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: install
	$(BIN)/python bench/locate.py
	$(BIN)/python bench/chat_load.py
	$(BIN)/python bench/outbox.py
	$(BIN)/python bench/nlu_vs_rasa.py
