-- wrk script of bench/verifier_service.py: send pre-built HTTP/1.1 requests in turn and check
-- every answer is 200 and begins {"verified":true,"status":"VALID",
--   wrk -t1 -c16 -d4s -s bench/verifier_service.lua http://127.0.0.1:PORT -- REQUESTS_FILE
-- REQUESTS_FILE holds the requests, each as "<length>\n<bytes>". done() prints one line
-- "vic-wrk: {json}" with the counts, which the Python script reads, and the first answer that
-- was not VALID on a line "vic-wrk-failure: ..." when there was one.

local VALID = '{"verified":true,"status":"VALID",'
local requests = {}
local count = 0
local next_index = 1
failures = 0
first_failure = ""

local threads = {}

function setup(thread)
   table.insert(threads, thread)
   thread:set("offset", #threads)
end

local function load_requests(path)
   local file = assert(io.open(path, "rb"))
   local data = file:read("*a")
   file:close()
   local position = 1
   while position <= #data do
      local newline = string.find(data, "\n", position, true)
      local length = tonumber(string.sub(data, position, newline - 1))
      table.insert(requests, string.sub(data, newline + 1, newline + length))
      position = newline + length + 1
   end
   count = #requests
end

function init(args)
   load_requests(args[1])
   next_index = ((offset or 1) * 7) % count + 1
end

function request()
   local r = requests[next_index]
   next_index = next_index % count + 1
   return r
end

function response(status, headers, body)
   if status ~= 200 or string.sub(body, 1, #VALID) ~= VALID then
      failures = failures + 1
      if first_failure == "" then
         first_failure = status .. ": " .. string.sub(body, 1, 300)
      end
   end
end

function done(summary, latency, requests_)
   local failed, first = 0, ""
   for _, thread in ipairs(threads) do
      failed = failed + thread:get("failures")
      local f = thread:get("first_failure")
      if first == "" and f ~= nil then first = f end
   end
   local e = summary.errors
   io.write(string.format(
      'vic-wrk: {"requests": %d, "duration_us": %d, "failures": %d, "socket_errors": %d, ' ..
      '"latency_p50_us": %d, "latency_p99_us": %d}\n',
      summary.requests, summary.duration, failed,
      e.connect + e.read + e.write + e.timeout,
      latency:percentile(50), latency:percentile(99)))
   if first ~= "" then
      io.write("vic-wrk-failure: " .. string.gsub(first, "\n", " ") .. "\n")
   end
end
