-- Start+stop pairs against a live node: each wrk thread drives one connection as one supervisor on conversations of
-- its own, alternating POST …/monitor (201, reads the fencing token) and POST …/monitor/sessions/{token}/stop, and
-- moving to its next conversation every ROTATE pairs, so that no conversation grows past an ordinary size (nor
-- reaches the engine's bound on sessions per conversation). The file named by PAIRS (written by measure.sh) has one
-- line per thread: "token id id id …".
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
  conversations = {}
  local token = nil
  for word in lines[index]:gmatch("%S+") do
    if token == nil then token = word else table.insert(conversations, word) end
  end
  rotate = tonumber(os.getenv("ROTATE") or "100")
  current, pairs_here = 1, 0
  base = "/api/v2/conversations/messages/" .. conversations[current] .. "/monitor"
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
    pairs_here = pairs_here + 1
    if pairs_here == rotate then
      pairs_here = 0
      current = current % #conversations + 1
      base = "/api/v2/conversations/messages/" .. conversations[current] .. "/monitor"
    end
  end
end

function done(summary, latency, requests)
  local failed = 0
  for _, thread in ipairs(threads) do failed = failed + thread:get("failures") end
  io.write(string.format("pairs/s %.0f  (requests %d, failed %d)\n", summary.requests / 2 / (summary.duration / 1e6), summary.requests, failed))
  io.write(string.format("latency per request: p50 %.2f ms  p99 %.2f ms  max %.2f ms\n",
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
