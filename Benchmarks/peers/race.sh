#!/usr/bin/env bash
# The race: Binoculars against SimPy on the same workload, the reference centre of
# Benchmarks/peers/reference.yaml (Binoculars) and reference_simpy.py (SimPy 4), one seed each.
#
#   Benchmarks/peers/race.sh            # seed 1; RACE_SEED=7 Benchmarks/peers/race.sh for another
#
# Binoculars runs the real engine with every check on (the engine's invariants after every
# command, the lock observer, the linearizability check of the lock history) on one core
# (--jobs 1), and writes its result files. SimPy runs in one Python process. Both are timed the
# same way: the wall time of the whole process, start to exit (bash's `time`), one after the
# other, never at once; the ratio uses these wall times. CPU time is printed beside them, as it
# is less disturbed by other work on the machine. Each counts its own events: Binoculars the events its kernel processed (summary.json
# `events`), SimPy the events its environment processed (scheduled minus still pending). The last
# line is `ratio binoculars/simpy: <SimPy wall time / Binoculars wall time>`, above 1 when
# Binoculars is faster.
set -euo pipefail
cd "$(dirname "$0")/../.."

seed="${RACE_SEED:-1}"
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

# Binoculars: one run on one core; exit status 1 if any check failed.
{ time .build/release/binoculars run Benchmarks/peers/reference.yaml --seed "$seed" --jobs 1 \
    --out "$work/binoculars" > "$work/binoculars.txt" 2> "$work/binoculars.err" ; } 2> "$work/binoculars.time" \
    || failed binoculars

# SimPy: one run in one process.
{ time "$python" Benchmarks/peers/reference_simpy.py --seed "$seed" --out "$work/simpy.json" \
    > "$work/simpy.txt" 2> "$work/simpy.err" ; } 2> "$work/simpy.time" \
    || failed simpy

"$python" - "$work" "$seed" <<'EOF'
import json, sys
work, seed = sys.argv[1], sys.argv[2]
def timed(name):
    with open(f"{work}/{name}.time") as f:
        real, user, system = (float(x) for x in f.read().split())
    return real, user + system
(binoculars_wall, binoculars_cpu), (simpy_wall, simpy_cpu) = timed("binoculars"), timed("simpy")
with open(f"{work}/binoculars/reference/{seed}/summary.json") as f:
    b = json.load(f)
with open(f"{work}/binoculars/reference/{seed}/timing.json") as f:
    b_timing = json.load(f)
with open(f"{work}/simpy.json") as f:
    s = json.load(f)
s_timing, s = s["timing"], s["summary"]
assert b["invariants"]["held"], "Binoculars: an invariant failed"
print(f"workload: reference centre, seed {seed}, {b['simulatedSeconds'] / 3600:.0f} simulated hours, "
      f"{b['agents']} agents, {b['supervisors']} supervisors")
for name, wall, cpu, inner, summary in (("binoculars", binoculars_wall, binoculars_cpu, b_timing["wallSeconds"], b),
                                        (s["engine"], simpy_wall, simpy_cpu, s_timing["wallSeconds"], s)):
    print(f"{name:12}  wall {wall:6.2f} s (CPU {cpu:5.2f} s, in-process run {inner:5.2f} s)  "
          f"{summary['conversations'] / wall:8.0f} conversations/s  {summary['events'] / wall:9.0f} events/s  "
          f"({summary['conversations']} conversations, {summary['events']} own events)")
print(f"binoculars checks: invariants held, {b['engineCommands']} engine commands, "
      f"{b['historyOperations']} lock operations checked for linearizability")
print(f"ratio binoculars/simpy: {simpy_wall / binoculars_wall:.2f}")
EOF
