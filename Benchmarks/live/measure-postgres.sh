#!/usr/bin/env bash
# Sustained start+stop pairs per second with p50/p99 per request on 1 and on 3 live nodes sharing PostgreSQL, beside
# pgbench's simple-update rate (`pgbench -N`) on the same PostgreSQL: the store's own ceiling on this machine. Release
# builds; the deployment is `binoculars-server cluster` (a private PostgreSQL under a temporary directory, the nodes
# on loopback ports); wrk from Debian's packages drives each node with supervisors of its own, each on conversations
# of its own, moving to the next every ROTATE pairs (as measure.sh). Not run by CI: it measures, it checks nothing.
#   CONNECTIONS   supervisors per node (default 8)
#   DURATION      seconds of load per run (default 20)
#   ROTATE        pairs per conversation before moving on (default 5)
#   DATABASE_CONNECTIONS  connections (worker threads) per node for commands (default 8)
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
connections=${CONNECTIONS:-8}
duration=${DURATION:-20}
rotate=${ROTATE:-5}
.ci/setup wrk postgresql
swift build -c release --product binoculars-server > /dev/null
work=$(mktemp -d)
cluster_pid=
cleanup() {
  [ -n "$cluster_pid" ] && kill "$cluster_pid" 2>/dev/null && wait "$cluster_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

run_cluster() {
  local nodes=$1
  "$root/.build/release/binoculars-server" cluster --nodes "$nodes" --log-level error --database-connections "${DATABASE_CONNECTIONS:-8}" \
    --directory Scenarios/monitor-stampede.yaml --tokens "$work/tokens.json" > "$work/cluster.txt" 2> "$work/cluster.log" &
  cluster_pid=$!
  for _ in $(seq 1 600); do grep -q '^ready' "$work/cluster.txt" 2>/dev/null && break; sleep 0.1; done
  grep -q '^ready' "$work/cluster.txt" || { cat "$work/cluster.log"; exit 1; }
  local postgres ports
  postgres=$(sed -n 's/^postgres: //p' "$work/cluster.txt")
  ports=$(sed -n 's/^node-[0-9]*: http:\/\/127.0.0.1://p' "$work/cluster.txt" | paste -sd, -)
  # Each node's supervisors get conversations of their own, prepared through that node.
  python3 - "$ports" "$work/tokens.json" "$connections" 240 "$work" <<'PY'
import json, sys, urllib.request
ports, tokens = [int(p) for p in sys.argv[1].split(",")], json.load(open(sys.argv[2]))
count, per_thread, work = int(sys.argv[3]), int(sys.argv[4]) // int(sys.argv[3]), sys.argv[5]
by_name = {entry["name"]: entry for entry in tokens}
def call(port, path, body, token=None):
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=json.dumps(body).encode(), method="POST")
    if token: request.add_header("Authorization", "Bearer " + token)
    with urllib.request.urlopen(request) as response: return json.loads(response.read())
admin = by_name["Administrator"]["token"]
for node, port in enumerate(ports):
    with open(f"{work}/pairs-{node}.txt", "w") as out:
        for index in range(node * count + 1, node * count + count + 1):
            ids = []
            for number in range(per_thread):
                conversation = call(port, "/api/v2/conversations/messages", {"channel": {"type": "webMessaging"}, "customerName": "Ann"})["conversationId"]
                agent = by_name[f"agents {(index * per_thread + number) % 40 + 1}"]
                call(port, f"/api/v2/conversations/messages/{conversation}/queue", {"queueId": 1}, admin)
                participant = call(port, f"/api/v2/conversations/messages/{conversation}/alerts", {"userId": agent["user"]}, admin)["participant"]
                call(port, f"/api/v2/conversations/messages/{conversation}/participants/{participant}/connect", {}, agent["token"])
                ids.append(str(conversation))
            out.write(by_name[f"floor {index}"]["token"] + " " + " ".join(ids) + "\n")
PY
  echo "== $nodes node(s) on PostgreSQL, $connections supervisors per node, ${duration}s, a fresh conversation every $rotate pairs"
  local node=0 pids=()
  for port in ${ports//,/ }; do
    PAIRS="$work/pairs-$node.txt" ROTATE="$rotate" wrk -t "$connections" -c "$connections" -d "${duration}s" --latency \
      -s Benchmarks/live/pairs.lua "http://127.0.0.1:$port" > "$work/wrk-$node.txt" &
    pids+=($!)
    node=$((node + 1))
  done
  wait "${pids[@]}"
  for ((index = 0; index < node; index++)); do
    echo "node-$((index + 1)): $(grep -E 'pairs/s' "$work/wrk-$index.txt")  $(grep -E 'latency per' "$work/wrk-$index.txt")"
  done
  awk '/^pairs\/s/ { total += $2 } END { printf "total pairs/s %d\n", total }' "$work"/wrk-*.txt
  if [ "$nodes" = 1 ]; then
    local port=${postgres##*:}; port=${port%%/*}
    /usr/lib/postgresql/*/bin/pgbench -h 127.0.0.1 -p "$port" -U binoculars -i -s 10 binoculars > /dev/null 2>&1
    echo "== pgbench -N (simple update), 8 clients, ${duration}s, on the same PostgreSQL"
    /usr/lib/postgresql/*/bin/pgbench -h 127.0.0.1 -p "$port" -U binoculars -N -c 8 -j 2 -T "$duration" binoculars 2>&1 |
      grep -E '^tps|latency average'
  fi
  kill "$cluster_pid"; wait "$cluster_pid" 2>/dev/null || true; cluster_pid=
  rm -f "$work"/tokens.json "$work"/pairs-*.txt "$work"/wrk-*.txt
}

run_cluster 1
run_cluster 3
