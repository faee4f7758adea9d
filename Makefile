# Development tasks for the logsafe.aws collection. Every target works from a
# fresh checkout: the virtual environments are created on first use.

PYTHON ?= python3

VENV := .venv
VENV_PYTHON := $(VENV)/bin/python
VENV_STAMP := $(VENV)/.requirements-installed

AWSCLI_VENV := .venv-awscli
AWSCLI_STAMP := $(AWSCLI_VENV)/.requirements-installed

# Each test module starts its own moto server, and --dist loadfile keeps all
# tests of one module on one worker in file order, so two workers never share
# AWS state and steps that build on earlier tests of the same module stay valid.
PYTEST_WORKERS ?= 2
PYTEST_PARALLEL := -n $(PYTEST_WORKERS) --dist loadfile
PYTEST := $(VENV_PYTHON) -m pytest

.PHONY: venv awscli demo test unit integration sanity lint clean distclean
.PHONY: units ansible-lint molecule docs-lint changelog-lint changelog-release test-matrix

venv: $(VENV_STAMP)

# The stamp is newer than both requirement files once they are installed, so
# a re-run only checks timestamps.
$(VENV_STAMP): requirements.txt tests/requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV_PYTHON) -m pip install --quiet -r requirements.txt -r tests/requirements.txt
	touch $@

awscli: $(AWSCLI_STAMP)

$(AWSCLI_STAMP): tests/requirements-awscli.txt
	$(PYTHON) -m venv $(AWSCLI_VENV)
	$(AWSCLI_VENV)/bin/python -m pip install --quiet -r tests/requirements-awscli.txt
	touch $@

demo: venv awscli
	$(VENV_PYTHON) scripts/demo.py

# The unit tests run under ansible-test units (make units), so pytest runs
# only the integration tests here.
test: venv awscli lint sanity units ansible-lint changelog-lint docs-lint molecule bench-smoke release-check
	$(PYTEST) $(PYTEST_PARALLEL) tests/integration

unit: venv
	$(PYTEST) $(PYTEST_PARALLEL) tests/unit

integration: venv awscli
	$(PYTEST) $(PYTEST_PARALLEL) tests/integration

# ansible-test and antsibull-docs find the collection from the current path,
# so sanity, units and docs-lint each run in a copy of the tracked and
# untracked (not ignored) files at build/TARGET/RUN/ansible_collections/logsafe/aws.
# RUN is the process id of make, so concurrent runs, of different targets or
# of the same one, never delete each other's copy. A target removes its copy
# when it passes and keeps it after a failure, for tests/output/ in it; `make
# clean` removes them all. The collections/ link is left out because
# ansible-test rejects links to directories.
MAKE_RUN_ID := $(shell echo $$PPID)
COLLECTION_PATH := ansible_collections/logsafe/aws
SANITY_DIR := build/sanity/$(MAKE_RUN_ID)
UNITS_DIR := build/units/$(MAKE_RUN_ID)
DOCS_LINT_DIR := build/docs/$(MAKE_RUN_ID)
SANITY_ROOT := $(SANITY_DIR)/$(COLLECTION_PATH)
UNITS_ROOT := $(UNITS_DIR)/$(COLLECTION_PATH)
DOCS_LINT_ROOT := $(DOCS_LINT_DIR)/$(COLLECTION_PATH)
ANSIBLE_TEST_CACHE := $(HOME)/.ansible/test/cache
# The get-pip script names that ansible-core 2.19 and 2.21 look for.
GET_PIP_NAMES := get_pip_24_2.py get_pip_25_2.py

# $(call copy-collection,ROOT) replaces ROOT with a fresh copy of the checkout.
# git ls-files also lists tracked files that were deleted or moved in the work
# tree but not yet committed, so only files that exist are copied. The get-pip
# stand-in is written under a temporary name and renamed, so that an
# ansible-test run of another target never reads a half-written file.
# ansible-test lists files through git, and build/ is ignored by this
# repository, so the copy gets a git repository of its own.
define copy-collection
	rm -rf $(1)
	mkdir -p $(1) $(ANSIBLE_TEST_CACHE)
	git ls-files -co --exclude-standard -z | grep -zv '^collections/' \
		| xargs -0 sh -c 'for f; do [ ! -e "$$f" ] || printf "%s\0" "$$f"; done' sh \
		| xargs -0 cp --parents -t $(1)
	for name in $(GET_PIP_NAMES); do \
		cp scripts/get_pip_offline.py $(ANSIBLE_TEST_CACHE)/$$name.$$$$ \
		&& mv -f $(ANSIBLE_TEST_CACHE)/$$name.$$$$ $(ANSIBLE_TEST_CACHE)/$$name || exit 1; \
	done
	cd $(1) && git init -q && git add -A
endef

