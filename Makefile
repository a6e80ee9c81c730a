# The commands a person types. Each target does its own set-up and is quick when already set up.
#   make test     `gradle test` (JUnit) and the example app, pytest, then the wheel installed and run outside
#                 the checkout
#   make wheel    dist/digitbridge-*.whl: the package with our jars and the shipped models
#   make compare  the main job: fetch data, build the jar, check both runtimes/readers agree
#   GPU=1         (with venv, jar, compare, ...) the CUDA builds of ONNX Runtime instead of the CPU ones
#   make gpu-check  CUDA against the CPU in both languages (needs an NVIDIA GPU; stops at once without one)
#   make drift    the shipped models in other ONNX Runtime versions (set up once from PyPI and Maven Central)
#   make mutation mutation testing of the core (about 30 minutes; MODULE=name runs one module), not part of test
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
VPY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
JAR := cli/build/libs/digitbridge-all.jar
# ONNX Runtime comes by an extra: `cpu` (onnxruntime) or, with GPU=1, `gpu` (onnxruntime-gpu with its CUDA and
# cuDNN wheels). Both wheels provide the same module, so switching uninstalls the other one first.
GPU ?=
ORT_EXTRA := $(if $(GPU),gpu,cpu)
ORT_OTHER := $(if $(GPU),onnxruntime,onnxruntime-gpu)
ORT_STAMP := $(VENV)/.ort-$(ORT_EXTRA)
# The Java build's flavour: -Pgpu puts com.microsoft.onnxruntime:onnxruntime_gpu in the jar.
JAR_FLAVOUR := cli/build/.ort-$(ORT_EXTRA)
DRIFT_RUNTIMES ?= python-ort,jvm-ort,python-ort@1.32.0,python-ort@1.30.0,jvm-ort@1.29.0,jvm-ort@1.26.0
JAVA_SOURCES := $(shell find java/src/main cli/src/main -name '*.java' 2>/dev/null) java/build.gradle java/gradle-4.gradle \
	cli/build.gradle cli/gradle-4.gradle cli/picocli.gradle build.gradle settings.gradle gradle.properties

.PHONY: test compare mutation venv data jar cds java-test py-test wheel wheel-test lint fixtures bench soak install-java models clean \
	gpu-check drift

test: java-test py-test wheel-test

# The main job: every shipped model, the JVM against Python ONNX Runtime, image by image.
compare: data $(JAR)
	$(VPY) -m pybridge.data summary --jar $(JAR)
	$(VPY) -m pybridge.compare --report reports/parity --json reports/parity/parity.json

venv: $(STAMP)

# Reinstalled whenever the pins or the ONNX Runtime flavour change. --no-build-isolation is not needed:
# setuptools comes with the venv.
$(STAMP): pyproject.toml constraints.txt $(ORT_STAMP)
	@test -x $(VPY) || $(PYTHON) -m venv $(VENV)
	$(VPY) -m pip install -q -c constraints.txt -e '.[$(ORT_EXTRA),train,dev]'
	@touch $@

$(ORT_STAMP):
	@test -x $(VPY) || $(PYTHON) -m venv $(VENV)
	$(VPY) -m pip uninstall -q -y $(ORT_OTHER) 2>/dev/null || true
	@rm -f $(VENV)/.ort-*; touch $@

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

$(JAR): $(JAVA_SOURCES) $(JAR_FLAVOUR)
	tools/java-build.sh jar $(if $(GPU),-Pgpu)

$(JAR_FLAVOUR):
	@mkdir -p $(@D); rm -f cli/build/.ort-*; touch $@

jar: $(JAR) cds

# The CLI's class-data sharing archive, for tools/digitbridge-java: the classes a `predict` and an `evaluate` load
# (listed by running each once), the JDK's among them, in one static archive. A dynamic archive of a `predict`
# on top of the JDK's own (-XX:ArchiveClassesAtExit) started it 0.09 s slower. The archive names the jar by its
# absolute path, as the launcher runs it. A rebuilt jar makes it stale; the launcher then ignores it.
# tools/cds-check.sh then fails the target unless picocli comes from the archive, verified when it was dumped.
CDS := cli/build/libs/digitbridge-all.jsa
CDS_IMAGE := tests/data/images/digit-030-mnist-polarity.png
CDS_DATA := --images tests/data/idx/ds_images.idx --labels tests/data/idx/ds_labels.idx

cds: $(CDS)

$(CDS): $(JAR)
	rm -f $@ $@.predict $@.evaluate $@.classes
	java -XX:DumpLoadedClassList=$@.predict -jar $(JAR) predict --model models/best.onnx $(CDS_IMAGE) >/dev/null
	java -XX:DumpLoadedClassList=$@.evaluate -jar $(JAR) evaluate --model models/best.onnx $(CDS_DATA) >/dev/null
	cat $@.predict $@.evaluate | awk '!seen[$$0]++' >$@.classes
	java -Xshare:dump -XX:SharedClassListFile=$@.classes -XX:SharedArchiveFile=$@ -cp $(CURDIR)/$(JAR) >/dev/null 2>&1
	rm -f $@.predict $@.evaluate $@.classes
	tools/cds-check.sh $@ $(CURDIR)/$(JAR) || { rm -f $@; exit 1; }

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

# Start-up twice: through tools/digitbridge-java, the way the README runs the CLI, and as plain `java -jar`.
# Every benchmark runs even when one before it misses a target (exit 1); make fails at the end, naming them.
BENCHES := "pybridge.bench_start --compare-memory" \
	"pybridge.bench_start --jvm java-jar --jar $(JAR)" \
	"pybridge.bench_idx --jar $(JAR)" \
	"pybridge.bench_idx --memory --elements 268435455 --jar $(JAR)" \
	"pybridge.bench_infer --model models/deeper_cnn.onnx --threads 1" \
	"pybridge.bench_infer --model models/deeper_cnn.onnx --threads 2" \
	"pybridge.bench_batch --jar $(JAR)"
bench: data $(JAR) $(CDS)
	@missed=; for b in $(BENCHES); do echo "== python -m $$b"; $(VPY) -m $$b || missed="$$missed\n  python -m $$b"; done; \
	if [ -n "$$missed" ]; then printf "bench: missed or failed:$$missed\n"; exit 1; fi

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

# CUDA against the CPU over every shipped model, in Python and the JVM, with TF32 and in strict float32. The GPU is
# looked for before anything is installed: without one, one line and exit 2.
gpu-check:
	@$(PYTHON) -c 'import sys; sys.path.insert(0, "."); from pybridge import gpucheck; \
		sys.exit(0 if gpucheck.gpus()[0] else gpucheck.main([]))'
	$(MAKE) GPU=1 data jar
	$(VPY) -m pybridge.gpucheck --report reports/gpu

# Version drift: every shipped model in the ONNX Runtime versions of DRIFT_RUNTIMES against ours, each other
# version in its own process (a venv or jar set up once, hashes recorded, in ~/.cache/digitbridge/ort).
drift: data $(JAR)
	$(VPY) -m pybridge.compare --runtimes $(DRIFT_RUNTIMES) --json reports/drift/drift.json

# Mutation testing: PIT for the Java library, mutmut's mutants of pybridge's core; per-module table, survivors in
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
