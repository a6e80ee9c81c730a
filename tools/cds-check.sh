#!/usr/bin/env bash
# tools/cds-check.sh ARCHIVE JAR: fails (exit 1, one line saying what it expected and found) unless the class-data
# sharing archive `make cds` dumped maps (-Xshare:on refuses to run otherwise) and a run of the CLI through it
# takes picocli from the archive with no class verified at run time in the old (Java 5) format: what compiling
# picocli for Java 17 (cli/picocli.gradle) is for. Run by `make cds` after each dump.
set -euo pipefail
archive=$1
jar=$2
log=$(java -Xshare:on "-XX:SharedArchiveFile=$archive" -XX:TieredStopAtLevel=1 -Xlog:class+load=info \
  -Xlog:verification=info -jar "$jar" --help 2>&1) || {
  echo "cds-check: $archive: expected an archive that maps, found: $(printf '%s\n' "$log" | tail -1)" >&2
  exit 1
}
if ! grep -q '^\[.*picocli\.CommandLine source: shared objects file' <<<"$log"; then
  found=$(grep -m1 'picocli\.CommandLine source:' <<<"$log" || echo "no picocli.CommandLine loaded")
  echo "cds-check: $archive: expected picocli.CommandLine from the archive, found: ${found##*] }" >&2
  exit 1
fi
old=$(grep -c 'with old format' <<<"$log" || true)
if ((old > 0)); then
  first=$(grep -m1 'with old format' <<<"$log")
  echo "cds-check: $archive: expected no class verified at run time in the old format, found $old" \
    "(first: ${first##*] })" >&2
  exit 1
fi
echo "cds-check: $archive: picocli from the archive, no old-format verification at run time"
