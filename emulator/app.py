"""The emulator itself: configuration, state, services, fault injection and the API dispatcher.

A request is answered like Tencent's API gateway does it: signature first (the service comes from the credential
scope), then action + version, then injected faults and throttling, then parameter checking, then the action.
"""

from __future__ import annotations

import json
import logging
import shutil
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from emulator import envelope
from emulator.callbacks import CallbackFaults, CallbackSender
from emulator.car import CarService
from emulator.config import EmulatorConfig
from emulator.cos import CosService
from emulator.css import CssService
from emulator.envelope import ApiError
from emulator.faults import Faults
from emulator.mps import MpsService
from emulator.params import Action, RequestContext, check, from_query
from emulator.replies import Reply, text
from emulator.signature import verify
from emulator.state import EmulatorState
from emulator.usage import UsageService
from emulator.vod import VodService
from emulator.webchannel import Channels

logger = logging.getLogger("emulator")
TICK_SECONDS = 0.5
REQUEST_LOG_SIZE = 2_000
TRANSIENT_DIRS = ("live", "work")
STORED_DIRS = ("vod", "cos", "snapshots")
SERVICE_VERSIONS = {"car": "2022-01-10", "live": "2018-08-01", "vod": "2018-07-17", "mps": "2019-06-12"}


@dataclass(frozen=True)
class ApiRequest:
    at: float
    action: str
    code: str  # "" = success
    request_id: str
    client_ip: str


