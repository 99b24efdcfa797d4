# Two entry points for a newcomer: `make demo` and `make test`. Each bootstraps .venv/
# from python3 alone and is a no-op (apart from the work itself) once installed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.clausewatch-installed
PACKAGES := clausewatch core pipeline clauses scrapers models alerts flows

.PHONY: test lint typecheck pytest venv demo clean

venv: $(STAMP)

$(STAMP): requirements/lock.txt pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==0.13.8
	$(BIN)/uv pip sync --quiet --compile-bytecode --python $(BIN)/python requirements/lock.txt
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	@# PYTHONDONTWRITEBYTECODE=1 machines never cache bytecode on their own: without this
	@# every command start recompiles its imports (about a second).
	@$(BIN)/python -m compileall -q -j 0 $(PACKAGES) >/dev/null
	@# The encoder's embedding table, decompressed once into the cache folder (ADR 0110), so
	@# that the first command reads it too; a folder that cannot be written is no error.
	@$(BIN)/python -c "from core.settings import get_settings as s; \
	  from clauses.encoder import prepare_weights_cache as p; p(s().cache_dir)" \
	  || echo "note: the encoder's table cache was not prepared (ADR 0110); commands still work"
	@touch $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy $(PACKAGES) tests benchmarks

pytest: $(STAMP)
	$(BIN)/python -m pytest

test: lint typecheck pytest

# The offline demo: replayed official sites, the real tracking flow, a mail sink.
demo: $(STAMP)
	$(BIN)/clausewatch demo $(if $(DIR),--dir $(DIR),)

# Regenerate the lock file after editing dependencies in pyproject.toml.
lock: $(STAMP)
	$(BIN)/uv pip compile pyproject.toml --group dev --override requirements/overrides.txt \
	  --generate-hashes --python-version 3.11 -o requirements/lock.txt

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
