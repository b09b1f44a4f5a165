#!/usr/bin/env bash
# Sustained start+stop pairs per second on one live node, with p50/p99 per request, measured with wrk (Debian's
# package) over loopback: the node on the embedded SQLite store (durable, fsync per command) and in memory, beside
# Hummingbird's plain-route ceiling on the same machine. Release builds. Not run by CI (it measures, it checks
# nothing); the figures go into the README and the issue notes.
#   CONNECTIONS   concurrent supervisors, each on conversations of its own (default 8)
#   DURATION      seconds of load per run (default 20)
# Each supervisor moves to its next conversation every ROTATE pairs: 5 on SQLite, where a command costs in proportion
# to its conversation's size (the whole aggregate is decoded and encoded as a row, see docs/live-service.md), so the
# figure is for conversations of ordinary size; 100 in memory, where it does not matter and 5 would need far more
# conversations prepared.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
connections=${CONNECTIONS:-8}
duration=${DURATION:-20}
.ci/setup wrk
swift build -c release --product binoculars-server > /dev/null
(cd Benchmarks/live && swift build -c release > /dev/null)
work=$(mktemp -d)
server_pid=
cleanup() { [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

run_node() {
  local store=$1 rotate=$2 per_thread=$3 port
  port=$(free_port)
  "$root/.build/release/binoculars-server" --port "$port" --store "$store" --log-level warning \
    --directory Scenarios/monitor-stampede.yaml --tokens "$work/tokens.json" > "$work/server.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/health" > /dev/null && break; sleep 0.1; done
  python3 - "$port" "$work/tokens.json" "$connections" "$per_thread" > "$work/pairs.txt" <<'PY'
import json, sys, urllib.request
port, tokens, count, per_thread = int(sys.argv[1]), json.load(open(sys.argv[2])), int(sys.argv[3]), int(sys.argv[4])
by_name = {entry["name"]: entry for entry in tokens}
def call(path, body, token=None):
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=json.dumps(body).encode(), method="POST")
    if token: request.add_header("Authorization", "Bearer " + token)
    with urllib.request.urlopen(request) as response: return json.loads(response.read())
admin = by_name["Administrator"]["token"]
for index in range(1, count + 1):
    ids = []
    for number in range(per_thread):
        conversation = call("/api/v2/conversations/messages", {"channel": {"type": "webMessaging"}, "customerName": "Ann"})["conversationId"]
        agent = by_name[f"agents {(index * per_thread + number) % 40 + 1}"]
        call(f"/api/v2/conversations/messages/{conversation}/queue", {"queueId": 1}, admin)
        participant = call(f"/api/v2/conversations/messages/{conversation}/alerts", {"userId": agent["user"]}, admin)["participant"]
        call(f"/api/v2/conversations/messages/{conversation}/participants/{participant}/connect", {}, agent["token"])
        ids.append(str(conversation))
    print(by_name[f"floor {index}"]["token"], " ".join(ids))
PY
  echo "== node, store $store, $connections supervisors, ${duration}s, a fresh conversation every $rotate pairs"
  PAIRS="$work/pairs.txt" ROTATE="$rotate" wrk -t "$connections" -c "$connections" -d "${duration}s" --latency -s Benchmarks/live/pairs.lua \
    "http://127.0.0.1:$port" | grep -E "pairs/s|latency per request|Requests/sec"
  kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=
  rm -f "$work/tokens.json"
}

run_node "sqlite:$work/node.sqlite" 5 400
run_node memory 100 120

port=$(free_port)
Benchmarks/live/.build/release/PlainRoute "$port" > /dev/null 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/plain" > /dev/null && break; sleep 0.1; done
echo "== Hummingbird's plain route, $connections connections, ${duration}s"
wrk -t "$connections" -c "$connections" -d "${duration}s" --latency "http://127.0.0.1:$port/plain" | grep -E "Requests/sec|50%|99%"