class Emulator:
    def __init__(self, config: EmulatorConfig) -> None:
        self.config = config
        config.data_dir.mkdir(parents=True, exist_ok=True)
        # Pushes and half-assembled files cannot survive a restart; stored files only with the state naming them.
        restoring = config.snapshot is not None and config.snapshot.exists()
        self._remove_data(TRANSIENT_DIRS if restoring else TRANSIENT_DIRS + STORED_DIRS)
        self.state = EmulatorState(config.snapshot)
        self.faults = Faults(
            enforce_documented_rates=config.enforce_rate_limits, chaos_rate=config.background_error_rate
        )
        self.callbacks = CallbackSender(
            key=config.css_callback_key,
            url=config.callback_url,
            retry_interval_s=config.callback_retry_seconds,
        )
        self.vod = VodService(config=config, state=self.state)
        self.cos = CosService(config=config, state=self.state, faults=self.faults)
        self.css = CssService(
            config=config,
            state=self.state,
            callbacks=self.callbacks,
            faults=self.faults,
            vod=self.vod,
            cos=self.cos,
        )
        self.car = CarService(config=config, state=self.state, pusher=self.css)
        self.css.push_ended_listeners.append(self.car.push_ended)
        self.channels = Channels()  # the sample WEB app's comments and gifts (webchannel.py)
        self.services: dict[str, dict[str, Action]] = {
            "car": self.car.actions(),
            "live": {**self.css.actions(), **UsageService(state=self.state).actions()},
            "vod": self.vod.actions(),
            "mps": MpsService(config=config, state=self.state).actions(),
        }
        # The latest API requests with their outcome, for the admin view and for tests counting calls.
        self.requests: deque[ApiRequest] = deque(maxlen=REQUEST_LOG_SIZE)
        self._provision()
        self._stopping = threading.Event()
        self._ticker = threading.Thread(target=self._tick_forever, name="emulator-ticker", daemon=True)
        self._ticker.start()

    # --- Tencent Cloud API 3.0 -------------------------------------------------------------------------------

    def handle_api(
        self, *, method: str, path: str, query: str, headers: dict[str, str], body: bytes, client_ip: str
    ) -> tuple[int, bytes]:
        request_id = envelope.new_request_id()
        action_name = headers.get("x-tc-action", "")
        status, payload, code = self._answer(method, path, query, headers, body, client_ip, request_id)
        self.requests.append(
            ApiRequest(
                at=time.time(), action=action_name, code=code, request_id=request_id, client_ip=client_ip
            )
        )
        return status, payload

    def _answer(
        self,
        method: str,
        path: str,
        query: str,
        headers: dict[str, str],
        body: bytes,
        client_ip: str,
        request_id: str,
    ) -> tuple[int, bytes, str]:
        """→ (HTTP status, body, error code or "" on success)."""
        action_name = headers.get("x-tc-action", "")
        try:
            if method not in {"POST", "GET"} or path != "/":
                raise ApiError("UnsupportedProtocol", "Tencent Cloud API 3.0 is served by POST or GET on /.")
            verified = verify(
                method=method,
                path=path,
                query=query if method == "GET" else "",
                headers=headers,
                body=body,
                credentials=self.config.credentials,
            )
            actions = self.services.get(verified.service)
            if actions is None:
                raise ApiError("InvalidAction", f"The service {verified.service!r} is not emulated.")
            action = actions.get(action_name)
            if action is None:
                raise ApiError("InvalidAction", f"The action {action_name!r} does not exist.")
            version = headers.get("x-tc-version", "")
            if version != SERVICE_VERSIONS[verified.service]:
                raise ApiError(
                    "NoSuchVersion", f"The API version {version!r} does not exist for this action."
                )
            params = self._params(method, query, body)
            if method == "GET":
                params = from_query(params, action.spec)
            self.faults.before(action_name)
            check(params, action.spec)
            region = headers.get("x-tc-region", "")
            if action.region_required and not region:
                raise ApiError("MissingParameter", "The request is missing a required parameter `Region`.")
            fields = action.handler(
                params, RequestContext(action=action_name, region=region, client_ip=client_ip)
            )
            return 200, envelope.success(fields, request_id), ""
        except ApiError as exc:
            return 200, envelope.error(exc.code, exc.message, request_id), exc.code
        except Exception as exc:
            logger.exception("action %s failed", action_name)
            return 200, envelope.error("InternalError", f"Internal error: {exc}", request_id), "InternalError"

    @staticmethod
    def _params(method: str, query: str, body: bytes) -> dict[str, Any]:
        if method == "GET":
            return {key: values[-1] for key, values in parse_qs(query).items()}
        if not body:
            return {}
        try:
            params = json.loads(body)
        except ValueError as exc:
            raise ApiError("InvalidParameter", "The request body is not valid JSON.") from exc
        if not isinstance(params, dict):
            raise ApiError("InvalidParameter", "The request body must be a JSON object.")
        return params

    # --- media -----------------------------------------------------------------------------------------------

    def serve_media(self, *, path: str, query: dict[str, list[str]], range_header: str | None) -> Reply:
        if path.startswith("/vod/"):
            return self.vod.serve(path=path, query=query, range_header=range_header)
        if path.startswith("/snapshots/"):
            return self.css.serve_snapshot(path=path, range_header=range_header)
        reply = self.css.serve_live(path=path, query=query)
        return reply if reply is not None else text(404, "Not found.")

    # --- lifecycle -------------------------------------------------------------------------------------------

    def _tick_forever(self) -> None:
        while not self._stopping.wait(TICK_SECONDS):
            now = time.time()
            for tick in (self.car.tick, self.css.tick):
                try:
                    tick(now)
                except Exception:
                    logger.exception("emulator housekeeping failed")

    def reset(self) -> None:
        """Forget everything: stop pushes and recordings, clear state and faults."""
        self.css.stop_all()
        self.car.forget_pushes()
        self.css.wait_idle(10)
        self.faults.clear()
        self.callbacks.set_faults(CallbackFaults())
        self.state.reset()
        self.car.applications.clear()
        self.channels.clear()
        self.requests.clear()
        self._remove_data(TRANSIENT_DIRS + STORED_DIRS)
        self._provision()

    def _provision(self) -> None:
        if self.config.provisioned and not self.state.record_templates:
            self.css.account.provision_defaults()

    def _remove_data(self, names: tuple[str, ...]) -> None:
        for name in names:
            shutil.rmtree(self.config.data_dir / name, ignore_errors=True)

    def close(self) -> None:
        self._stopping.set()
        self._ticker.join(timeout=5)
        self.css.close()
        self.callbacks.close()
        self.state.save()
