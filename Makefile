# Two commands a newcomer runs: `make demo` and `make test`.
# Both create (once) and reuse a local virtual environment in .venv.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

DOCS_STAMP := $(VENV)/.docs-installed

.PHONY: demo study test test-fast bench accuracy docs clean

$(STAMP): pyproject.toml Makefile
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	# torch is pinned to the CPU build that this machine ships; other
	# versions pull several GB of CUDA wheels.
	$(PY) -m pip install --quiet "torch==2.13.0"
	$(PY) -m pip install --quiet -e ".[test,torch,demo,hf]"
	# torchtitan, for the tests of its integration: its release pins pull
	# a GPU training stack, so it installs without its dependencies, plus
	# the three its MoE module imports (triton is about 1 GB)
	$(PY) -m pip install --quiet --no-deps "torchtitan==0.3.0" "spmd_types==0.2.3"
	$(PY) -m pip install --quiet "tyro>=1" triton
	touch $(STAMP)

$(DOCS_STAMP): $(STAMP)
	$(PY) -m pip install --quiet -e ".[test,torch,demo,hf,docs]"
	$(PY) -m ipykernel install --sys-prefix --name python3 > /dev/null
	touch $(DOCS_STAMP)

# the site, with the notebooks executed at build time; warnings are errors
docs: $(DOCS_STAMP)
	$(VENV)/bin/sphinx-build -W --keep-going -q -b html docs docs/_build/html

demo: $(STAMP)
	$(VENV)/bin/bingham demo

# the routing study on real text (docs/study_lm.md)
study: $(STAMP)
	$(VENV)/bin/bingham study lm

test: $(STAMP)
	$(PY) -m pytest -n 2 -q

test-fast: $(STAMP)
	$(PY) -m pytest -n 2 -q -m "not slow"

bench: $(STAMP)
	$(PY) -m pip install --quiet -e ".[test,torch,demo,hf,bench]"
	$(PY) benchmarks/run.py

accuracy: $(STAMP)
	$(PY) tests/reference/accuracy_table.py > docs/accuracy.md

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis build *.egg-info
