#!/usr/bin/env bash
# Build the wheel a Python user installs: pybridge and training, our own thin jars (library and CLI) and the
# shipped models as package data under pybridge/_bundle. Third-party jars are not in it: the package fetches them
# once, verified by SHA-256 (pybridge/javadeps.py). The package is staged in build/wheel-src so the checkout never
# holds a _bundle (a checkout uses its own build outputs). Writes dist/digitbridge-<version>-py3-none-any.whl and
# the sdist dist/digitbridge-<version>.tar.gz (the same staged files: a wheel built from it holds the bundle too).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3.11}
tools/gradle.sh -q :java:jar :cli:jar
stage=build/wheel-src
rm -rf "$stage"
mkdir -p "$stage/pybridge/_bundle/java" "$stage/pybridge/_bundle/models" dist
cp pyproject.toml README.md "$stage/"
tar --exclude=__pycache__ -cf - pybridge training | tar -xf - -C "$stage"
cp java/build/libs/digitbridge-0.1.0.jar cli/build/libs/digitbridge-cli-0.1.0.jar "$stage/pybridge/_bundle/java/"
# Not the Keras originals (models/*.keras): the keras runtime needs TensorFlow, which the wheel does not bring.
cp models/*.onnx models/*.json "$stage/pybridge/_bundle/models/"
rm -f dist/digitbridge-*.whl dist/digitbridge-*.tar.gz
"$PYTHON" -m pip wheel -q --no-deps -w dist "$stage"
(cd "$stage" && PYTHONWARNINGS=ignore "$PYTHON" -c 'import sys; from setuptools import build_meta; build_meta.build_sdist(sys.argv[1])' \
  "$OLDPWD/dist" >/dev/null)
ls -l dist/digitbridge-*
