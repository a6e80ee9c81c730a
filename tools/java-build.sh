#!/usr/bin/env bash
# Build the Java library (java/) and its CLI (cli/) with Gradle. `test`: the formatting check and the JUnit tests
# of both projects, the CLI's fat jar, and both artifacts published to the local Maven repository (~/.m2), where
# the example app finds the library. `jar`: only the fat jar. `install`: publish, no tests. Further arguments go to
# Gradle (`jar -Pgpu`: the CUDA build of ONNX Runtime).
set -euo pipefail
cd "$(dirname "$0")/.."
task=${1:-test}
shift || true
case "$task" in
  test) exec tools/gradle.sh formatCheck test :cli:fatJar publishToMavenLocal "$@" ;;
  jar) exec tools/gradle.sh :cli:fatJar "$@" ;;
  install) exec tools/gradle.sh publishToMavenLocal "$@" ;;
  *) echo "usage: $0 test|jar|install" >&2; exit 2 ;;
esac
