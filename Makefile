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

.PHONY: venv awscli demo test unit integration clean distclean

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

test: venv awscli
	$(PYTEST) $(PYTEST_PARALLEL) tests/unit tests/integration

unit: venv
	$(PYTEST) $(PYTEST_PARALLEL) tests/unit

integration: venv awscli
	$(PYTEST) $(PYTEST_PARALLEL) tests/integration

clean:
	rm -rf build tests/output bench/output .pytest_cache logsafe-aws-*.tar.gz
	find . -path ./collections -prune -o -path './.venv*' -prune -o \
		-name __pycache__ -type d -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV) $(AWSCLI_VENV)
