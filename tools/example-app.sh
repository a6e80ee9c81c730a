#!/usr/bin/env bash
# Build and run examples/java-app, which depends on the library by its Maven coordinates, against the copy
# that `tools/java-build.sh test` published to the local Maven repository. Usage: tools/example-app.sh [MODEL]
set -euo pipefail
cd "$(dirname "$0")/.."
mnist="${DIGITBRIDGE_MNIST_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/digitbridge/mnist}"
model="${1:-models/deeper_cnn.onnx}"
[[ -f "$model" ]] || model=tests/data/models/linear.onnx
if gradle=$(tools/gradle-bootstrap.sh 2>/dev/null); then
  exec "$gradle" --console=plain -p examples/java-app run --args="$model $mnist"
fi
exec mvn -B -ntp -q -f examples/java-app/pom.xml compile exec:java -Dexec.args="$model $mnist"
