#!/usr/bin/env bash
# `make mutation [MODULE=name] [LANGUAGE=python|java]`: mutation testing of the core (tools/mutation.py says what runs and how it is
# counted). This script does the set-up, each step skipped when already done:
#   - .venv-mutation: mutmut and its dependencies, every file verified by SHA-256 (tools/mutation-requirements.txt);
#   - build/mutation/pit: PIT's command line and JUnit 5 plugin from Maven Central, each jar's SHA-256 verified;
#   - the Java library's main and test classes, compiled by Gradle, and the classpath Gradle resolved for them.
# With LANGUAGE=python only the first. MUTATION_PYTHON is the interpreter the tests run with (the project's venv by
# default); MUTATION_ARGS more options for tools/mutation.py (--limit 5: a smoke run; --reuse: keep the last kills).
set -euo pipefail
cd "$(dirname "$0")/.."

MODULE=${1:-all}
LANGUAGE=${2:-both} # both, python or java
MUTATION_PYTHON=${MUTATION_PYTHON:-.venv/bin/python}
VENV=.venv-mutation
OUT=build/mutation
PIT=$OUT/pit
CENTRAL=${MAVEN_REPO_URL:-https://repo1.maven.org/maven2}

say() { echo "mutation: $*" >&2; }

[[ -x "$MUTATION_PYTHON" ]] || { say "no Python at $MUTATION_PYTHON: run \`make venv\` or set MUTATION_PYTHON"; exit 2; }
# Absolute, as the runner starts it from its own copy of the tree; the directory only is resolved, since resolving
# the venv's python symlink itself would leave the venv.
MUTATION_PYTHON="$(cd "$(dirname "$MUTATION_PYTHON")" && pwd)/$(basename "$MUTATION_PYTHON")"

if [[ ! -f $VENV/.installed || tools/mutation-requirements.txt -nt $VENV/.installed ]]; then
  say "installing mutmut into $VENV (hashes verified)"
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/python" -m pip install -q --require-hashes --no-deps -r tools/mutation-requirements.txt
  touch "$VENV/.installed"
fi

# group/artifact/version and the SHA-256 of the jar. PIT's other jars are shaded into these, except those listed.
JARS=(
  "org.pitest pitest 1.22.0 9b56e78cbe89a85f2eb6ae31ebd500cdbf51dbb6a9172d27bfb9277440eedd17"
  "org.pitest pitest-entry 1.22.0 506acb9c845dcf5a99ed8e96e4494caef5e43d3665a1a1389b66fa829687f724"
  "org.pitest pitest-command-line 1.22.0 ce3a834fb9c5e8108b74e844491939761328348e632881ee5ba5c768d93f6deb"
  "org.pitest pitest-html-report 1.22.0 f093a9fd422b9e4ebd325b80df731e9bb42fa88cac1fe13fa1b5d07560725674"
  "org.pitest pitest-junit5-plugin 1.2.3 d3e2fcc8db5fd52c0c4ac2fe0d937e64da3df39b657093a1581b5fd463f9be64"
  "net.sf.jopt-simple jopt-simple 4.9 26c5856e954b5f864db76f13b86919b59c6eecf9fd930b96baa8884626baf2f5"
  "org.apache.commons commons-text 1.14.0 121fce2282910c8f0c3ba793a5436b31beb710423cbe2d574a3fb7a73c508e92"
  "org.apache.commons commons-lang3 3.18.0 4eeeae8d20c078abb64b015ec158add383ac581571cddc45c68f0c9ae0230720"
)
mkdir -p "$PIT"
pit_classpath=""
[[ $LANGUAGE == python ]] && JARS=() # the Python tests need neither PIT nor the Java build
for entry in "${JARS[@]}"; do
  read -r group artifact version sha <<<"$entry"
  jar=$PIT/$artifact-$version.jar
  if [[ ! -f $jar ]]; then
    say "fetching $artifact $version"
    curl -sSfL -o "$jar.part" "$CENTRAL/${group//.//}/$artifact/$version/$artifact-$version.jar"
    if [[ $(sha256sum "$jar.part" | cut -c1-64) != "$sha" ]]; then
      rm -f "$jar.part"
      say "$artifact-$version.jar: checksum mismatch: expected SHA-256 $sha, found another; not used"
      exit 1
    fi
    mv "$jar.part" "$jar"
  fi
  pit_classpath+=${pit_classpath:+:}$jar
done

# The classes PIT mutates and the tests it runs, as Gradle built and resolved them (tools/mutation-classpath.gradle).
if [[ $LANGUAGE != python ]]; then
  say "compiling the Java library and its tests"
  tools/gradle.sh -q --init-script tools/mutation-classpath.gradle :java:printMutationClasspath \
    | grep '^mutation\.' >"$OUT/java.properties"
fi

exec "$VENV/bin/python" tools/mutation.py --module "$MODULE" --language "$LANGUAGE" --python "$MUTATION_PYTHON" \
  --pit-classpath "$pit_classpath" --java-properties "$OUT/java.properties" --out "$OUT" ${MUTATION_ARGS:-}
