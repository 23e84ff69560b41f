-- wrk: GET a path with a user's token (TOKEN in the environment), and print the figures the
-- docs quote on one line: p50/p90/p99/max latency (ms), requests/s, non-2xx answers, errors.
wrk.method = "GET"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")

done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  io.write(string.format(
    "p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f max_ms=%.3f rps=%.0f non2xx=%d errors=%d\n",
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, summary.requests / (summary.duration / 1e6), summary.errors.status, errors))
end
