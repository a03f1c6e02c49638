# Two commands set everything up on a fresh machine (see README):
#   make play   installs mmquest into .venv and starts the game
#   make test   installs the test tools into .venv and runs every test
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin

.PHONY: play test test-fast install install-test lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# The package is installed once (editable: the code is read from the checkout), and again only
# when pyproject.toml changes; a stamp file in the venv records it.  `make play` then starts at once.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test,web]'
	touch $@ $(VENV)/.installed

# An editable install leaves compiling the bytecode to the first import, which never
# happens where PYTHONDONTWRITEBYTECODE is set: compile it now, as pip does for a wheel
# (only what changed since the last time: a few milliseconds when nothing did).
install: $(VENV)/.installed
	$(BIN)/python -m compileall -q mmquest

install-test: $(VENV)/.installed-test
	$(BIN)/python -m compileall -q mmquest

play: install
	$(BIN)/mmquest

# The tooling people use to help themselves: the layer contracts, ruff (lint and format) over the
# whole tree, and mypy strict on the model and the shell (pyproject.toml's [tool.mypy]).
lint: install-test
	$(BIN)/lint-imports
	$(BIN)/ruff check mmquest tests bench docs
	$(BIN)/ruff format --check mmquest tests bench docs
	$(BIN)/mypy mmquest/kernel mmquest/workloads mmquest/world.py mmquest/build_snapshot.py mmquest/snapshot.py \
		mmquest/series.py mmquest/shell

test: lint
	$(BIN)/mmquest validate
	$(BIN)/python -m pytest

# The same without the tests marked slow (the benchmarks' smoke run, the wheel build, the long
# judge walks): for a quick check while working.  CI and `make test` run everything.
test-fast: install-test
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -m "not slow"

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache
	find mmquest -name __pycache__ -type d -prune -exec rm -rf {} +
