"""Run an emulator inside a test: `with running_emulator() as emu:` serves it on a free loopback port from a
background thread with a temporary data directory, and `emu.apply_settings(settings)` points the console at it
(`emu.environment()` a console process started beside it)."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from emulator.app import ApiRequest, Emulator
from emulator.callbacks import CallbackFaults
from emulator.config import EmulatorConfig
from emulator.faults import THROTTLE_CODE
from emulator.server import RunningServer
from emulator.state import EmulatorState

# Settings of the config that `running_emulator(**overrides)` accepts, by their EMULATOR_* names too.
_ENV_PREFIX = "EMULATOR_"


@dataclass
class RunningEmulator:
    host: str
    port: int
    endpoint: str
    base_url: str
    config: EmulatorConfig
    state: EmulatorState
    app: Emulator

    def inject_fault(
        self, action: str, *, code: str, message: str = "", rate: float = 1.0, count: int | None = None
    ) -> None:
        self.app.faults.set_action(action, error_code=code, error_message=message, rate=rate, count=count)

    def throttle(self, action: str, per_second: float, *, code: str = THROTTLE_CODE) -> None:
        """Answer `code` (RequestLimitExceeded, or e.g. LimitExceeded.RateLimitExceeded) above `per_second`."""
        self.app.faults.set_action(action, throttle_per_s=per_second, throttle_code=code)

    def set_latency(self, action: str, seconds: float) -> None:
        self.app.faults.set_action(action, latency_s=seconds)

    def set_push_die_after(self, seconds: float | None) -> None:
        self.app.faults.push_die_after_s = seconds

    def set_callback_faults(self, faults: CallbackFaults) -> None:
        self.app.callbacks.set_faults(faults)

    def set_callback_url(self, url: str) -> None:
        self.app.callbacks.set_url(url)

    def clear_faults(self) -> None:
        self.app.faults.clear()
        self.app.callbacks.set_faults(CallbackFaults())

    def calls(self, action: str | None = None) -> list[ApiRequest]:
        """The API requests the emulator answered (oldest first), optionally of one action."""
        return [request for request in list(self.app.requests) if action is None or request.action == action]

    def wait_idle(self, timeout_s: float = 30.0) -> bool:
        """Wait until recordings are assembled and their callbacks handed to the sender (and sent)."""
        return self.app.css.wait_idle(timeout_s) and self.app.callbacks.flush(timeout_s)

    def settings_overrides(self) -> dict[str, object]:
        config = self.config
        secret_id, secret_key = next(iter(config.credentials.items()))
        return {
            "EMULATOR_PORT": self.port,
            "TENCENT_API_ENDPOINT": self.endpoint,
            "TENCENT_API_SCHEME": "http",
            "TENCENT_SECRET_ID": secret_id,
            "TENCENT_SECRET_KEY": secret_key,
            "TENCENT_APPID": config.appid,
            "CSS_PUSH_DOMAIN": config.css_push_domain,
            "CSS_PLAY_DOMAIN": config.css_play_domain,
            "CSS_APP_NAME": "live",
            "CSS_PUSH_KEY": config.css_push_key,
            "CSS_PLAY_KEY": config.css_play_key,
            "CSS_CALLBACK_KEY": config.css_callback_key,
            "CSS_PLAY_BASE_URL": self.base_url,
            "VOD_SUBAPP_ID": config.vod_subapp_id,
            "VOD_PLAY_KEY": config.vod_play_key,
            "COS_BUCKET": config.cos_bucket,
            "COS_REGION": config.cos_region,
            "COS_ENDPOINT": self.endpoint,
            # Setting TENCENT_SECRET_ID switches the console's defaults to a real account's (no template, no
            # UserIp): a console process started with these must still record into the provisioned template 1.
            "CSS_RECORD_TEMPLATE_ID": 1,
            "CAR_USER_IP": "127.0.0.1",
        }

    def apply_settings(self, settings: object) -> None:
        """Point the console at this emulator: set settings_overrides() on `settings`, pytest-django's
        `settings` fixture (which restores them after the test) or django.conf.settings in a bench or script
        (which keeps them for the process)."""
        for name, value in self.settings_overrides().items():
            setattr(settings, name, value)

    def environment(self) -> dict[str, str]:
        """settings_overrides() as environment variables, for a console process started beside this one (a
        worker, gunicorn): dashboard/settings.py reads each of them from the environment."""
        return {name: str(value) for name, value in self.settings_overrides().items()}


def _config(overrides: dict[str, object], data_dir: Path) -> EmulatorConfig:
    env = {key: str(value) for key, value in overrides.items() if key.startswith(_ENV_PREFIX)}
    env.setdefault("EMULATOR_DATA_DIR", str(data_dir))
    env.setdefault("EMULATOR_VIDEO_SIZE", "320x180")
    # Record templates 1 and 2 exist from the start, as `tencent_setup --apply` makes them.
    env.setdefault("EMULATOR_PROVISIONED", "1")
    config = EmulatorConfig.from_env(env).replace(port=0)
    fields = {key: value for key, value in overrides.items() if not key.startswith(_ENV_PREFIX)}
    return config.replace(**fields) if fields else config


@contextmanager
def running_emulator(**config_overrides: object) -> Iterator[RunningEmulator]:
    """An emulator on a free port. Overrides are EmulatorConfig fields (`file_delay_seconds=0`) or EMULATOR_*
    variables (`EMULATOR_SEGMENT_SECONDS=1`); the data directory is temporary and the video 320x180 unless set."""
    with tempfile.TemporaryDirectory(prefix="cnr-emulator-") as temporary:
        server = RunningServer(_config(config_overrides, Path(temporary))).start()
        app = server.emulator
        try:
            yield RunningEmulator(
                host=app.config.host,
                port=server.port,
                endpoint=f"{app.config.host}:{server.port}",
                base_url=f"http://{app.config.host}:{server.port}",
                config=app.config,
                state=app.state,
                app=app,
            )
        finally:
            server.stop()
