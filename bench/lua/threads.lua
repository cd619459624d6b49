-- Prepended to every wrk script by bench/support.py: `thread_id` numbers wrk's threads 0, 1, ...
thread_id = 0 -- a global: setup() sets it in each thread's own Lua state
local threads_started = 0

setup = function(thread)
  thread:set("thread_id", threads_started)
  threads_started = threads_started + 1
end
