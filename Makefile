# Set-up, demo and tests for the graphops.directory collection.
# `make demo` and `make test` each create the virtual environment they need.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
BUILD := .build
COLLECTIONS := $(abspath $(BUILD)/collections)
SANITY_ROOT := $(BUILD)/sanity/ansible_collections/graphops/directory
# Keeps ansible-test's caches and virtual environments inside the build folder.
SANITY_HOME := $(abspath $(BUILD)/home)

.PHONY: help venv collection demo test unit integration sanity lint format clean bench package galaxy-import docs docs-check

help:
	@echo "make demo   - run the example playbook against the bundled Graph emulator"
	@echo "make test   - unit, integration, sanity, lint and docs checks"
	@echo "make docs   - build the HTML docs offline into .build/docsite/build/html"
	@echo "make bench  - measure purge throughput and per-task cost against the emulator"
	@echo "make clean  - remove the virtual environment and build output"

$(BIN)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

venv: $(BIN)/.installed

# The collection as Ansible finds it: ansible_collections/graphops/directory pointing at this tree.
collection:
	@mkdir -p $(COLLECTIONS)/ansible_collections/graphops
	@ln -sfn $(CURDIR) $(COLLECTIONS)/ansible_collections/graphops/directory

demo: venv collection
	$(BIN)/python tests/demo/run_demo.py --collections $(COLLECTIONS) --work $(BUILD)/demo

test: unit integration sanity lint galaxy-import docs-check

unit: venv collection
	PYTHONPATH=$(COLLECTIONS):tests/emulator $(BIN)/pytest -p no:cacheprovider -q tests/unit

integration: venv collection
	PYTHONPATH=$(COLLECTIONS):tests/emulator GRAPHOPS_COLLECTIONS=$(COLLECTIONS) \
		$(BIN)/pytest -p no:cacheprovider -q -n 2 tests/integration

# ansible-test needs a real copy under ansible_collections/; git lists what belongs in it.
sanity: venv
	rm -rf $(BUILD)/sanity && mkdir -p $(SANITY_ROOT)
	git ls-files -co --exclude-standard | grep -v '^tests/output/' | tar -cf - -T - | tar -xf - -C $(SANITY_ROOT)
	# ansible-test lists files with git; without a repository of its own the copy would be read
	# through this tree's, which ignores .build/, and every target would be skipped.
	git -C $(SANITY_ROOT) init --quiet
	mkdir -p $(SANITY_HOME)/.ansible/test/cache
	cp tests/sanity/get_pip.py $(SANITY_HOME)/.ansible/test/cache/get_pip_24_2.py
	cd $(SANITY_ROOT) && HOME=$(SANITY_HOME) $(abspath $(BIN))/ansible-test sanity --venv --python 3.11 --color no

# ansible-lint resolves the action group in the example playbooks through the collection link.
lint: venv collection
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	PATH=$(abspath $(BIN)):$$PATH ANSIBLE_COLLECTIONS_PATH=$(COLLECTIONS) $(BIN)/ansible-lint
	$(BIN)/antsibull-changelog lint
	$(BIN)/antsibull-changelog lint-changelog-yaml changelogs/changelog.yaml

# Times four ways to purge the recycle bin against the emulator (docs/benchmark.md); writes bench/results/.
bench: venv collection
	$(BIN)/python bench/run_bench.py --collections $(COLLECTIONS)

format: venv
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) $(BUILD) tests/output .pytest_cache .ruff_cache .hypothesis

# The tarball Galaxy and Automation Hub take, built as `ansible-galaxy collection build` builds it.
DIST := $(BUILD)/dist
package: venv
	rm -rf $(DIST) && mkdir -p $(DIST)
	$(BIN)/ansible-galaxy collection build --output-path $(DIST)

# The checks Galaxy runs on an upload, offline; galaxy-importer pins its own ansible-lint, so it has a
# virtual environment of its own. Any warning or error fails.
IMPORTER := $(BUILD)/importer-venv
$(IMPORTER)/.installed:
	$(PYTHON) -m venv $(IMPORTER)
	$(IMPORTER)/bin/pip install --quiet --upgrade pip
	$(IMPORTER)/bin/pip install --quiet galaxy-importer==0.4.44 ansible-core==2.19.14
	touch $@

galaxy-import: package $(IMPORTER)/.installed
	cd $(BUILD) && PATH=$(abspath $(IMPORTER))/bin:$$PATH GALAXY_IMPORTER_CONFIG=$(CURDIR)/tests/galaxy/importer.cfg \
		$(abspath $(IMPORTER))/bin/python -m galaxy_importer.main $(abspath $(DIST))/graphops-directory-*.tar.gz \
		> importer.log 2>&1; status=$$?; cat importer.log; \
		if [ $$status -ne 0 ] || grep -E '^(WARNING|ERROR)' importer.log; then echo "galaxy-importer: not clean"; exit 1; fi

# The docsite: the guides in docs/docsite/ and the plugin reference, built offline with antsibull-docs and
# Sphinx into .build/docsite/build/html. conf_offline.py.in keeps intersphinx from fetching; any warning fails.
DOCSITE := $(BUILD)/docsite
DOCS_ENV := ANSIBLE_COLLECTIONS_PATH=$(COLLECTIONS) PATH=$(abspath $(BIN)):$$PATH
docs: venv collection
	rm -rf $(DOCSITE) && mkdir -p $(DOCSITE) && chmod 755 $(DOCSITE)
	$(DOCS_ENV) $(BIN)/antsibull-docs sphinx-init --use-current --squash-hierarchy --fail-on-error \
		--project graphops.directory --title graphops.directory \
		--copyright "Contributors to the graphops.directory collection" \
		--dest-dir $(DOCSITE) graphops.directory > /dev/null
	cat docs/docsite/conf_offline.py.in >> $(DOCSITE)/conf.py
	mkdir -p $(DOCSITE)/rst && chmod 755 $(DOCSITE)/rst
	$(DOCS_ENV) $(BIN)/antsibull-docs collection --use-current --squash-hierarchy --fail-on-error \
		--dest-dir $(DOCSITE)/rst graphops.directory
	$(BIN)/sphinx-build -M html $(DOCSITE)/rst $(DOCSITE)/build -c $(DOCSITE) -W --keep-going -q

# The plugin docs and guides as the Ansible docsite lints them, then the build above.
docs-check: venv collection
	$(DOCS_ENV) $(BIN)/antsibull-docs lint-collection-docs --plugin-docs --check-extra-docs-refs .
	$(MAKE) --no-print-directory docs
