"""CAR (Cloud Application Rendering, `car` 2022-01-10): concurrencies, sessions and pushes keyed by UserId.

Semantics follow the documentation: a UserId holds at most one concurrency of its project (applying again takes
it over); a session needs an applied UserId; a push goes to `<push domain>/live/<UserId>`; DestroySession stops
the push and frees the concurrency; a concurrency applied but never given a session is freed after 90 s; a
session that is never destroyed keeps its concurrency forever (CAR does not reap them).
"""

from __future__ import annotations

import base64
import ipaddress
import json
import re
import time
from typing import Any, Protocol
from urllib.parse import parse_qs, urlsplit

from emulator.config import EmulatorConfig
from emulator.envelope import ApiError
from emulator.params import STR, Action, RequestContext
from emulator.state import Concurrency, EmulatorState
from emulator.webapps import CarApplications, page_url
from emulator.webrender import Page

RUN_WITHOUT_CLIENT = "RunWithoutClient"
# CAR documents no charset for UserId, but it becomes the CSS StreamName of StartPublishStream, whose names
# allow letters, digits, '-' and '_'; 64 characters is the harsher plausible bound.
USER_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


class Pusher(Protocol):
    """What CAR needs from CSS: start and stop the push of a stream."""

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
    ) -> None: ...

    def stop_push(self, *, domain_name: str, app_name: str, stream_name: str) -> None: ...

    def verify_push_secret(self, *, stream_name: str, query: str) -> bool: ...

    def is_pushing(self, *, domain_name: str, app_name: str, stream_name: str) -> bool: ...


