-- wrk script of the side-by-side benchmark (bench/side_by_side.py writes its two input files).
--   wrk -s bench/wrk/ebook.lua URL -- <workload file> <keys file> <seed>
-- The workload file's first line is the Authorization header ("" for none; "@@TOKEN@@" stands for
-- the picked person's own token), the rest the JSON body, where each "@@KEY@@" is replaced by the
-- personal ID of a person picked at random. The keys file holds "ID<TAB>token" lines.
-- Requests are built in init (2,000 per thread, each with its own random persons) so that the
-- load generator spends no CPU on them while it measures. A response that is not HTTP 200 or
-- whose body has an "errors" member counts as bad: a run with any is invalid.

local threads = {}
local next_id = 0

function setup(thread)
  next_id = next_id + 1
  thread:set("thread_id", next_id)
  table.insert(threads, thread)
end

function init(args)
  local file = assert(io.open(args[1], "r"))
  local authorization = file:read("*l")
  local body = file:read("*a")
  file:close()
  local keys, tokens = {}, {}
  for line in io.lines(args[2]) do
    local key, token = line:match("^([^\t]+)\t?(.*)$")
    if key then
      keys[#keys + 1] = key
      tokens[#tokens + 1] = token
    end
  end
  assert(#keys > 0, "no person keys in " .. args[2])
  local parts, start = {}, 1
  while true do
    local i, j = body:find("@@KEY@@", start, true)
    if not i then break end
    parts[#parts + 1] = body:sub(start, i - 1)
    start = j + 1
  end
  parts[#parts + 1] = body:sub(start)
  math.randomseed(tonumber(args[3] or "1") * 1000 + thread_id)
  requests = {}
  for r = 1, 2000 do
    local pieces, picked = { parts[1] }, math.random(#keys)
    for p = 2, #parts do
      picked = math.random(#keys)
      pieces[#pieces + 1] = keys[picked]
      pieces[#pieces + 1] = parts[p]
    end
    local headers = { ["Content-Type"] = "application/json" }
    if authorization ~= "" then
      headers["Authorization"] = (authorization:gsub("@@TOKEN@@", tokens[picked]))
    end
    requests[r] = wrk.format("POST", nil, headers, table.concat(pieces))
  end
  bad = 0
  bad_sample = ""
end

function request()
  return requests[math.random(#requests)]
end

function response(status, headers, body)
  if status ~= 200 or body:find('"errors"', 1, true) then
    bad = bad + 1
    if bad_sample == "" then bad_sample = status .. " " .. body:sub(1, 400) end
  end
end

function done(summary, latency, requests)
  local bad_total, sample = 0, ""
  for _, thread in ipairs(threads) do
    bad_total = bad_total + thread:get("bad")
    local s = thread:get("bad_sample")
    if s ~= nil and s ~= "" then sample = s end
  end
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests": %d, "duration_us": %d, "bytes": %d, "connect_errors": %d, '
      .. '"read_errors": %d, "write_errors": %d, "status_errors": %d, "timeouts": %d, '
      .. '"bad_bodies": %d, "latency_us": {"mean": %.1f, "max": %d, "p50": %d, "p90": %d, "p99": %d}}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status,
    e.timeout, bad_total, latency.mean, latency.max, latency:percentile(50),
    latency:percentile(90), latency:percentile(99)))
  if sample ~= "" then io.write("WRK_BAD_SAMPLE " .. sample:gsub("\n", " ") .. "\n") end
end
