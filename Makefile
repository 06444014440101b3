# Quick start: `make run` (set up, build the database if missing or stale, start the app)
# and `make test` (set up, then every test).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PORT ?= 8501
# open mode (no user yet) serves this machine only; once a user exists HOST=0.0.0.0 may serve others
HOST ?= 127.0.0.1

.PHONY: run test bench bench-scale loadtest loadtest-proxy db setup lint messages clean

$(STAMP): requirements.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps -e .
	touch $(STAMP)

setup: $(STAMP)

db: setup
	$(PY) -m kp_dash build --if-stale

run: db
	$(PY) -m kp_dash serve --host $(HOST) --port $(PORT)

test: setup
	$(PY) -m pytest

bench: db
	$(PY) bench/bench.py

loadtest: db
	$(PY) bench/loadtest.py

# as deployed: Debian's nginx (TLS, sticky cookie) on loopback in front of two app processes, 50
# people arriving at random and pausing 2-8 s between clicks (needs `apt-get install nginx`)
loadtest-proxy: db
	$(PY) bench/loadtest.py --proxy --workers 2 --sessions 50 --seconds 120 --think 2-8 --arrivals random

# imports at provincial scale (minutes, not part of `make test`); SIZES=rows,rows to choose
SIZES ?= 1000000,6500000
EVENTS ?= 10000000,50000000
bench-scale: db
	$(PY) bench/scale.py --sizes $(SIZES)
	$(PY) bench/scale_events.py --sizes $(EVENTS)

# the texts people read (marked N_, t, or given to ui.start_page and ui.title) into the template,
# merged into the Urdu catalogue for its translator; a test fails while any lacks its Urdu
MESSAGE_KEYWORDS := -k N_ -k t -k start_page:1 -k title:1
messages: setup
	$(VENV)/bin/pybabel extract -F babel.cfg --no-default-keywords $(MESSAGE_KEYWORDS) --sort-by-file \
		--project "KP Digital Inclusion Dashboard" -o kp_dash/locale/messages.pot app.py pages kp_dash
	$(VENV)/bin/pybabel update -i kp_dash/locale/messages.pot -d kp_dash/locale --width 100

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

clean:
	rm -rf $(VENV) data/kp_dash.duckdb data/kp_dash.builds data/demo