class CarService:
    def __init__(self, *, config: EmulatorConfig, state: EmulatorState, pusher: Pusher) -> None:
        self.config = config
        self.state = state
        self.pusher = pusher
        self.applications = CarApplications(config.car_applications_file)
        # Where each UserId's push went (StartPublishStreamWithURL may choose another stream).
        self._push_targets: dict[str, tuple[str, str, str]] = {}
        # When CreateSession / a push last took effect for a UserId: CAR is still processing it for a while.
        self._processing: dict[tuple[str, str], float] = {}

    def actions(self) -> dict[str, Action]:
        return {
            "ApplyConcurrent": Action(
                {
                    "UserId": (STR, True),
                    "UserIp": (STR, True),
                    "ProjectId": (STR, True),
                    "ApplicationVersionId": (STR, False),
                    "ApplicationId": (STR, False),
                },
                self.apply_concurrent,
            ),
            "CreateSession": Action(
                {
                    "UserId": (STR, True),
                    "UserIp": (STR, True),
                    "ClientSession": (STR, False),
                    "RunMode": (STR, False),
                    "ApplicationParameters": (STR, False),
                    "HostUserId": (STR, False),
                    "Role": (STR, False),
                },
                self.create_session,
            ),
            "StartPublishStream": Action(
                {"UserId": (STR, True), "PublishStreamArgs": (STR, False)}, self.start_publish_stream
            ),
            "StartPublishStreamWithURL": Action(
                {"UserId": (STR, True), "PublishStreamURL": (STR, True)}, self.start_publish_stream_with_url
            ),
            "StopPublishStream": Action({"UserId": (STR, True)}, self.stop_publish_stream),
            "DestroySession": Action({"UserId": (STR, True)}, self.destroy_session),
            "DescribeConcurrentCount": Action(
                {"ProjectId": (STR, False), "ApplicationCategory": (STR, False)},
                self.describe_concurrent_count,
            ),
        }

    # --- actions ---------------------------------------------------------------------------------------------

    def apply_concurrent(self, params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
        self._check_user(params)
        project_id = params["ProjectId"]
        if not project_id.startswith("cap-"):
            raise ApiError(
                "InvalidParameterValue.ProjectId", f"ProjectId {project_id!r} is not a CAR project."
            )
        for name, prefix in (("ApplicationId", "app-"), ("ApplicationVersionId", "ver-")):
            value = params.get(name)
            if value and not value.startswith(prefix):
                raise ApiError("InvalidParameterValue", f"{name} {value!r} must start with {prefix!r}.")
        now = time.time()
        moved_from: tuple[str, str, str] | None = None
        with self.state.mutate():
            self._release_idle(now)
            held = self.state.concurrencies.get(params["UserId"])
            if held is not None and held.project_id == project_id:
                # The same UserId takes its concurrency over instead of getting a second one.
                held.applied_at = now
                held.user_ip = params["UserIp"]
                return {}
            if self._in_use(project_id) >= self.config.car_concurrency:
                raise ApiError("ResourceNotFound.NoIdle", "There is no idle concurrency in the project.")
            if held is not None:  # the UserId moves to another project: its old instance goes away
                moved_from = self._push_targets.pop(held.user_id, None)
            self.state.concurrencies[params["UserId"]] = Concurrency(
                user_id=params["UserId"],
                user_ip=params["UserIp"],
                project_id=project_id,
                application_id=params.get("ApplicationId") or "",
                applied_at=now,
            )
        if moved_from is not None:
            self._stop_target(moved_from)
        return {}

    def create_session(self, params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
        run_mode = params.get("RunMode") or ""
        if run_mode and run_mode != RUN_WITHOUT_CLIENT:
            raise ApiError("InvalidParameterValue", f"RunMode {run_mode!r} is not supported.")
        if not run_mode and not params.get("ClientSession"):
            raise ApiError(
                "InvalidParameter", "ClientSession is required unless RunMode is RunWithoutClient."
            )
        self._check_user(params)
        now = time.time()
        with self.state.mutate():
            self._release_idle(now)
            held = self.state.concurrencies.get(params["UserId"])
            if held is None:
                raise ApiError(
                    "FailedOperation.LockTimeout",
                    "No concurrency is applied for this UserId (or it expired).",
                )
            if held.server_session:
                # The same UserId again (a reconnect) gets its session back, unless its cloud app is still
                # being launched by the previous call.
                self._check_not_processing("CreateSession", held.user_id, now)
            else:
                payload = {
                    "UserId": held.user_id,
                    "ProjectId": held.project_id,
                    "Session": self.state.next_number(),
                    "ApplicationParameters": params.get("ApplicationParameters") or "",
                }
                held.server_session = base64.b64encode(json.dumps(payload).encode()).decode()
                held.session_created_at = now
                held.application_parameters = str(params.get("ApplicationParameters") or "")
                self._processing[("CreateSession", held.user_id)] = now
            return {"ServerSession": held.server_session}

    def start_publish_stream(self, params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
        held = self._session(params["UserId"])
        target = (self.config.css_push_domain, "live", held.user_id)
        self._publish(held, target, stream_param=params.get("PublishStreamArgs") or "")
        return {}

    def start_publish_stream_with_url(self, params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
        held = self._session(params["UserId"])
        url = urlsplit(params["PublishStreamURL"])
        path = [part for part in url.path.split("/") if part]
        if url.scheme != "rtmp" or not url.hostname or len(path) != 2:
            raise ApiError(
                "InvalidParameterValue", "PublishStreamURL must be rtmp://domain/AppName/StreamName."
            )
        app_name, stream_name = path
        if url.hostname == self.config.css_push_domain and not self.pusher.verify_push_secret(
            stream_name=stream_name, query=url.query
        ):
            raise ApiError(
                "FailedOperation", "The push URL failed CSS push authentication (txSecret/txTime)."
            )
        stream_param = "&".join(
            f"{key}={value}" for key, values in parse_qs(url.query).items() for value in values
        )
        self._publish(held, (url.hostname, app_name, stream_name), stream_param=stream_param)
        return {}

    def stop_publish_stream(self, params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
        held = self._session(params["UserId"])
        with self.state.lock:
            pushing = held.publishing and held.user_id in self._push_targets
        if not pushing:
            # Documented codes: FailedOperation, InternalError, InvalidParameter, OperationDenied,
            # ResourceNotFound.SessionNotFound — none names "no push"; the generic failure is the harsher choice.
            raise ApiError("FailedOperation", "The session is not pushing a stream.")
        self._stop_push(held)
        return {}

    def destroy_session(self, params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
        with self.state.lock:
            held = self.state.concurrencies.get(params["UserId"])
        if held is None:
            raise ApiError("ResourceNotFound.SessionNotFound", "No session exists for this UserId.")
        self._destroy(held)
        return {}

    def describe_concurrent_count(self, params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
        category = params.get("ApplicationCategory")
        if category and category not in {"DESKTOP", "MOBILE"}:
            raise ApiError("InvalidParameterValue", "ApplicationCategory must be DESKTOP or MOBILE.")
        with self.state.mutate():
            self._release_idle(time.time())
            project_id = params.get("ProjectId")
            if project_id:
                return {"Total": self.config.car_concurrency, "Running": self._in_use(project_id)}
            projects = {held.project_id for held in self.state.concurrencies.values()}
            return {
                "Total": self.config.car_concurrency * max(1, len(projects)),
                "Running": len(self.state.concurrencies),
            }

    # --- housekeeping ----------------------------------------------------------------------------------------

    def tick(self, now: float) -> None:
        with self.state.lock:
            idle = [
                held
                for held in self.state.concurrencies.values()
                if not held.server_session and now - held.applied_at > self.config.car_idle_hold_seconds
            ]
        if idle:
            with self.state.mutate():
                self._release_idle(now)

    def push_ended(self, *, domain_name: str, app_name: str, stream_name: str) -> None:
        """CSS reports that a push stopped by itself (it died or was dropped)."""
        with self.state.mutate():
            for user_id, target in list(self._push_targets.items()):
                if target == (domain_name, app_name, stream_name):
                    del self._push_targets[user_id]
                    held = self.state.concurrencies.get(user_id)
                    if held is not None:
                        held.publishing = False

    def forget_pushes(self) -> None:
        """The emulator was reset: no UserId pushes any more."""
        with self.state.lock:
            self._push_targets.clear()
            self._processing.clear()

    # --- helpers ---------------------------------------------------------------------------------------------

    def _check_user(self, params: dict[str, Any]) -> None:
        if not USER_ID.match(params["UserId"]):
            raise ApiError(
                "InvalidParameterValue",
                "UserId must be 1-64 letters, digits, '-' or '_' (it becomes the push's StreamName).",
            )
        try:
            address = ipaddress.ip_address(params["UserIp"])
        except ValueError:
            raise ApiError(
                "InvalidParameterValue", f"UserIp {params['UserIp']!r} is not an IP address."
            ) from None
        if not address.is_global and not self.config.car_allow_private_user_ip:
            raise ApiError(
                "InvalidParameterValue",
                f"UserIp {address} is not a public address; CAR schedules by the user's public IP.",
            )

    def _check_not_processing(self, action: str, user_id: str, now: float) -> None:
        since = self._processing.get((action, user_id))
        if since is not None and now - since < self.config.car_processing_seconds:
            raise ApiError("FailedOperation.SlowDown", "This UserId's request is still being processed.")

    def _in_use(self, project_id: str) -> int:
        return sum(1 for held in self.state.concurrencies.values() if held.project_id == project_id)

    def _release_idle(self, now: float) -> None:
        for user_id, held in list(self.state.concurrencies.items()):
            if not held.server_session and now - held.applied_at > self.config.car_idle_hold_seconds:
                del self.state.concurrencies[user_id]

    def _session(self, user_id: str) -> Concurrency:
        with self.state.lock:
            held = self.state.concurrencies.get(user_id)
            if held is None or not held.server_session:
                raise ApiError("ResourceNotFound.SessionNotFound", "No session exists for this UserId.")
            return held

    def _publish(self, held: Concurrency, target: tuple[str, str, str], *, stream_param: str) -> None:
        # The push starts outside the state lock: starting ffmpeg takes a moment and other calls must go on.
        now = time.time()
        with self.state.mutate():
            previous = self._push_targets.get(held.user_id)
            domain_name, app_name, stream_name = target
            live = self.pusher.is_pushing(domain_name=domain_name, app_name=app_name, stream_name=stream_name)
            if held.publishing and live:
                self._check_not_processing("StartPublishStream", held.user_id, now)
            if held.publishing and previous == target and live:
                return  # already pushing there (and settled): nothing to start
            self._push_targets[held.user_id] = target
            held.publishing = True
        if previous is not None:
            self._stop_target(previous)
        try:
            self.pusher.start_push(
                domain_name=domain_name,
                app_name=app_name,
                stream_name=stream_name,
                user_ip=held.user_ip,
                stream_param=stream_param,
                # What the cloud app would show: which app runs and the room it was told to enter.
                caption=f"{held.application_id or held.project_id} {held.application_parameters}".strip(),
                page=self._page(held),
            )
        except Exception as exc:
            with self.state.mutate():
                self._push_targets.pop(held.user_id, None)
                held.publishing = False
            raise ApiError("InternalError", f"The cloud application could not start pushing: {exc}") from exc
        with self.state.lock:  # CAR keeps processing the new push for a while after answering
            self._processing[("StartPublishStream", held.user_id)] = time.time()

    def _page(self, held: Concurrency) -> Page | None:
        """What a WEB application shows in this session (None: an APK/EXE app, or one CAR's console lacks)."""
        app = self.applications.find(project_id=held.project_id, application_id=held.application_id)
        if app is None or app.kind != "WEB":
            return None
        url = page_url(app.url, held.application_parameters)
        return Page(url=url, width=app.width, height=app.height, frame_rate=app.frame_rate)

    def _stop_push(self, held: Concurrency) -> None:
        with self.state.mutate():
            target = self._push_targets.pop(held.user_id, None)
            held.publishing = False
        if target is not None:
            self._stop_target(target)

    def _stop_target(self, target: tuple[str, str, str]) -> None:
        domain_name, app_name, stream_name = target
        self.pusher.stop_push(domain_name=domain_name, app_name=app_name, stream_name=stream_name)

    def _destroy(self, held: Concurrency) -> None:
        self._stop_push(held)
        with self.state.mutate():
            if self.state.concurrencies.get(held.user_id) is held:
                del self.state.concurrencies[held.user_id]
            for action in ("CreateSession", "StartPublishStream"):
                self._processing.pop((action, held.user_id), None)
