#!/usr/bin/env bash
# Build the Java library with Gradle. `test`: the formatting check, the JUnit tests, the fat jar, and the
# library published to the local Maven repository (~/.m2), where the example app finds it. `jar`: only the fat
# jar. `install`: publish, no tests.
set -euo pipefail
cd "$(dirname "$0")/.."
case "${1:-test}" in
  test) exec tools/gradle.sh formatCheck test fatJar publishToMavenLocal ;;
  jar) exec tools/gradle.sh fatJar ;;
  install) exec tools/gradle.sh publishToMavenLocal ;;
  *) echo "usage: $0 test|jar|install" >&2; exit 2 ;;
esac
