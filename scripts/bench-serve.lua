-- wrk script for scripts/bench-serve.sh: POSTs AdmissionReviews to /validate,
-- cycling through the lines of $REVIEWS (one JSON review per line), each
-- connection starting at a different line. With $RATE set, each connection
-- waits between requests so that all of them together send about RATE
-- requests per second ($CONNECTIONS must be the -c value); without it, wrk
-- sends as fast as the server answers.

local bodies = {}
for line in io.lines(os.getenv("REVIEWS")) do
  bodies[#bodies + 1] = line
end

local rate = tonumber(os.getenv("RATE") or "0")
local connections = tonumber(os.getenv("CONNECTIONS") or "1")
local headers = { ["Content-Type"] = "application/json" }
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("offset", counter * 37)
end

function init(args)
  index = offset or 0
  math.randomseed(index + os.time())
end

function request()
  index = index % #bodies + 1
  return wrk.format("POST", "/validate", headers, bodies[index])
end

if rate > 0 then
  -- Milliseconds between two requests on one connection, on average. The
  -- gaps are drawn from an exponential distribution (Poisson arrivals, as
  -- from many independent clients): equal gaps would make every connection
  -- send at the same instant, a burst of $CONNECTIONS requests each period
  -- that no API server sends.
  local gap = connections * 1000 / rate
  function delay()
    return -gap * math.log(1 - math.random())
  end
end

function response(status, headers, body)
  if status ~= 200 then
    io.stderr:write("status " .. status .. ": " .. body .. "\n")
  end
end

function done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.status + summary.errors.timeout
  io.write(string.format(
    "RESULT requests=%d seconds=%.1f throughput=%.0f/s p50=%.3fms p99=%.3fms p999=%.3fms max=%.3fms errors=%d non200=%d\n",
    summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    latency:percentile(99.9) / 1000, latency.max / 1000, errors, summary.errors.status))
end
