-- Public POST appointments/create/: a new address on every request (DATES set by the bench),
-- from a new client address too: the bench's service trusts 127.0.0.1 as its reverse proxy
-- (TRUSTED_PROXIES), as a deployment behind one does, and each request names its own client
-- in X-Forwarded-For, so the per-IP bucket holds what a real client's would (a hit or two),
-- not every request of the run.
local counter = 0

request = function()
  counter = counter + 1
  local body = string.format(
    '{"first_name": "Bench", "last_name": "Client", "email": "c%d-%d@bench.example", ' ..
    '"phone": "+64 21 555 0199", "reason": "A benchmark request", ' ..
    '"preferred_dates": ["%s", "%s"], "preferred_time_slots": ["morning", "evening"]}',
    thread_id, counter, DATES[1], DATES[2])
  local client = string.format("10.%d.%d.%d", thread_id % 256, math.floor(counter / 256) % 256,
    counter % 256)
  return wrk.format("POST", nil, {
    ["Content-Type"] = "application/json",
    ["X-Forwarded-For"] = client,
  }, body)
end
