# Two entry points: `make demo` (convert a bundled example stream) and `make test`.
#
#   make test                                 Python 3 as `python3`, virtualenv .venv/
#   make test PYTHON=python3.10               another Python: its own virtualenv, .venv-python3.10/
#   make test PYTHON=python3.10 VENV=.venv310 ... or one you name
#
# A pyenv shim for an installed version that pyenv has not selected ("command not found") is
# resolved through `pyenv which`.
PYTHON ?= python3
VENV ?= $(if $(filter python3,$(PYTHON)),.venv,.venv-$(notdir $(PYTHON)))
BIN := $(VENV)/bin
PY := $(shell $(PYTHON) -c 'import sys; print(sys.executable)' 2>/dev/null \
	|| PYENV_VERSION=$$(pyenv versions --bare 2>/dev/null | tr '\n' ':') \
	   pyenv which $(PYTHON) 2>/dev/null)
VENV_STAMP := $(VENV)/.created
DEMO_STAMP := $(VENV)/.installed-demo
TEST_STAMP := $(VENV)/.installed-test

.PHONY: demo test lint bench bench-cli bench-serve bench-startup clean

# Before a virtualenv is created: one line saying what is missing (Debian and Ubuntu ship
# ensurepip, which `python3 -m venv` needs, in a separate package).
ifeq ($(wildcard $(VENV_STAMP))$(filter clean,$(MAKECMDGOALS)),)
ifeq ($(PY),)
$(error $(PYTHON) not found: install Python 3.10 or later, or pass PYTHON=/path/to/python3)
endif
ifneq ($(shell $(PY) -c 'import ensurepip, venv' >/dev/null 2>&1 && echo ok),ok)
$(error $(PYTHON) cannot create virtual environments (no ensurepip): install python3-venv (Debian/Ubuntu: apt-get install python3-venv) or pass PYTHON=another-python)
endif
endif

$(VENV_STAMP):
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	touch $@

# The demo needs only sseconv and its runtime dependencies.
$(DEMO_STAMP): $(VENV_STAMP) pyproject.toml
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(TEST_STAMP): $(VENV_STAMP) pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(DEMO_STAMP)

demo: $(DEMO_STAMP)
	$(BIN)/sseconv convert --to completions examples/legacy.sse

lint: $(TEST_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: lint
	$(BIN)/pytest

bench: $(TEST_STAMP)
	$(BIN)/python benchmarks/bench_sse.py
	$(BIN)/python benchmarks/bench_convert.py

bench-cli: $(TEST_STAMP)
	$(BIN)/python benchmarks/bench_cli.py

bench-serve: $(TEST_STAMP)
	$(BIN)/python benchmarks/bench_serve.py

bench-startup: $(TEST_STAMP)
	$(BIN)/python benchmarks/bench_startup.py

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache .hypothesis
