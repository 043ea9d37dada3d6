-- wrk script: the vote path as the issue measured it. Each wrk thread is one
-- voter (a cookie from the file named by COOKIES, one line per voter); its
-- connections alternate "create a battle" (POST /api/v1/battles) and "vote on
-- it" (POST /api/v1/battles/{id}/vote), voting on battles its own creates
-- returned. `done` prints votes/s and battles/s (wrk's own latency
-- percentiles cover both requests).
local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("idx", counter)
  table.insert(threads, thread)
end

function init(args)
  local f = assert(io.open(os.getenv("COOKIES") or "cookies.txt"))
  local lines = {}
  for l in f:lines() do
    if #l > 0 then table.insert(lines, l) end
  end
  f:close()
  cookie = lines[((idx - 1) % #lines) + 1]
  pending = {}
  head, tail = 1, 0
  votes, creates, other = 0, 0, 0
  verdicts = {'{"verdict":"model_a"}', '{"verdict":"model_b"}', '{"verdict":"tie"}'}
  vi = 0
  hdr = {["content-type"] = "application/json", ["cookie"] = cookie}
end

function request()
  if head <= tail then
    local id = pending[head]
    pending[head] = nil
    head = head + 1
    vi = vi + 1
    return wrk.format("POST", "/api/v1/battles/" .. id .. "/vote", hdr, verdicts[(vi % 3) + 1])
  end
  return wrk.format("POST", "/api/v1/battles", hdr, "{}")
end

function response(status, headers, body)
  if status == 201 then
    creates = creates + 1
    local id = string.match(body, '"id":"([^"]+)"')
    if id then
      tail = tail + 1
      pending[tail] = id
    end
  elseif status == 200 then
    votes = votes + 1
  else
    other = other + 1
  end
end

function done(summary, latency, requests)
  local v, c, o = 0, 0, 0
  for _, t in ipairs(threads) do
    v = v + t:get("votes")
    c = c + t:get("creates")
    o = o + t:get("other")
  end
  local secs = summary.duration / 1e6
  io.write(string.format("votes/s %.0f  battles/s %.0f  refused %d  p50 %.2f ms  p99 %.2f ms\n",
    v / secs, c / secs, o, latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
