"""CSS (Cloud Streaming Services, `live` 2018-08-01): record tasks, pushes, stream state and health, play.

A push is a real `LiveStream` (ffmpeg writing live HLS) with push callbacks (events 1/0), quality samples and
screenshots (event 200). Record tasks are kept here; `recorder.py` turns active tasks on live pushes into files
in VOD/COS, and `usage.py` answers the usage APIs.

`CssService` is what the rest of the emulator sees; it wires parts that share the `EmulatorState`: `pushes`
(the push lifecycle CAR drives, with `probes` sampling and screenshotting each push), `record_tasks`, `streams`
(stream queries and DropLiveStream), `playback` (live HLS/FLV and the screenshots' files) and `account` (domains,
auth keys, record and callback templates and rules).
"""

from __future__ import annotations

from collections.abc import Callable

from emulator.callbacks import CallbackSender
from emulator.config import EmulatorConfig
from emulator.cos import CosService
from emulator.css.account import Account
from emulator.css.playback import Playback
from emulator.css.pushes import Pushes
from emulator.css.record_tasks import RecordTasks
from emulator.css.streams import StreamQueries
from emulator.faults import Faults
from emulator.params import Action
from emulator.replies import Reply
from emulator.state import EmulatorState
from emulator.vod import VodService
from emulator.webrender import Page

__all__ = ["CssService"]


class CssService:
    def __init__(
        self,
        *,
        config: EmulatorConfig,
        state: EmulatorState,
        callbacks: CallbackSender,
        faults: Faults,
        vod: VodService,
        cos: CosService,
    ) -> None:
        self.account = Account(config=config, state=state, bind_callbacks=callbacks.bind)
        self.pushes = Pushes(config=config, state=state, callbacks=callbacks, faults=faults, vod=vod, cos=cos)
        self.record_tasks = RecordTasks(
            config=config,
            state=state,
            recorder=self.pushes.recorder,
            start_due_recordings=self.pushes.start_due_recordings,
            has_template=self.account.has_record_template,
        )
        self.streams = StreamQueries(config=config, state=state, end_push=self.pushes.end_push)
        self.playback = Playback(config=config, state=state, live_stream=self.pushes.live_stream)
        self.push_ended_listeners: list[Callable[..., None]] = self.pushes.push_ended_listeners

    def actions(self) -> dict[str, Action]:
        return {**self.record_tasks.actions(), **self.streams.actions(), **self.account.actions()}

    # --- pushes (called by CAR) ------------------------------------------------------------------------------

    def verify_push_secret(self, *, stream_name: str, query: str) -> bool:
        return self.pushes.verify_push_secret(stream_name=stream_name, query=query)

    def is_pushing(self, *, domain_name: str, app_name: str, stream_name: str) -> bool:
        return self.pushes.is_pushing(domain_name=domain_name, app_name=app_name, stream_name=stream_name)

    def start_push(
        self,
        *,
        domain_name: str,
        app_name: str,
        stream_name: str,
        user_ip: str,
        stream_param: str,
        caption: str = "",
        page: Page | None = None,
    ) -> None:
        self.pushes.start_push(
            domain_name=domain_name,
            app_name=app_name,
            stream_name=stream_name,
            user_ip=user_ip,
            stream_param=stream_param,
            caption=caption,
            page=page,
        )

    def stop_push(self, *, domain_name: str, app_name: str, stream_name: str) -> None:
        self.pushes.stop_push(domain_name=domain_name, app_name=app_name, stream_name=stream_name)

    # --- play ------------------------------------------------------------------------------------------------

    def serve_live(self, *, path: str, query: dict[str, list[str]]) -> Reply | None:
        return self.playback.serve_live(path=path, query=query)

    def serve_snapshot(self, *, path: str, range_header: str | None) -> Reply:
        return self.playback.serve_snapshot(path=path, range_header=range_header)

    # --- lifecycle -------------------------------------------------------------------------------------------

    def tick(self, now: float) -> None:
        self.pushes.tick(now)

    def stop_all(self) -> None:
        """Stop every push without producing files (shutdown and reset)."""
        self.pushes.stop_all()

    def wait_idle(self, timeout_s: float = 30.0) -> bool:
        """Wait until no recording is being assembled or waiting for its delayed callback (tests)."""
        return self.pushes.recorder.wait_idle(timeout_s)

    def close(self) -> None:
        self.pushes.close()
