# Everything installs what it needs into a virtualenv of its own (VENV).
PYTHON ?= python3
VENV ?= .venv
# Extra requirement for the virtualenv, e.g. DJANGO="django>=6.1,<6.2".
DJANGO ?=
PORT ?= 8000
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: test test-allauth test-ops demo docs lint format messages bench faults contract clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e . --group dev $(if $(DJANGO),"$(DJANGO)")
	touch $@

## Run the test suite (SQLite, local-memory cache), then again with a swapped user model.
test: $(STAMP)
	$(BIN)/python -m pytest
	TEST_AUTH_USER_MODEL=custom_user.EmailUser $(BIN)/python -m pytest -q

## The django-allauth lane: the suite in a virtualenv with allauth, whose tests must run there.
test-allauth: .venv-allauth/.installed
	.venv-allauth/bin/python -m pytest -q --ds=tests.allauth_settings

.venv-allauth/.installed: pyproject.toml
	test -x .venv-allauth/bin/python || $(PYTHON) -m venv .venv-allauth
	.venv-allauth/bin/python -m pip install -q --upgrade pip
	.venv-allauth/bin/python -m pip install -q -e . --group test
	touch $@

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
demo: $(STAMP)
	PORT=$(PORT) $(BIN)/python example_project/manage.py migrate --no-input
	PORT=$(PORT) $(BIN)/python example_project/manage.py demo_user
	@echo "Open http://127.0.0.1:$(PORT)/ and log in."
	PORT=$(PORT) $(BIN)/python example_project/manage.py runserver 127.0.0.1:$(PORT)

## Benchmarks against the naive flow and iamport-rest-client (PostgreSQL and Redis on 127.0.0.1),
## then the wire model: a certify over TLS with 20 ms round trips against the limit.
bench: $(STAMP) .venv-iamport/.installed
	$(BIN)/python -m benchmarks.run
	$(BIN)/python -m benchmarks.wire

## The fault-load tally: 4 workers, 500 verifications while PortOne misbehaves.
faults: $(STAMP)
	$(BIN)/python -m benchmarks.faults

# iamport-rest-client pins an old requests: it gets a virtualenv of its own.
.venv-iamport/.installed:
	test -x .venv-iamport/bin/python || $(PYTHON) -m venv .venv-iamport
	.venv-iamport/bin/python -m pip install -q iamport-rest-client==0.9.0
	touch $@

## The fake PortOne against PortOne's published schemas (../shared/portone-specs, skipped
## where absent) and read by PortOne's official clients (portone-server-sdk, iamport-rest-client).
contract: .venv-contract/.installed .venv-iamport/.installed
	IAMPORT_PYTHON=.venv-iamport/bin/python .venv-contract/bin/python -m pytest -q -rs \
		tests/test_portone_schemas.py tests/test_captures.py tests/test_contract.py tests/official

.venv-contract/.installed: pyproject.toml
	test -x .venv-contract/bin/python || $(PYTHON) -m venv .venv-contract
	.venv-contract/bin/python -m pip install -q --upgrade pip
	.venv-contract/bin/python -m pip install -q -e . --group test portone-server-sdk==0.21.0
	touch $@

## The reference site (Sphinx) into docs/_build/html; any warning fails the build.
docs: $(STAMP)
	$(BIN)/sphinx-build -W --keep-going -q -b html docs docs/_build/html
	@echo "docs/_build/html/index.html"

## ruff, mypy and the migration check.
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python -m django makemigrations --check --dry-run --settings=tests.settings

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf .venv .venv-* build dist *.egg-info

## Regenerate and compile the Korean catalogue after changing a user-facing string.
messages: $(STAMP)
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
