"""The emulator's configuration, read from EMULATOR_* environment variables.

Every default equals the console's demo default in `dashboard/settings.py`, so `make demo` needs nothing set
(a test asserts they stay in step).
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

PROFILES = ("strict", "chaos")
PUSH_CODECS = ("h265", "h264")
# "ffmpeg": every push is a real encoder writing live HLS; "light": stream state only (emulator/light.py).
PUSH_MEDIA = ("ffmpeg", "light")
DEFAULT_CREDENTIALS = "AKIDemulatorDemoSecretId0000000000:emulatorDemoSecretKey00000000000"


def parse_credentials(raw: str) -> dict[str, str]:
    """ "SecretId:SecretKey[,SecretId:SecretKey…]" → {SecretId: SecretKey}."""
    pairs: dict[str, str] = {}
    for item in raw.split(","):
        item = item.strip()
        if not item:
            continue
        secret_id, sep, secret_key = item.partition(":")
        if not sep or not secret_id or not secret_key:
            raise ValueError(f"EMULATOR_CREDENTIALS entry {item!r} is not SecretId:SecretKey")
        pairs[secret_id] = secret_key
    return pairs


def parse_size(raw: str) -> tuple[int, int]:
    """ "1280x720" → (1280, 720)."""
    width, _, height = raw.lower().partition("x")
    return int(width), int(height)


@dataclass(frozen=True)
class EmulatorConfig:
    host: str = "127.0.0.1"
    port: int = 8765
    credentials: dict[str, str] = field(default_factory=lambda: parse_credentials(DEFAULT_CREDENTIALS))
    appid: str = "1250000000"
    css_push_domain: str = "push.emulator.local"
    css_play_domain: str = "play.emulator.local"
    css_push_key: str = "emulatorpushkey"
    css_play_key: str = "emulatorplaykey"
    css_callback_key: str = "emulatorcallbackkey"
    callback_url: str = "http://127.0.0.1:8000/callbacks/css/"
    vod_play_key: str = "emulatorvodkey"
    vod_subapp_id: int = 0
    cos_bucket: str = "cnr-recordings-1250000000"
    cos_region: str = "ap-singapore"
    data_dir: Path = Path("var/emulator")
    snapshot: Path | None = None
    car_concurrency: int = 4
    # An applied concurrency that never got a session is released after this long (CAR: 90 s).
    car_idle_hold_seconds: float = 90.0
    callback_retry_seconds: float = 60.0
    # From a recording's end to its files being visible and announced. Tencent gives no bound ("minutes" in
    # practice); strict takes two minutes, so the console's finalizing must wait for late files.
    file_delay_seconds: float = 120.0
    # CreateRecordTask's answer comes before the task is in force (CSS: keep ≥ 3 s before pushing); a push
    # that starts earlier is recorded only from the moment the task became active.
    record_activation_seconds: float = 3.0
    # A repeated CreateSession/StartPublishStream for a UserId whose previous one is still being processed
    # answers FailedOperation.SlowDown ("该UserId请求正在处理中") for this long.
    car_processing_seconds: float = 2.0
    # CAR schedules by the user's public IP: a loopback/private/reserved UserIp is refused unless allowed
    # (the demo and the console's tests, which send 127.0.0.1, allow it).
    car_allow_private_user_ip: bool = False
    # The codec of CAR's push: chosen from the client's capabilities, H.265 first; a session without a client
    # has none to offer, so strict pushes H.265 ("h264" for a setup whose players need it).
    push_codec: str = "h265"
    # What stands behind a push: a real encoder (ffmpeg, or Chromium for WEB apps), or, for benchmarks of the
    # console with hundreds of live recordings, a light stand-in that keeps the stream's state and samples but
    # makes no media (no segments, no files).
    push_media: str = "ffmpeg"
    # Retrievals (VOD RestoreMedia / ModifyMediaStorageClass out of an archive, COS POST ?restore) take Tencent's
    # documented time for their tier (the upper bound where a range is given) times this factor; tests and the
    # demo shrink it (0.001: a 5-minute Expedited restore takes 0.3 s).
    restore_time_scale: float = 1.0
    segment_seconds: float = 2.0
    screenshot_seconds: float = 10.0
    sample_seconds: float = 5.0  # how often push quality (DescribeStreamPushInfoList) is measured
    # Tencent's documented per-action request rates, enforced unless switched off.
    enforce_rate_limits: bool = True
    # "strict" (default): Tencent's documented behaviour, the harsher plausible one where undocumented.
    # "chaos": strict plus CAR's transient errors at `chaos_rate` of the CAR calls that may answer them.
    profile: str = "strict"
    chaos_rate: float = 0.1
    video_width: int = 1280
    video_height: int = 720
    play_base_url: str = ""
    # WEB client apps are rendered in Chromium on Xvfb (webrender.py); beyond this many at once, or when either
    # is missing, a push shows the test picture and says why.
    web_render_max: int = 2
    # CAR's console, emulated: the kind and page of each application (webapps.py); None = <data_dir>/….
    car_applications: Path | None = None
    # Start with the record templates `tencent_setup --apply` would create (tests); the demo starts bare and
    # is provisioned by the seed, through the APIs, like a real account.
    provisioned: bool = False

    @property
    def background_error_rate(self) -> float:
        """How often CAR answers a transient error unasked: only under the chaos profile."""
        return self.chaos_rate if self.profile == "chaos" else 0.0

    @property
    def base_url(self) -> str:
        """Where browsers reach the emulator's media (play URLs, VOD files, snapshots)."""
        return self.play_base_url.rstrip("/") or f"http://{self.host}:{self.port}"

    @property
    def car_applications_file(self) -> Path:
        return self.car_applications or self.data_dir / "car_applications.json"

    @property
    def vod_app_id(self) -> str:
        """The VOD application a file belongs to: the sub-application when one is set, else the account."""
        return str(self.vod_subapp_id) if self.vod_subapp_id else self.appid

    def replace(self, **changes: object) -> EmulatorConfig:
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> EmulatorConfig:
        env = os.environ if env is None else env
        defaults = cls()

        def get(name: str) -> str | None:
            value = env.get(f"EMULATOR_{name}")
            return value if value not in (None, "") else None

        def text(name: str, default: str) -> str:
            return get(name) or default

        def number(name: str, default: float) -> float:
            raw = get(name)
            return float(raw) if raw is not None else default

        def integer(name: str, default: int) -> int:
            raw = get(name)
            return int(raw) if raw is not None else default

        snapshot = get("SNAPSHOT")
        car_applications = get("CAR_APPLICATIONS")
        # Under `manage.py rundemo` the console's own address and var/ directory are the natural defaults.
        console = env.get("CONSOLE_BASE_URL", "").rstrip("/")
        var_dir = env.get("CNR_VAR_DIR", "")
        size = get("VIDEO_SIZE")
        width, height = parse_size(size) if size else (defaults.video_width, defaults.video_height)
        credentials = get("CREDENTIALS")
        profile = text("PROFILE", defaults.profile).lower()
        if profile not in PROFILES:
            raise ValueError(f"EMULATOR_PROFILE must be one of {', '.join(PROFILES)}, not {profile!r}")
        codec = text("PUSH_CODEC", defaults.push_codec).lower()
        if codec not in PUSH_CODECS:
            raise ValueError(f"EMULATOR_PUSH_CODEC must be one of {', '.join(PUSH_CODECS)}, not {codec!r}")

        push_media = text("PUSH_MEDIA", defaults.push_media).lower()
        if push_media not in PUSH_MEDIA:
            raise ValueError(
                f"EMULATOR_PUSH_MEDIA must be one of {', '.join(PUSH_MEDIA)}, not {push_media!r}"
            )

        def flag(name: str, default: bool) -> bool:
            raw = get(name)
            return default if raw is None else raw.lower() in {"1", "true", "yes", "on"}

        return cls(
            host=text("HOST", defaults.host),
            port=integer("PORT", defaults.port),
            credentials=parse_credentials(credentials) if credentials else defaults.credentials,
            appid=text("APPID", defaults.appid),
            css_push_domain=text("CSS_PUSH_DOMAIN", defaults.css_push_domain),
            css_play_domain=text("CSS_PLAY_DOMAIN", defaults.css_play_domain),
            css_push_key=text("CSS_PUSH_KEY", defaults.css_push_key),
            css_play_key=text("CSS_PLAY_KEY", defaults.css_play_key),
            css_callback_key=text("CSS_CALLBACK_KEY", defaults.css_callback_key),
            callback_url=text(
                "CALLBACK_URL", f"{console}/callbacks/css/" if console else defaults.callback_url
            ),
            vod_play_key=env.get("EMULATOR_VOD_PLAY_KEY", defaults.vod_play_key),
            vod_subapp_id=integer("VOD_SUBAPP_ID", defaults.vod_subapp_id),
            cos_bucket=text("COS_BUCKET", defaults.cos_bucket),
            cos_region=text("COS_REGION", defaults.cos_region),
            data_dir=Path(
                text("DATA_DIR", str(Path(var_dir) / "emulator") if var_dir else str(defaults.data_dir))
            ),
            snapshot=Path(snapshot) if snapshot else None,
            car_concurrency=integer("CAR_CONCURRENCY", defaults.car_concurrency),
            car_idle_hold_seconds=number("CAR_IDLE_HOLD_SECONDS", defaults.car_idle_hold_seconds),
            callback_retry_seconds=number("CALLBACK_RETRY_SECONDS", defaults.callback_retry_seconds),
            file_delay_seconds=number("FILE_DELAY_SECONDS", defaults.file_delay_seconds),
            record_activation_seconds=number("RECORD_ACTIVATION_SECONDS", defaults.record_activation_seconds),
            car_processing_seconds=number("CAR_PROCESSING_SECONDS", defaults.car_processing_seconds),
            car_allow_private_user_ip=flag("CAR_ALLOW_PRIVATE_USER_IP", defaults.car_allow_private_user_ip),
            push_codec=codec,
            push_media=push_media,
            restore_time_scale=number("RESTORE_TIME_SCALE", defaults.restore_time_scale),
            segment_seconds=number("SEGMENT_SECONDS", defaults.segment_seconds),
            screenshot_seconds=number("SCREENSHOT_SECONDS", defaults.screenshot_seconds),
            sample_seconds=number("SAMPLE_SECONDS", defaults.sample_seconds),
            enforce_rate_limits=flag("ENFORCE_RATE_LIMITS", True),
            profile=profile,
            chaos_rate=number("CHAOS_RATE", defaults.chaos_rate),
            video_width=width,
            video_height=height,
            play_base_url=text("PLAY_BASE_URL", defaults.play_base_url),
            web_render_max=integer("WEB_RENDER_MAX", defaults.web_render_max),
            car_applications=Path(car_applications) if car_applications else None,
            provisioned=flag("PROVISIONED", defaults.provisioned),
        )
