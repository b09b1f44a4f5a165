-- Start+stop pairs against a live node: each wrk thread drives one connection as one supervisor on one conversation
-- of its own, alternating POST …/monitor (201, reads the fencing token) and POST …/monitor/sessions/{token}/stop.
-- The conversations and tokens come from the file named by PAIRS (written by measure.sh): one "id token" per line.
local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("index", counter)
  table.insert(threads, thread)
end

function init(args)
  local lines = {}
  for line in io.lines(os.getenv("PAIRS")) do table.insert(lines, line) end
  local conversation, token = lines[index]:match("(%d+) (%S+)")
  base = "/api/v2/conversations/messages/" .. conversation .. "/monitor"
  headers = {["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json"}
  session = nil
  failures = 0
end

function request()
  if session == nil then
    return wrk.format("POST", base, headers, "{}")
  end
  return wrk.format("POST", base .. "/sessions/" .. session .. "/stop", headers, '{"from": "interaction"}')
end

function response(status, headers, body)
  if session == nil then
    if status == 201 then session = body:match('"fencingToken":(%d+)') else failures = failures + 1 end
  else
    if status ~= 200 then failures = failures + 1 end
    session = nil
  end
end

function done(summary, latency, requests)
  local failed = 0
  for _, thread in ipairs(threads) do failed = failed + thread:get("failures") end
  io.write(string.format("pairs/s %.0f  (requests %d, failed %d)\n", summary.requests / 2 / (summary.duration / 1e6), summary.requests, failed))
  io.write(string.format("latency per request: p50 %.2f ms  p99 %.2f ms  max %.2f ms\n",
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
