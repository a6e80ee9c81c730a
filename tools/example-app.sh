#!/usr/bin/env bash
# Build and run examples/java-app with Maven and with Gradle. It depends on the library by its Maven
# coordinates only, and resolves the copy that `tools/java-build.sh test` published to the local Maven
# repository. Usage: tools/example-app.sh [MODEL]
set -euo pipefail
cd "$(dirname "$0")/.."
mnist="${DIGITBRIDGE_MNIST_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/digitbridge/mnist}"
model="${1:-models/deeper_cnn.onnx}"
[[ -f "$model" ]] || model=tests/data/models/linear.onnx

echo "example-app: Maven"
mvn -B -ntp -q -Dstyle.color=never -f examples/java-app/pom.xml compile exec:java -Dexec.args="$model $mnist"
echo "example-app: Gradle"
tools/gradle.sh -q -p examples/java-app run -Pmodel="$model" -Pmnist="$mnist"
