# The two commands a newcomer needs: `make run` (the demo) and `make test` (the whole suite).
# Both install what they need: system packages (as root, when missing), a virtual environment and
# the project with its extras.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The demo's data folder (the terminal's database, the embedded platform's database, printed receipts).
DEMO_HOME ?= $(CURDIR)/.demo

.PHONY: run test bench lint system-deps venv clean installer screenshots

system-deps:
	@bash .ci/system-deps.sh

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "Python 3.11 or newer is needed" or 0)'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

venv: system-deps $(STAMP)

# The till window against the embedded central platform, seeded and enrolled (needs a display:
# a desktop session, or `xvfb-run -a make run`).
run: venv
	$(BIN)/pos-app --home $(DEMO_HOME) demo

lint: venv
	$(BIN)/ruff check .
	$(BIN)/lint-imports

# pytest exits 5 when it collected no tests: that must never pass as green.
# Tests and benchmarks never need a display.
test bench screenshots: export QT_QPA_PLATFORM ?= offscreen

test: lint
	$(BIN)/python -m pytest -q -p no:cacheprovider; status=$$?; \
	if [ $$status -eq 5 ]; then echo "pytest collected no tests" >&2; exit 1; fi; exit $$status

bench: venv
	$(BIN)/python -m benchmarks

# Redraw the screenshots in docs/screenshots/ (the README shows them) after a screen changed on
# purpose; `make test` compares every screen with these and fails on a change nobody meant.
screenshots: venv
	O2O_REFRESH_SCREENSHOTS=1 $(BIN)/python -m pytest -q -p no:cacheprovider tests/ui/test_screenshots.py

# The client as a PyInstaller bundle in dist/pos-app/ (see build_installer.py).
installer: venv
	$(BIN)/python -m pip install --quiet "pyinstaller>=6.5"
	$(BIN)/python build_installer.py

clean:
	rm -rf $(VENV) build dist *.egg-info $(DEMO_HOME)
