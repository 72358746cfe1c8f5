# Every target is self-sufficient on a fresh clone: it creates .venv and installs what it needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
export HOST PORT

.PHONY: run test chat play check bench eval lint fmt diagrams clean help

help: ## list targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.runtime: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(VENV)/.runtime $@

run: $(VENV)/.runtime ## start the bot in demo mode (SQLite, simulator, scheduler, dashboard)
	$(BIN)/bot serve --demo --host $(HOST) --port $(PORT)

# AS is also make's built-in name for the assembler ("as"): only an AS the user gave counts.
chat: $(VENV)/.runtime ## chat as a resident with a running `make run` (AS="Lê Thị Mai": as a team member)
	$(BIN)/bot chat --url http://$(HOST):$(PORT) $(if $(filter-out default undefined,$(origin AS)),--as "$(AS)")

play: $(VENV)/.runtime ## try one flow in the terminal, no server needed (make play FLOW=vneid)
	$(BIN)/bot play $(or $(FLOW),vneid)

test: $(VENV)/.dev ## the whole test suite (SQLite; PostgreSQL too when TEST_DATABASE_URL is set)
	$(BIN)/python scripts/pytest_ok.py $(PYTEST_ARGS)

check: $(VENV)/.dev ## format, lint, types, layer contracts, content check, diagrams
	$(BIN)/ruff format --check bot db scheduler tests bench scripts
	$(BIN)/ruff check bot db scheduler tests bench scripts
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/bot content check
	$(BIN)/bot flows diagrams --check

fmt: $(VENV)/.dev ## format and autofix
	$(BIN)/ruff format bot db scheduler tests bench scripts
	$(BIN)/ruff check --fix bot db scheduler tests bench scripts

diagrams: $(VENV)/.runtime ## regenerate docs/flows/*.mmd from the flow YAML
	$(BIN)/bot flows diagrams

bench: $(VENV)/.dev ## benchmarks: prints a table, writes bench/results.json
	$(BIN)/python -m bench

eval: $(VENV)/.dev ## intent accuracy, confusions, per-intent recall, procedure top-1/top-3, scam recall/precision/FPR
	$(BIN)/bot nlu eval
	$(BIN)/bot scam eval

clean: ## remove the virtualenv and demo data
	rm -rf $(VENV) data
