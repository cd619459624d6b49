-- Staff POST appointments/{id}/schedule/: each request takes the next pending request of
-- this thread's share of IDS and a time no other request gets (START + slot * 30 min,
-- 15 minutes long, so nothing overlaps). TOKEN, IDS, START, THREADS set by the bench.
local taken = 0

request = function()
  local index = thread_id + taken * THREADS + 1
  taken = taken + 1
  local id = IDS[((index - 1) % #IDS) + 1]
  local at = os.date("!%Y-%m-%dT%H:%M:00Z", START + index * 1800)
  local body = string.format('{"scheduled_datetime": "%s", "scheduled_duration": 15}', at)
  return wrk.format("POST", "/api/meetings/appointments/" .. id .. "/schedule/", {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. TOKEN,
  }, body)
end
