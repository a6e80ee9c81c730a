#!/usr/bin/env bash
# Print the path of a usable Gradle (>= 8.14) on stdout, or explain on stderr why there is none and exit 1.
#
# services.gradle.org is unreachable on our machines, so the official distribution zip is fetched from Maven
# Central, where it is republished as com.github.hazendaz.gradle:gradle:<version>:zip:bin. The download goes
# through `mvn dependency:copy`, so whatever mirror or proxy the user's Maven settings name is used as well.
# The zip is checked against Gradle's official SHA-256 before it is unpacked, and unpacked outside the tree.
set -euo pipefail

GRADLE_VERSION=8.14.3
GRADLE_SHA256=bd71102213493060956ec229d946beee57158dbd89d0e62b91bca0fa2c5f3531
DEPENDENCY_PLUGIN=org.apache.maven.plugins:maven-dependency-plugin:3.8.1
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/digitbridge/gradle"
HOME_DIR="$CACHE/gradle-$GRADLE_VERSION"
UNAVAILABLE="$CACHE/unavailable-$GRADLE_VERSION"

say() { echo "gradle-bootstrap: $*" >&2; }

# 1. A suitable Gradle already on PATH wins.
if command -v gradle >/dev/null 2>&1; then
  found=$(gradle --version 2>/dev/null | awk '/^Gradle /{print $2; exit}')
  major=${found%%.*}; rest=${found#*.}; minor=${rest%%.*}
  if [[ "$major" =~ ^[0-9]+$ ]] && { ((major > 8)) || { ((major == 8)) && ((${minor:-0} >= 14)); }; }; then
    command -v gradle
    exit 0
  fi
  say "ignoring gradle $found on PATH (need >= 8.14)"
fi

# 2. One we unpacked before.
if [[ -x "$HOME_DIR/bin/gradle" ]]; then
  echo "$HOME_DIR/bin/gradle"
  exit 0
fi

# 3. A recent failed attempt: don't pay for it again on every build (retried after a day).
if [[ -n "$(find "$UNAVAILABLE" -mmin -1440 2>/dev/null)" ]]; then
  say "Gradle $GRADLE_VERSION could not be fetched $(cat "$UNAVAILABLE"); delete $UNAVAILABLE to retry now"
  exit 1
fi

# 4. Fetch through Maven, verify, unpack.
mkdir -p "$CACHE"
download="$CACHE/download"
zip="$download/gradle-$GRADLE_VERSION-bin.zip"
if [[ ! -f "$zip" ]]; then
  say "fetching com.github.hazendaz.gradle:gradle:$GRADLE_VERSION:zip:bin through Maven"
  if ! mvn -q -B -U "$DEPENDENCY_PLUGIN:copy" \
      -Dartifact="com.github.hazendaz.gradle:gradle:$GRADLE_VERSION:zip:bin" \
      -DoutputDirectory="$download" -Dmdep.stripVersion=false >"$CACHE/mvn.log" 2>&1; then
    date -u +"on %Y-%m-%dT%H:%MZ (Maven could not resolve the artifact; log: $CACHE/mvn.log)" >"$UNAVAILABLE"
    say "Maven could not resolve com.github.hazendaz.gradle:gradle:$GRADLE_VERSION:zip:bin (log: $CACHE/mvn.log)"
    exit 1
  fi
fi
actual=$(sha256sum "$zip" | cut -d' ' -f1)
if [[ "$actual" != "$GRADLE_SHA256" ]]; then
  rm -f "$zip"
  say "$zip: expected sha256 $GRADLE_SHA256 (Gradle's official checksum), found $actual; deleted it"
  exit 1
fi
staging=$(mktemp -d "$CACHE/unpack.XXXXXX")
trap 'rm -rf "$staging"' EXIT
unzip -q "$zip" -d "$staging"
mv "$staging/gradle-$GRADLE_VERSION" "$HOME_DIR"
rm -f "$UNAVAILABLE"
say "Gradle $GRADLE_VERSION verified and unpacked in $HOME_DIR"
echo "$HOME_DIR/bin/gradle"
