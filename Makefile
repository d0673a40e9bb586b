# One command runs the daemon, one runs the tests; both build the local venv themselves.
PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed
# The tests also drive PostgreSQL (psycopg); the daemon on its SQLite default needs none of it.
TEST_STAMP := $(VENV)/.installed-test

.PHONY: run serve test test-fast demo lint format clean browser postgres
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[test]'
	touch $(STAMP)

# One install for the tests where there is no venv yet (a fresh clone, CI): resolving the
# dependencies a second time for the postgres extra cost some ten seconds of every CI run.
$(TEST_STAMP): pyproject.toml
	[ -x $(VENV)/bin/pip ] || { $(PYTHON) -m venv $(VENV) && \
		$(VENV)/bin/pip install --quiet --upgrade pip; }
	$(VENV)/bin/pip install --quiet -e '.[test,postgres]'
	touch $(STAMP) $(TEST_STAMP)

run: $(STAMP)
	$(VENV)/bin/veille run

serve: $(STAMP)
	$(VENV)/bin/veille serve

demo: $(STAMP)
	$(VENV)/bin/veille demo

# The web view's browser test drives Debian's chromium (headless).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
		echo "installing Debian's chromium for the browser test"; \
		$(SUDO) apt-get update -q >/dev/null && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q --no-install-recommends chromium >/dev/null; }

# The dual-engine tests start their own PostgreSQL cluster from Debian's binaries (and the
# unaccent dictionary of postgresql-contrib): installed here when missing.
postgres:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && \
		ls /usr/share/postgresql/*/extension/unaccent.control >/dev/null 2>&1 || { \
		echo "installing Debian's postgresql for the dual-engine tests"; \
		$(SUDO) apt-get update -q >/dev/null && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q --no-install-recommends \
			postgresql postgresql-contrib >/dev/null; }

# The tests' own temporary folders (their SQLite files, rewritten and synced thousands of times
# in a run) go to memory where /dev/shm is a roomy tmpfs that may run programs: on a 2-core
# machine's disk the run's writes (some 11 GB) left the cores waiting. Elsewhere, pytest's
# default. PostgreSQL's cluster and other temporary files stay where TMPDIR says.
TEST_BASETEMP := $(shell awk '$$2 == "/dev/shm" && $$3 == "tmpfs" && $$4 !~ /noexec/ {found=1} \
	END {exit !found}' /proc/mounts 2>/dev/null && \
	[ "$$(df -Pk /dev/shm | awk 'NR == 2 {print $$4}')" -gt 4000000 ] 2>/dev/null && \
	echo --basetemp=/dev/shm/veille-tests-$$(id -u))

test: $(TEST_STAMP) browser postgres
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/python -m pytest -n 4 --dist worksteal $(TEST_BASETEMP)

# The unit layer alone, for a developer's minute: no real crawl, daemon, command-line process,
# browser, bench or PostgreSQL (the `slow` and `postgres` marks, pyproject.toml). `make test`
# stays the whole suite.
test-fast: $(TEST_STAMP)
	$(VENV)/bin/python -m pytest -n 2 -q -m "not slow and not postgres"

lint: $(STAMP)
	$(VENV)/bin/ruff check .

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean:
	rm -rf $(VENV) data .pytest_cache
