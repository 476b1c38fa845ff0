# Two commands do all set-up on a fresh machine: `make demo` (build the demo graph and serve it) and `make test`.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
DATA_DIR ?= missionkg-data
DEMO_N ?= 2000

.PHONY: demo test install clean

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e '.[all,test]'
	touch $@

install: $(VENV)/.installed

demo: install
	$(VENV)/bin/missionkg demo-data --n $(DEMO_N) --seed 1 -o $(DATA_DIR)-input/demo.jsonl.gz
	$(VENV)/bin/missionkg build $(DATA_DIR)-input/demo.jsonl.gz --data-dir $(DATA_DIR)
	$(VENV)/bin/missionkg stats --data-dir $(DATA_DIR)
	$(VENV)/bin/missionkg serve --data-dir $(DATA_DIR)

test: install
	$(PY) -m pytest -q $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) $(DATA_DIR) $(DATA_DIR)-input build *.egg-info
