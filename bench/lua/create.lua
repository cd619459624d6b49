-- Public POST appointments/create/: a new address on every request (DATES set by the bench).
local counter = 0

request = function()
  counter = counter + 1
  local body = string.format(
    '{"first_name": "Bench", "last_name": "Client", "email": "c%d-%d@bench.example", ' ..
    '"phone": "+64 21 555 0199", "reason": "A benchmark request", ' ..
    '"preferred_dates": ["%s", "%s"], "preferred_time_slots": ["morning", "evening"]}',
    thread_id, counter, DATES[1], DATES[2])
  return wrk.format("POST", nil, {["Content-Type"] = "application/json"}, body)
end
