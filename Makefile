# The two commands a new user needs: `make demo` and `make test`. Both install
# what is missing (uv, the Python packages, the Kafka jars, PostgreSQL) first.
SHELL := /bin/bash
.DEFAULT_GOAL := help
PYTHON ?= python3
UV_VERSION := 0.13.8
UV := $(PYTHON) -m uv
STATE ?= $(CURDIR)/.local
export UV_PYTHON_DOWNLOADS := never
export CRAFTSMAN_STATE := $(STATE)
# Loads KAFKA_BOOTSTRAP_SERVERS / DATABASE_URL_BASE and the Kafka admin's CRAFTSMAN_KAFKA_* settings
# that deploy/infra.sh wrote (services started from here take their own principal instead).
WITH_INFRA := set -a; source $(STATE)/infra.env; set +a;
# The secured Kafka's bootstrap and admin settings that deploy/kafka.sh wrote.
WITH_KAFKA := set -a; source $(STATE)/kafka-credentials.env; set +a;

.PHONY: help install infra up down status test test-fast lint demo bench clean

help:
	@echo "make demo   - install, start Kafka and the services, play a city's craftsman year"
	@echo "make test   - install, start Kafka and PostgreSQL, run every test"
	@echo "make bench  - run the benchmarks, write bench/results/"
	@echo "make up / make down - start / stop Kafka, PostgreSQL and the four services"
	@echo "                      (make up REPLICAS=3, or per service REPLICAS_REWARDS=2)"
	@echo "make lint   - ruff and mypy"

install: .venv/.synced

.venv/.synced: pyproject.toml uv.lock contracts/pyproject.toml
	@$(UV) --version 2>/dev/null | grep -q "$(UV_VERSION)" || $(PYTHON) -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"
	$(UV) sync --frozen --all-groups
	@touch $@

infra: install
	bash deploy/infra.sh up

# REPLICAS / REPLICAS_<SERVICE> given on make's command line reach local_services by the environment.
up: infra
	$(WITH_INFRA) CRAFTSMAN_DB=postgres $(UV) run --frozen python -m deploy.local_services up

down:
	-$(UV) run --frozen python -m deploy.local_services down
	bash deploy/infra.sh down

status:
	-$(UV) run --frozen python -m deploy.local_services status
	bash deploy/infra.sh status

test: infra
	$(WITH_INFRA) $(UV) run --frozen pytest

test-fast: install
	$(UV) run --frozen pytest tests/unit tests/contract

lint: install
	$(UV) run --frozen ruff check .
	$(UV) run --frozen ruff format --check .
	$(UV) run --frozen mypy
	$(UV) run --frozen mypy contracts/examples

# A city's year (make demo DEMO_ARGS="--keep", "--scale 10", "--workers 300"); the 6-worker story: python -m demo
demo: install
	bash deploy/kafka.sh up
	$(WITH_KAFKA) $(UV) run --frozen python -m demo.year $(DEMO_ARGS)

bench: infra
	$(WITH_INFRA) $(UV) run --frozen python -m bench

clean: down
	rm -rf $(STATE) .venv
