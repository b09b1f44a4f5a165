#!/usr/bin/env bash
# Fuzzes the scenario reader with libFuzzer for FUZZ_SECONDS (default 60): builds Fuzz/ScenarioFuzz with
# -sanitize=fuzzer,address into .build-fuzz, starts from the committed corpus (Fuzz/corpus), the shipped scenarios
# and the bad-file fixtures, and mutates with the words of Fuzz/scenario.dict. Each input must be decoded or
# rejected with a position; a crash, an input slower than 10 s, more than 1 GB in one allocation or 2 GB in all,
# or a rejection without a line and column stops it with exit status 1 and the input in $FUZZ_FINDINGS
# (default .build-fuzz/findings/): make it a fixture in Tests/Fixtures/fuzz and list it in FuzzFindingTests.
# FUZZ_MERGE=1 folds what the run found into Fuzz/corpus afterwards, keeping only inputs that add coverage.
set -euo pipefail
cd "$(dirname "$0")"

seconds=${FUZZ_SECONDS:-60}
findings=${FUZZ_FINDINGS:-../.build-fuzz/findings/}
# The C of libyaml (inside Yams) is instrumented too, so that coverage of the YAML parser guides the mutations.
swift build --scratch-path ../.build-fuzz -c debug -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library -Xcc -fsanitize=fuzzer-no-link,address
fuzzer=../.build-fuzz/debug/ScenarioFuzz

# The run grows a copy, so that the committed corpus changes only when asked to.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp corpus/* "$work/"
mkdir -p "$findings"
"$fuzzer" "$work" ../Scenarios ../Tests/Fixtures \
  -dict=scenario.dict -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=1024 -max_len=16384 \
  -artifact_prefix="$findings" -print_final_stats=1
if [ "${FUZZ_MERGE:-0}" = 1 ]; then
  "$fuzzer" -merge=1 -max_len=16384 corpus "$work"
fi
