# Rights Academy — two commands for a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test test-postgres e2e lint messages bench clean prodcheck

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py load_demo
	@echo ""
	@echo "Rights Academy: http://$(HOST):$(PORT)/  (admin: http://$(HOST):$(PORT)/admin/)"
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

test: $(STAMP)
	$(BIN)/python -m pytest -n auto -q

test-postgres: $(STAMP)
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test} \
		$(BIN)/python -m pytest -n auto -q

e2e: $(STAMP)
	bash .ci/browser-deps
	DJANGO_ALLOW_ASYNC_UNSAFE=true $(BIN)/python -m pytest -m e2e -q -p no:xdist

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python manage.py makemigrations --check --dry-run

messages: $(STAMP)
	$(BIN)/python manage.py makemessages -l zh_Hans --no-obsolete --no-location --ignore=.venv --ignore=tests --ignore=bench
	$(BIN)/python manage.py compilemessages -l zh_Hans --ignore=.venv

bench: $(STAMP)
	bash .ci/bench-deps || echo "wrk unavailable: using the Python load client"
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-* staticfiles .test-media .test-private

prodcheck: $(STAMP)
	$(BIN)/python .ci/prodcheck.py
