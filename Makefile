.DEFAULT_GOAL := help
VENV := .venv/bin

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

install: ## create .venv from pylock.toml (hash-checked), then the project
	scripts/bootstrap.sh

lock: ## regenerate pylock.toml after a dependency change in pyproject.toml
	scripts/lock.sh

run: ## install, start the local stack, migrate, run API + worker + beat
	scripts/run.sh

test: ## install, start the local stack, ruff + mypy + pytest (stops what it started)
	scripts/test.sh

fault-loop: install stack-up ## the fault suite N times in a row: make fault-loop RUNS=20 [HOG=1] (a CPU hog on one core) [QUORUM_LOSS=1] [RESUME=1] (go on with the streak in docs/fault-loop-history.tsv)
	$(if $(QUORUM_LOSS),CONTACTS_FAULTS_QUORUM_LOSS=1) scripts/fault-loop.sh $(or $(RUNS),20) $(if $(HOG),--hog) $(if $(RESUME),--resume)

lint: install ## ruff, mypy and the import rules (lint-imports)
	$(VENV)/ruff check .
	$(VENV)/ruff format --check .
	$(VENV)/mypy
	$(VENV)/lint-imports --no-cache

format: install ## apply ruff fixes and formatting
	$(VENV)/ruff check --fix .
	$(VENV)/ruff format .

stack-up: ## start PostgreSQL, Redis and OpenSearch on loopback (data under var/)
	deploy/stack.sh up

stack-down: ## stop the local stack
	deploy/stack.sh down

migrate: install stack-up ## apply Alembic migrations
	$(VENV)/contacts-admin migrate

reindex: install ## rebuild the search index from PostgreSQL behind the alias
	$(VENV)/contacts-index reindex

bench: install stack-up ## list benchmarks; run one: make bench BENCH=search ARGS="--count 200000"
	$(VENV)/python -m bench$(if $(BENCH),.$(BENCH)) $(ARGS)

.PHONY: help install lock run test fault-loop lint format stack-up stack-down migrate reindex bench
