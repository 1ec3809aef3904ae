# Everything installs what it needs into a virtualenv (VENV), and only that: each purpose adds
# its dependency groups (pyproject.toml) once, marked by $(VENV)/.installed-<groups>, so
# `make demo` does not wait for pytest, Playwright, mypy or Sphinx.
PYTHON ?= python3
VENV ?= .venv
# Extra requirement for the virtualenv, e.g. DJANGO="django>=6.1,<6.2".
DJANGO ?=
PORT ?= 8000
BIN := $(VENV)/bin

# The dependency groups of each purpose (mypy reads the types of pytest and drf-spectacular too).
GROUPS_demo := demo
GROUPS_test := test browser
GROUPS_lint := test lint
GROUPS_docs := docs
GROUPS_bench := bench
GROUPS_schemathesis := schemathesis
GROUPS_contract := test contract
# $(call installed,GROUPS): the stamp of those groups installed in VENV (.installed-test+browser).
empty :=
installed = $(VENV)/.installed-$(subst $(empty) $(empty),+,$(strip $(1)))
# Everything (`pip install --group dev`).
STAMP := $(call installed,dev)

.PHONY: test test-allauth test-ops demo docs lint format messages bench faults contract schemathesis clean

$(VENV)/.venv:
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	touch $@

$(VENV)/.installed-%: pyproject.toml | $(VENV)/.venv
	$(BIN)/python -m pip install -q -e . $(addprefix --group ,$(subst +, ,$*)) $(if $(DJANGO),"$(DJANGO)")
	touch $@

## Run the test suite (SQLite, local-memory cache) on every core (pytest-xdist; a test file
## stays on one worker), then again the tests that a swapped user model changes (marked
## user_model in tests/conftest.py). One test, and the last failures (in one process):
##   .venv/bin/python -m pytest tests/test_api.py::test_name    .venv/bin/python -m pytest --lf
## WORKERS=0 runs everything in one process.
WORKERS ?= auto
XDIST = $(if $(filter 0,$(WORKERS)),-p no:xdist,-n $(WORKERS) --dist loadfile)
test: $(call installed,$(GROUPS_test))
	$(BIN)/python -m pytest $(XDIST) $(PYTEST_ARGS)
	$(if $(USER_MODEL_LANE),TEST_AUTH_USER_MODEL=custom_user.EmailUser $(BIN)/python -m pytest -q $(XDIST) -m user_model)

# `USER_MODEL_LANE=` skips the second run (.ci/run: once is enough for the Pythons between).
USER_MODEL_LANE ?= 1
# The stamp `make test` needs (.ci/run installs it before building other virtualenvs).
print-test-stamp:
	@echo $(call installed,$(GROUPS_test))

## The django-allauth lane: allauth's tests (sign-up by 본인인증, the recovery link), with
## settings that refuse to run without allauth, so that they cannot pass by being skipped.
test-allauth: $(call installed,$(GROUPS_test))
	$(BIN)/python -m pytest -q --ds=tests.allauth_settings -k allauth

## The operations lane: Prometheus metrics, OpenTelemetry spans and the django-health-check
## backend with the real libraries (the default lane skips those tests), and the doctor.
OPS_TESTS := tests/test_metrics.py tests/test_tracing.py tests/test_health_check.py \
	tests/test_doctor.py tests/test_without_extras.py
test-ops: .venv-ops/.installed
	.venv-ops/bin/python -c "import prometheus_client, opentelemetry.sdk, health_check"
	.venv-ops/bin/python -m pytest -q -rs $(OPS_TESTS)

.venv-ops/.installed: pyproject.toml
	test -x .venv-ops/bin/python || $(PYTHON) -m venv .venv-ops
	.venv-ops/bin/python -m pip install -q --upgrade pip
	.venv-ops/bin/python -m pip install -q -e . --group ops
	touch $@

## Run the example project on http://127.0.0.1:$(PORT)/ (SQLite, sandbox mode: no credentials, no network).
demo: $(call installed,$(GROUPS_demo))
	PORT=$(PORT) $(BIN)/python example_project/manage.py migrate --no-input
	PORT=$(PORT) $(BIN)/python example_project/manage.py demo_user
	@echo "Open http://127.0.0.1:$(PORT)/ and log in."
	PORT=$(PORT) $(BIN)/python example_project/manage.py runserver 127.0.0.1:$(PORT)

## Benchmarks against the naive flow and iamport-rest-client (PostgreSQL and Redis on 127.0.0.1),
## then the wire model: a certify over TLS with 20 ms round trips against the limit.
bench: $(call installed,$(GROUPS_bench)) .venv-iamport/.installed
	$(BIN)/python -m benchmarks.run
	$(BIN)/python -m benchmarks.wire

## The fault-load tally: 4 workers, 500 verifications while PortOne misbehaves.
faults: $(call installed,$(GROUPS_bench))
	$(BIN)/python -m benchmarks.faults

# iamport-rest-client pins an old requests: it gets a virtualenv of its own.
.venv-iamport/.installed:
	test -x .venv-iamport/bin/python || $(PYTHON) -m venv .venv-iamport
	.venv-iamport/bin/python -m pip install -q iamport-rest-client==0.9.0
	touch $@

## The fake PortOne against PortOne's published schemas (../shared/portone-specs, skipped
## where absent) and read by PortOne's official clients (portone-server-sdk, iamport-rest-client).
contract: $(call installed,$(GROUPS_contract)) .venv-iamport/.installed
	IAMPORT_PYTHON=.venv-iamport/bin/python $(BIN)/python -m pytest -q -rs \
		tests/test_portone_schemas.py tests/test_captures.py tests/test_contract.py tests/official

## Generated requests against the example project's OpenAPI schema: no answer may be a 500.
schemathesis: $(call installed,$(GROUPS_schemathesis))
	bash .ci/schemathesis

## The reference site (Sphinx) into docs/_build/html; any warning fails the build.
docs: $(call installed,$(GROUPS_docs))
	$(BIN)/sphinx-build -W --keep-going -q -b html docs docs/_build/html
	@echo "docs/_build/html/index.html"

## ruff, mypy and the migration check.
lint: $(call installed,$(GROUPS_lint))
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python -m django makemigrations --check --dry-run --settings=tests.settings

format: $(call installed,$(GROUPS_lint))
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf .venv .venv-* build dist *.egg-info .pytest_cache

## Regenerate and compile the Korean catalogue after changing a user-facing string.
messages: $(call installed,$(GROUPS_demo))
	cd django_portone_cert && ../$(BIN)/django-admin makemessages -l ko --no-obsolete --no-location --settings=tests.settings --pythonpath=..
	msgfmt --check -o django_portone_cert/locale/ko/LC_MESSAGES/django.mo django_portone_cert/locale/ko/LC_MESSAGES/django.po

## The release files: sdist and wheel into dist/, checked by twine (tools in .venv-release).
.PHONY: dist
dist: .venv-release/.installed
	rm -rf build dist
	.venv-release/bin/python -m build --outdir dist .
	.venv-release/bin/twine check --strict dist/*

.venv-release/.installed: pyproject.toml
	test -x .venv-release/bin/python || $(PYTHON) -m venv .venv-release
	.venv-release/bin/python -m pip install -q --upgrade pip
	.venv-release/bin/python -m pip install -q --group release
	touch $@
