"""Operating the console: health and readiness probes, Prometheus metrics and structured, correlated logs.

- `logcontext`: what every log line carries (request id, user, recording, room, Tencent RequestId).
- `metrics`: counters and histograms incremented in code (Tencent calls, throttling waits, callback ingest).
- `collectors`: gauges and counters read from PostgreSQL and Redis at scrape time (bounded queries).
- `readiness`: the checks of /readyz.
- `views`, `middleware`: /healthz, /readyz, /metrics and the request id.
- `rq_worker`: the RQ worker class that binds a job's recording to its logs and keeps metrics files bounded.
"""
