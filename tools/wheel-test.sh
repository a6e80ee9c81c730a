#!/usr/bin/env bash
# The test that the package is real: the built wheel installed into a new virtualenv in a temporary directory,
# away from this checkout, with its own HOME and user cache, so the package fetches and verifies the
# third-party jars from the Maven repository itself (Maven Central, or $DIGITBRIDGE_MAVEN_REPO). Then, from that
# directory: compare without network and nothing cached (one clear error), `digitbridge compare --limit 1000`
# on the shipped models (exit 0, every model PASS), the same again with the Maven repository unreachable (the
# cache must suffice), and `digitbridge predict` on one image.
# MNIST: the existing user cache's copy is reused (read-only) when present, to keep the cost down; otherwise, or
# with WHEEL_TEST_FETCH_MNIST=1, the installed package fetches it into the temporary cache.
# Needs dist/digitbridge-*.whl (tools/wheel-build.sh). Pinned dependencies come from constraints.txt and the
# pip cache (or PyPI).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3.11}
repo=$PWD
wheel=$(ls dist/digitbridge-*.whl)
image=tests/data/images/digit-002-black-on-white.png
mnist=${DIGITBRIDGE_MNIST_DIR:-$HOME/.cache/digitbridge/mnist}
pip_cache=$("$PYTHON" -m pip cache dir 2>/dev/null || echo "$HOME/.cache/pip")
tmp=$(mktemp -d /tmp/digitbridge-wheel-test.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

step() { printf '%s  %s\n' "$(date +%T)" "$*"; }

step "venv in $tmp"
"$PYTHON" -m venv "$tmp/venv"
# Pins: the package's own (exact, in its metadata) and their transitive ones (constraints.txt); ONNX Runtime by
# the `cpu` extra.
PIP_CACHE_DIR=$pip_cache "$tmp/venv/bin/python" -m pip install -q -c constraints.txt "$repo/$wheel[cpu]"
cp "$image" "$tmp/digit.png"

cd "$tmp"
export HOME=$tmp/home XDG_CACHE_HOME=$tmp/cache
mkdir -p "$HOME"
unset DIGITBRIDGE_JAVA_DEPS
if [[ -z ${WHEEL_TEST_FETCH_MNIST:-} && -f $mnist/t10k-images-idx3-ubyte.gz ]]; then
  step "MNIST: reusing $mnist"
  export DIGITBRIDGE_MNIST_DIR=$mnist
else
  step "MNIST: fetching into $XDG_CACHE_HOME"
  unset DIGITBRIDGE_MNIST_DIR
  venv/bin/python -m pybridge.data fetch
fi

models=$(venv/bin/python -c 'import pybridge.javadeps as j; print(len(list(j.models_dir().glob("*.onnx"))))')
# Nothing may come from the checkout: the package must be the installed one.
venv/bin/python -c 'import pybridge, sys; p = pybridge.__file__; sys.exit(f"imported {p}" if p.startswith(sys.argv[1]) else 0)' "$repo"

mlp=$(venv/bin/python -c 'import pybridge.javadeps as j; print(j.models_dir() / "mlp.onnx")')
step "compare, no network and nothing cached: one error line naming the jars"
if DIGITBRIDGE_MAVEN_REPO=http://127.0.0.1:9/unreachable venv/bin/digitbridge compare --limit 10 --models "$mlp" \
  2>err.txt >/dev/null; then
  echo "wheel-test: expected compare to fail without its Java dependencies" >&2; exit 1
fi
grep '^error: .*JAR_MISSING: expected onnxruntime-1.28.0.jar, jackson-databind-2.23.0.jar, ' err.txt

step "compare, first run ($models shipped models; fetches the Java dependencies)"
venv/bin/digitbridge compare --limit 1000 | tee compare.txt
passed=$(grep -cw PASS compare.txt || true)
[[ $passed -ge $models ]] || { echo "wheel-test: expected $models models PASS, found $passed" >&2; exit 1; }
ls -l "$XDG_CACHE_HOME/digitbridge/java"

step "compare, Maven repository unreachable (cache only)"
DIGITBRIDGE_MAVEN_REPO=http://127.0.0.1:9/unreachable venv/bin/digitbridge compare --limit 1000 --models "$mlp" \
  >/dev/null

step "predict"
venv/bin/digitbridge predict digit.png
step "wheel test passed"
