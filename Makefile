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

.PHONY: venv awscli demo test unit integration sanity lint ansible-test-tree clean distclean

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

test: venv awscli lint sanity
	$(PYTEST) $(PYTEST_PARALLEL) tests/unit tests/integration

unit: venv
	$(PYTEST) $(PYTEST_PARALLEL) tests/unit

integration: venv awscli
	$(PYTEST) $(PYTEST_PARALLEL) tests/integration

# ansible-test finds the collection from the current path, so it runs in a
# copy of the tracked files at build/ansible_collections/logsafe/aws. The
# collections/ link is left out: ansible-test rejects links to directories.
ANSIBLE_TEST_ROOT := build/ansible_collections/logsafe/aws
ANSIBLE_TEST_CACHE := $(HOME)/.ansible/test/cache
# The get-pip script names that ansible-core 2.19 and 2.21 look for.
GET_PIP_NAMES := get_pip_24_2.py get_pip_25_2.py

ansible-test-tree: venv
	rm -rf $(ANSIBLE_TEST_ROOT)
	mkdir -p $(ANSIBLE_TEST_ROOT) $(ANSIBLE_TEST_CACHE)
	git ls-files -co --exclude-standard -z | grep -zv '^collections/' | xargs -0 cp --parents -t $(ANSIBLE_TEST_ROOT)
	for name in $(GET_PIP_NAMES); do cp scripts/get_pip_offline.py $(ANSIBLE_TEST_CACHE)/$$name; done
	# ansible-test lists files through git, and build/ is ignored by this repository.
	cd $(ANSIBLE_TEST_ROOT) && git init -q && git add -A

lint: venv
	$(VENV)/bin/ruff check plugins
	$(VENV)/bin/ruff format --check plugins
	$(VENV)/bin/mypy -p ansible_collections.logsafe.aws.plugins

sanity: ansible-test-tree
	cd $(ANSIBLE_TEST_ROOT) && $(CURDIR)/$(VENV)/bin/ansible-test sanity --local --python 3.11

clean:
	rm -rf build tests/output bench/output .pytest_cache logsafe-aws-*.tar.gz
	find . -path ./collections -prune -o -path './.venv*' -prune -o \
		-name __pycache__ -type d -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV) $(AWSCLI_VENV)
