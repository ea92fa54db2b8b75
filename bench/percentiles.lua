-- wrk prints the 50th, 75th, 90th and 99th percentiles only; bench.load reads this line for the
-- 95th, which the targets of issue 8 name. Paths given after `--` are asked in turn (a mix of
-- searches, say); without any, every request asks the address wrk was given.
local paths = {}
local turn = 0

init = function(args)
  for i, path in ipairs(args) do
    paths[i] = path
  end
end

request = function()
  if #paths == 0 then
    return wrk.format()
  end
  turn = turn % #paths + 1
  return wrk.format(nil, paths[turn])
end

done = function(summary, latency, requests)
  io.write(string.format("95th percentile: %d us\n", latency:percentile(95)))
end
