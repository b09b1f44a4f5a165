#!/usr/bin/env bash
# The race: Binoculars against SimPy on the same workload, the reference centre of
# Benchmarks/peers/reference.yaml (Binoculars) and reference_simpy.py (SimPy 4), one seed.
#
#   Benchmarks/peers/race.sh                 # seed 1, one run of each
#   RACE_RUNS=3 Benchmarks/peers/race.sh     # three alternating runs of each; the best wall time counts
#   RACE_SEED=7 Benchmarks/peers/race.sh     # another seed
#
# Binoculars runs the real engine with every check on (the engine's invariants after every
# command, the lock observer, the linearizability check of the lock history) on one core
# (--jobs 1), and writes its result files. SimPy runs in one Python process. Both are timed the
# same way: the wall time of the whole process, start to exit (bash's `time`), one after the
# other, never at once; the ratio uses these wall times. CPU time is printed beside them, as it
# is less disturbed by other work on the machine. Each counts its own events: Binoculars the
# events its kernel processed (summary.json `events`), SimPy the events its environment
# processed (scheduled minus still pending). The last line is
# `ratio binoculars/simpy: <SimPy wall time / Binoculars wall time>`, above 1 when Binoculars
# is faster.
set -euo pipefail
cd "$(dirname "$0")/../.."

seed="${RACE_SEED:-1}"
runs="${RACE_RUNS:-1}"
python="${PYTHON:-python3}"

if ! "$python" -c 'import simpy' 2>/dev/null; then
    "$python" -m pip install --quiet simpy==4.1.2
fi
swift build -c release >&2

work="$(mktemp -d "${TMPDIR:-/tmp}/binoculars-race.XXXXXX")"
trap 'rm -rf "$work"' EXIT

# Each side is timed by bash's `time`: the process's wall time (real), and its CPU time (user + sys).
TIMEFORMAT='%3R %3U %3S'

failed() { cat "$work/$1.txt" "$work/$1.err" >&2; echo "race: $1 failed" >&2; exit 1; }

for run in $(seq 1 "$runs"); do
    # Binoculars: one run on one core; exit status 1 if any check failed.
    rm -rf "$work/binoculars"
    { time .build/release/binoculars run Benchmarks/peers/reference.yaml --seed "$seed" --jobs 1 \
        --out "$work/binoculars" > "$work/binoculars.txt" 2> "$work/binoculars.err" ; } \
        2> "$work/binoculars.$run.time" || failed binoculars
    cp "$work/binoculars/reference/$seed/timing.json" "$work/binoculars.$run.timing.json"

    # SimPy: one run in one process.
    { time "$python" Benchmarks/peers/reference_simpy.py --seed "$seed" --out "$work/simpy.$run.json" \
        > "$work/simpy.txt" 2> "$work/simpy.err" ; } \
        2> "$work/simpy.$run.time" || failed simpy
done

"$python" - "$work" "$seed" "$runs" <<'EOF'
import json, sys
work, seed, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])


def timed(name, run):
    with open(f"{work}/{name}.{run}.time") as f:
        real, user, system = (float(x) for x in f.read().split())
    return real, user + system


with open(f"{work}/binoculars/reference/{seed}/summary.json") as f:
    b = json.load(f)
assert b["invariants"]["held"], "Binoculars: an invariant failed"
with open(f"{work}/simpy.1.json") as f:
    s = json.load(f)["summary"]
print(f"workload: reference centre, seed {seed}, {b['simulatedSeconds'] / 3600:.0f} simulated hours, "
      f"{b['agents']} agents, {b['supervisors']} supervisors; Binoculars {b['conversations']} conversations, "
      f"{b['events']} own events; {s['engine']} {s['conversations']} conversations, {s['events']} own events")
best = {}
for run in range(1, runs + 1):
    with open(f"{work}/binoculars.{run}.timing.json") as f:
        b_inner = json.load(f)["wallSeconds"]
    with open(f"{work}/simpy.{run}.json") as f:
        s_inner = json.load(f)["timing"]["wallSeconds"]
    for name, summary, inner in (("binoculars", b, b_inner), ("simpy", s, s_inner)):
        wall, cpu = timed(name, run)
        if name not in best or wall < best[name]:
            best[name] = wall
        print(f"run {run}  {name:10}  wall {wall:6.2f} s (CPU {cpu:5.2f} s, in-process {inner:5.2f} s)  "
              f"{summary['conversations'] / wall:7.0f} conversations/s  {summary['events'] / wall:8.0f} events/s")
print(f"binoculars checks: invariants held, {b['engineCommands']} engine commands, "
      f"{b['historyOperations']} lock operations checked for linearizability")
if runs > 1:
    print(f"best of {runs}: binoculars {best['binoculars']:.2f} s, simpy {best['simpy']:.2f} s")
print(f"ratio binoculars/simpy: {best['simpy'] / best['binoculars']:.2f}")
EOF
