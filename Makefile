# The commands a person types. Each target does its own set-up and is quick when already set up.
#   make test     `gradle test` (JUnit) and the example app, pytest, then the wheel installed and run outside
#                 the checkout
#   make wheel    dist/digitbridge-*.whl: the package with our jars and the shipped models
#   make compare  the main job: fetch data, build the jar, check both runtimes/readers agree
#   make mutation mutation testing of the core (about 30 minutes; MODULE=name runs one module), not part of test
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
VPY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
JAR := cli/build/libs/digitbridge-all.jar
JAVA_SOURCES := $(shell find java/src/main cli/src/main -name '*.java' 2>/dev/null) java/build.gradle java/gradle-4.gradle \
	cli/build.gradle cli/gradle-4.gradle build.gradle settings.gradle gradle.properties

.PHONY: test compare mutation venv data jar java-test py-test wheel wheel-test lint fixtures bench soak install-java models clean

test: java-test py-test wheel-test

# The main job: every shipped model, the JVM against Python ONNX Runtime, image by image.
compare: data $(JAR)
	$(VPY) -m pybridge.data summary --jar $(JAR)
	$(VPY) -m pybridge.compare --report reports/parity --json reports/parity/parity.json

venv: $(STAMP)

# Reinstalled whenever the pins change. --no-build-isolation is not needed: setuptools comes with the venv.
$(STAMP): pyproject.toml constraints.txt
	@test -x $(VPY) || $(PYTHON) -m venv $(VENV)
	$(VPY) -m pip install -q -c constraints.txt -e '.[train,dev]'
	@touch $@

FASHION := /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

data: $(STAMP) $(FASHION)
	$(VPY) -m pybridge.data fetch

# Fashion-MNIST comes from Debian's package; the tests prove a second IDX dataset flows through the system.
$(FASHION):
	$(SUDO) apt-get update -q
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q dataset-fashion-mnist

# Java tests read real MNIST, so the data comes first. tools/gradle.sh installs Debian's Gradle when none is on
# PATH. The example app is a separate build (Maven and Gradle) that depends on the library by its Maven
# coordinates, as a user's application would.
java-test: data
	tools/java-build.sh test
	tools/example-app.sh

$(JAR): $(JAVA_SOURCES)
	tools/java-build.sh jar

jar: $(JAR)

# The wheel carries our thin jars (not the fat jar) and the shipped models; third-party jars are fetched on first
# use and verified (pybridge/javadeps.py). Built from a staged copy, so the checkout keeps its own layout.
wheel:
	PYTHON=$(PYTHON) tools/wheel-build.sh

# The wheel in a new virtualenv in a temporary directory with its own HOME: compare and predict there.
wheel-test: wheel
	PYTHON=$(PYTHON) tools/wheel-test.sh

CHROMIUM := /usr/bin/chromium

py-test: $(STAMP) data $(JAR) $(CHROMIUM)
	$(VPY) -m pytest

# The report tests render the HTML report in headless Chromium, from Debian's package.
$(CHROMIUM):
	$(SUDO) apt-get update -q
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q chromium

lint: $(STAMP)
	$(VPY) -m ruff check pybridge training tests
	$(VPY) -m ruff format --check pybridge training tests

fixtures: $(STAMP)
	$(VPY) tests/data/make_idx_fixtures.py

bench: data $(JAR)
	$(VPY) -m pybridge.bench_idx --jar $(JAR)
	$(VPY) -m pybridge.bench_idx --memory --elements 268435455 --jar $(JAR)
	$(VPY) -m pybridge.bench_infer --model models/deeper_cnn.onnx --threads 1
	$(VPY) -m pybridge.bench_infer --model models/deeper_cnn.onnx --threads 2

# Soak: 8 threads on one classifier, 1,000 open/close cycles and 10,000 failing bridge calls, each in one
# process with RSS growth after warm-up held under 5% (about a minute on 2 cores). Exit 1 when a bound is missed.
soak: data $(JAR)
	$(VPY) -m pybridge.soak --model models/mlp.onnx

# Rebuilds every shipped model and card, and the CV figures, from scratch (about two hours on 2 cores).
# A command, not part of `make test`. Continues past a model that misses its target and fails at the end.
ZOO = $(shell $(VPY) -c 'import training; print(*training.ZOO)')
CV_MODELS := baseline_cnn deeper_cnn
models: data
	@status=0; \
	for m in $(CV_MODELS); do $(VPY) -m training.cv --model $$m --out models/cv || status=1; done; \
	for m in $(ZOO); do $(VPY) -m training.train --model $$m --out models || status=1; done; \
	exit $$status

# Mutation testing: PIT for the Java library, mutmut for pybridge's core; per-module table, survivors in
# reports/mutation/survivors.txt, exit 1 when a module misses its target (tools/mutation.py lists them).
MODULE ?= all
LANGUAGE ?= both
MUTATION_PYTHON ?= $(VPY)
mutation:
	MUTATION_PYTHON=$(MUTATION_PYTHON) nice -n 10 tools/mutation.sh $(MODULE) $(LANGUAGE)

install-java:
	tools/java-build.sh install

clean:
	rm -rf java/build cli/build build dist .pytest_cache