lint: venv
	$(VENV)/bin/ruff check plugins
	$(VENV)/bin/ruff format --check plugins
	$(VENV)/bin/mypy -p ansible_collections.logsafe.aws.plugins

sanity: venv
	$(call copy-collection,$(SANITY_ROOT))
	cd $(SANITY_ROOT) && $(CURDIR)/$(VENV)/bin/ansible-test sanity --local --python 3.11
	rm -rf $(SANITY_DIR)

# ansible-test units runs tests/unit in its copy, with the collection
# loader of ansible-core. --local uses .venv, which already has the packages
# of tests/unit/requirements.txt.
units: venv
	$(call copy-collection,$(UNITS_ROOT))
	cd $(UNITS_ROOT) && $(CURDIR)/$(VENV)/bin/ansible-test units --local --python 3.11
	rm -rf $(UNITS_DIR)

# ansible-lint, molecule and antsibull-changelog run ansible-playbook,
# ansible-config and ansible-doc through PATH.
VENV_PATH := PATH="$(CURDIR)/$(VENV)/bin:$$PATH"

# Settings, including the production profile and offline mode, are in .ansible-lint.
ansible-lint: venv
	$(VENV_PATH) $(VENV)/bin/ansible-lint

# The scenarios under extensions/molecule start a moto server on 127.0.0.1
# and give Ansible fake credentials. Variables that would add a profile, a
# session token or another endpoint to those credentials are removed.
MOLECULE_ENV := env -u AWS_PROFILE -u AWS_DEFAULT_PROFILE -u AWS_SESSION_TOKEN -u AWS_SECURITY_TOKEN -u AWS_ENDPOINT_URL

molecule: venv
	$(MOLECULE_ENV) $(VENV_PATH) $(VENV)/bin/molecule test --all

docs-lint: venv
	$(call copy-collection,$(DOCS_LINT_ROOT))
	cd $(DOCS_LINT_ROOT) && $(VENV_PATH) $(CURDIR)/$(VENV)/bin/antsibull-docs lint-collection-docs --plugin-docs .
	rm -rf $(DOCS_LINT_DIR)

# The fragments, changelogs/changelog.yaml, and CHANGELOG.md as generated from it.
changelog-lint: venv
	$(VENV)/bin/antsibull-changelog lint
	$(VENV)/bin/antsibull-changelog lint-changelog-yaml changelogs/changelog.yaml
	mkdir -p build
	$(VENV)/bin/antsibull-changelog generate --output build/CHANGELOG.generated.md
	diff -u CHANGELOG.md build/CHANGELOG.generated.md || \
		{ echo "CHANGELOG.md is not the one generated from changelogs/changelog.yaml: run antsibull-changelog generate" >&2; exit 1; }

# Moves the fragments into changelogs/changelog.yaml under the version in
# galaxy.yml and writes CHANGELOG.md. For a version that is already there,
# it adds the new fragments and modules to it.
changelog-release: venv
	$(VENV_PATH) $(VENV)/bin/antsibull-changelog release

# Builds the tarball in a temporary directory and checks that its MANIFEST.json,
# galaxy.yml, COLLECTION_VERSION and the newest release in
# changelogs/changelog.yaml have the same version, and that it holds no tests,
# virtual environments or caches. docs/release.md has the whole procedure.
.PHONY: release-check
release-check: venv
	$(VENV_PATH) $(VENV_PYTHON) scripts/release_check.py

# Unit and integration tests on the oldest and newest supported ansible-core
# and boto3/botocore, each combination in its own virtual environment under
# .venv-matrix/. Not part of make test: it takes as long as make test does,
# once per combination.
test-matrix: awscli
	$(PYTHON) scripts/test_matrix.py

clean:
	rm -rf build tests/output bench/output .pytest_cache logsafe-aws-*.tar.gz
	find . -path ./collections -prune -o -path './.venv*' -prune -o \
		-name __pycache__ -type d -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV) $(AWSCLI_VENV) bench/.venv-peer

# The benchmark against amazon.aws and community.aws (bench/run.py). It
# creates the peer environment bench/.venv-peer on first use and installs
# matplotlib, which only the benchmark needs, into .venv.
BENCH_STAMP := $(VENV)/.bench-requirements-installed

.PHONY: bench bench-smoke

$(BENCH_STAMP): $(VENV_STAMP) bench/requirements.txt
	$(VENV_PYTHON) -m pip install --quiet -r bench/requirements.txt
	touch $@

# Several minutes of timed runs; not part of `make test`, because a test must
# not depend on timing.
bench: $(BENCH_STAMP)
	$(VENV_PYTHON) bench/run.py

# One run per case with small fleets, to keep bench/run.py working; its
# timings mean nothing. The chart goes to bench/output/, not docs/.
bench-smoke: $(BENCH_STAMP)
	$(VENV_PYTHON) bench/run.py --smoke
