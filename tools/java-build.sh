#!/usr/bin/env bash
# Build the Java module. `test`: JUnit tests, the fat jar, and the library published to the local Maven
# repository (~/.m2), where the example app finds it. `jar`: only the fat jar. `install`: publish, no tests.
#
# Gradle is the build we document; when no Gradle can be had (see tools/gradle-bootstrap.sh), the same sources
# and tests are built by Maven from java/pom.xml, which writes the fat jar to the same path.
set -euo pipefail
cd "$(dirname "$0")/.."
goal=${1:-test}
case "$goal" in
  test) gradle_tasks=(:java:test :java:fatJar :java:publishToMavenLocal); mvn_flags=() ;;
  jar) gradle_tasks=(:java:fatJar); mvn_flags=(-DskipTests) ;;
  install) gradle_tasks=(:java:publishToMavenLocal); mvn_flags=(-DskipTests) ;;
  *) echo "usage: $0 test|jar|install" >&2; exit 2 ;;
esac

if gradle=$(tools/gradle-bootstrap.sh); then
  exec "$gradle" --console=plain "${gradle_tasks[@]}"
fi
echo "java-build: no Gradle available; building with Maven (java/pom.xml) instead" >&2
if [[ "$goal" == jar ]]; then
  exec mvn -B -ntp -f java/pom.xml "${mvn_flags[@]}" package
fi
exec mvn -B -ntp -f java/pom.xml "${mvn_flags[@]}" install
