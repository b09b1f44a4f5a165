#!/usr/bin/env bash
# Runs the benchmark suites and checks them against the thresholds committed in Thresholds/.
#
# Exit status: 0 when no metric is worse than its threshold allows (metrics better than their thresholds are listed
# but pass: refresh the thresholds with `swift package --disable-sandbox benchmark thresholds update`); 2 when one
# is worse; 124 when building or running took longer than its limit; 1 when the run itself failed.
#
# It checks the engine and kernel suites, which take about a minute and a half, and which CI runs (.ci/run). The
# whole-run and checker suites take minutes more; check them with BENCHMARK_TARGETS="RunBenchmarks CheckerBenchmarks"
# (and a BENCHMARK_RUN_LIMIT of 900), or run every suite with `swift package --disable-sandbox benchmark`.
#
# Arguments are passed on to the check, for instance `--filter 'StartStopPair.*'` or `--path /some/thresholds`.
# Limits, in seconds, from the environment: BENCHMARK_BUILD_LIMIT (default 1200; a build from scratch takes about
# five minutes on two cores) and BENCHMARK_RUN_LIMIT (default 300; the run takes about a minute and a half).
set -euo pipefail
cd "$(dirname "$0")"

build_limit=${BENCHMARK_BUILD_LIMIT:-1200}
run_limit=${BENCHMARK_RUN_LIMIT:-300}
targets=()
for target in ${BENCHMARK_TARGETS:-EngineBenchmarks KernelBenchmarks}; do targets+=(--target "$target"); done

# Listing builds the plugin's tool and the suites, which keeps compilation out of the run's time limit.
timeout "$build_limit" swift package --disable-sandbox benchmark list "${targets[@]}" >/dev/null

# The plugin reports a regression or an improvement as a failure of `swift package` (status 1) naming which it was.
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
timeout "$run_limit" swift package --disable-sandbox benchmark thresholds check "${targets[@]}" --no-progress "$@" 2>&1 \
    | tee "$log" || status=${PIPESTATUS[0]}

if [ "$status" -eq 0 ]; then
    echo "check: every benchmark is within its thresholds"
elif [ "$status" -eq 124 ]; then
    echo "check: the run took longer than ${run_limit} s"
elif grep -q 'benchmarkThresholdRegression' "$log"; then
    echo "check: a benchmark is worse than its thresholds allow (see above)"
    status=2
elif grep -q 'benchmarkThresholdImprovement' "$log"; then
    echo "check: some benchmarks are better than their thresholds (see above); consider updating the thresholds"
    status=0
else
    echo "check: the benchmark run failed with status $status"
    status=1
fi
exit "$status"
