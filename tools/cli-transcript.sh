#!/usr/bin/env bash
# What the Java CLI prints for its help and its usage errors, one block per command line:
#   tools/cli-transcript.sh JAR > cli/src/test/resources/io/github/digitbridge/cli/usage-transcript.txt
# UsageTranscriptTest runs each command line of that file in process and expects the same blocks, so a change to
# an option's name, arity, default, converter or description, or to a help text, shows up as a diff. None of these
# command lines reads a file or opens a model: each one ends at picocli or at a check of an option's value.
set -euo pipefail
jar="$1"
cases=(
  ""
  "--help"
  "idx-info --help"
  "dataset-info --help"
  "bench-idx --help"
  "info --help"
  "predict --help"
  "evaluate --help"
  "pack --help"
  "bench-infer --help"
  "--debug predict --help"
  "evaluate --debug -h"
  "nosuch"
  "predicts --help"
  "predict"
  "predict --bogus x.png"
  "predict --top x x.png"
  "predict --top 0 x.png"
  "predict --batch 0 x.png"
  "predict --threads -1 x.png"
  "predict --provider gpu x.png"
  "predict --mode foo x.png"
  "predict --segment --mode raw x.png"
  "predict --model"
  "predict --json=yes x.png"
  "evaluate"
  "evaluate --model m.onnx"
  "evaluate --model m.onnx --data d --images i --labels l"
  "evaluate --model m.onnx --images i"
  "evaluate --model m.onnx --data d --data e"
  "evaluate --model m.onnx --data d --batch 0"
  "evaluate --model m.onnx --data d --threads x"
  "evaluate --model m.onnx --data d extra"
  "evaluate --data d"
  "idx-info"
  "idx-info --json=x a"
  "dataset-info --images a"
  "dataset-info --images a --labels b c"
  "bench-idx"
  "bench-idx a b"
  "bench-idx a --repeat x"
  "bench-idx a --repeat 0"
  "info"
  "info --model m --provider x"
  "info --model m --batch 0"
  "pack"
  "pack src"
  "pack src --out o --on-error maybe"
  "pack src --out o --on-error FAIL --test-percent x"
  "pack src --out o --prefix"
  "bench-infer --model m"
  "bench-infer --model m --images i --limit x"
  "bench-infer --model m --images i --warmup x"
  "bench-infer --model m --images i --batch 0"
)
for line in "${cases[@]}"; do
  out="$(mktemp)"
  err="$(mktemp)"
  status=0
  # shellcheck disable=SC2086 # the words of the case are the arguments
  java -jar "$jar" $line >"$out" 2>"$err" || status=$?
  printf '$ %s\nexit %d\n--- stdout\n' "$line" "$status"
  [[ -s "$out" ]] && printf '%s\n' "$(cat "$out")"
  printf -- '--- stderr\n'
  # picocli's own warnings go to the JVM's standard error, not to the command's: an in-process run cannot see them.
  grep -v '^\[picocli ' "$err" >"$out.err" || true
  [[ -s "$out.err" ]] && printf '%s\n' "$(cat "$out.err")"
  rm -f "$out" "$err" "$out.err"
done
