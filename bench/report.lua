-- wrk script: print one JSON line with what bench/run.py tabulates.
-- Usage: wrk -s bench/report.lua [-H "Cookie: sessionid=..."] URL
done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.status + summary.errors.timeout
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "bytes": %d, "errors": %d, '
      .. '"non_2xx": %d, "p50_us": %d, "p99_us": %d, "max_us": %d}\n',
    summary.requests, summary.duration, summary.bytes, errors, summary.errors.status,
    latency:percentile(50), latency:percentile(99), latency.max))
end
