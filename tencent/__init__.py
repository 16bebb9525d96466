"""The Tencent Cloud gateway: the only code that imports the Tencent SDKs (`tencentcloud`, `qcloud_cos`).

Call the typed, keyword-only functions of `car`, `css`, `vod` and `cos` (and the pure `signing` helpers); they
return the frozen dataclasses of `results` and raise only `errors.TencentError`. Every attempt is rate-limited
per action through Redis (`ratelimit`, limits in `policy`), idempotent calls are retried with back-off
(`policy`), and each attempt is recorded as a `models.ApiCall` (`calllog`), tagged with the recording session
of the surrounding `context.api_call_context(session_id=...)`.
"""
