#!/usr/bin/env bash
# Run Gradle for this repository: `tools/gradle.sh TASK...` runs a Gradle that can build it, installing one first
# when none is on PATH.
#
# The build serves two Gradle generations (java/build.gradle, cli/build.gradle): 8 and newer read the main
# scripts, 4.4 an applied compatibility file. No registry our machines reach carries a modern Gradle distribution, so when PATH has no
# Gradle of either kind, Debian's package `gradle` (4.4.1, runs on JDK 17) is installed with apt-get.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { echo "gradle: $*" >&2; }

usable() { # prints the version of the Gradle at $1 when this build supports it
  local version major minor
  version=$("$1" --version 2>/dev/null | awk '/^Gradle /{print $2; exit}') || return 1
  major=${version%%.*}; minor=${version#*.}; minor=${minor%%.*}
  [[ "$major" =~ ^[0-9]+$ && "$minor" =~ ^[0-9]+$ ]] || return 1
  if ((major >= 8)) || { ((major == 4)) && ((minor == 4)); }; then
    echo "$version"
    return 0
  fi
  return 1
}

gradle=""
for candidate in "$(command -v gradle || true)" /usr/bin/gradle; do
  [[ -n "$candidate" && -x "$candidate" ]] || continue
  if version=$(usable "$candidate"); then gradle=$candidate; break; fi
  say "ignoring $candidate ($("$candidate" --version 2>/dev/null | awk '/^Gradle /{print $2; exit}')):" \
    "this build is written for Gradle 8 or newer, and 4.4"
done

if [[ -z "$gradle" ]]; then
  say "no usable Gradle on PATH; installing Debian's package gradle"
  sudo=""; [[ $(id -u) == 0 ]] || sudo=sudo
  $sudo apt-get update -q >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q gradle >&2
  gradle=/usr/bin/gradle
  version=$(usable "$gradle") || { say "Debian's gradle at $gradle does not run: $("$gradle" --version 2>&1 | tail -1)"; exit 1; }
fi

say "Gradle $version ($gradle): $*"
# No daemon: one build per command, nothing left running after CI.
exec "$gradle" --no-daemon --console=plain "$@"
