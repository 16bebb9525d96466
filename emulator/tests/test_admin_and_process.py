"""The admin routes, the JSON snapshot across restarts, and `python -m emulator` as a process."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException

from emulator.testing import RunningEmulator, running_emulator
from emulator.tests.sdk import Clients, call, make_clients

pytestmark = pytest.mark.emulator

OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))
ROOT = Path(__file__).resolve().parents[2]


def admin(emu: RunningEmulator, method: str, route: str, body: Any = None) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(f"{emu.base_url}/_emulator/{route}", data=data, method=method)
    try:
        with OPENER.open(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_faults_set_through_admin_reach_the_api(emu: RunningEmulator, clients: Clients) -> None:
    status, _ = admin(
        emu,
        "POST",
        "faults",
        {"actions": {"CreateSession": {"error_code": "ResourceUnavailable.Initialization", "count": 1}}},
    )
    assert status == 200
    call(clients.car, "ApplyConcurrent", UserId="u1", UserIp="125.127.178.221", ProjectId="cap-admin01")
    with pytest.raises(TencentCloudSDKException) as excinfo:
        call(clients.car, "CreateSession", UserId="u1", UserIp="125.127.178.221", RunMode="RunWithoutClient")
    assert excinfo.value.code == "ResourceUnavailable.Initialization"
    call(clients.car, "CreateSession", UserId="u1", UserIp="125.127.178.221", RunMode="RunWithoutClient")

    status, state = admin(emu, "GET", "state")
    assert status == 200 and [item["user_id"] for item in state["concurrencies"]] == ["u1"]
    assert state["faults"]["actions"]["CreateSession"]["count"] == 0

    assert admin(emu, "POST", "faults", {"actions": {"X": {"bogus": 1}}})[0] == 400
    assert (
        admin(emu, "POST", "faults", {"push": {"die_after_s": 5}, "callbacks": {"drop_rate": 0.5}})[0] == 200
    )
    assert emu.app.faults.push_die_after_s == 5
    assert admin(emu, "DELETE", "faults")[1]["actions"] == {}

    assert admin(emu, "POST", "reset")[0] == 200
    assert admin(emu, "GET", "state")[1]["concurrencies"] == []
    assert admin(emu, "GET", "nothing")[0] == 404


def test_snapshot_survives_a_restart(tmp_path: Path) -> None:
    snapshot = tmp_path / "state.json"
    data_dir = tmp_path / "data"
    with running_emulator(EMULATOR_SNAPSHOT=str(snapshot), EMULATOR_DATA_DIR=str(data_dir)) as first:
        (tmp_path / "upload.mp4").write_bytes(b"kept-bytes")
        first.app.cos.stage(key="record/keep/a.mp4", path=tmp_path / "upload.mp4")
        first.app.cos.publish("record/keep/a.mp4")
        clients = make_clients(first)
        call(
            clients.car, "ApplyConcurrent", UserId="keep", UserIp="125.127.178.221", ProjectId="cap-snap0001"
        )
        call(
            clients.car, "CreateSession", UserId="keep", UserIp="125.127.178.221", RunMode="RunWithoutClient"
        )
        task_id = call(
            clients.live,
            "CreateRecordTask",
            StreamName="keep",
            DomainName=first.config.css_push_domain,
            AppName="live",
            EndTime=int(time.time()) + 600,
        )["TaskId"]
    assert snapshot.exists()
    with running_emulator(EMULATOR_SNAPSHOT=str(snapshot), EMULATOR_DATA_DIR=str(data_dir)) as second:
        clients = make_clients(second)
        url = clients.cos.get_presigned_url(
            Bucket=second.config.cos_bucket, Key="record/keep/a.mp4", Method="GET", Expired=60
        )
        with OPENER.open(url, timeout=10) as response:
            assert response.read() == b"kept-bytes"
        assert call(clients.car, "DescribeConcurrentCount", ProjectId="cap-snap0001")["Running"] == 1
        now = int(time.time())
        tasks = call(clients.live, "DescribeRecordTask", StartTime=now - 600, EndTime=now + 3600)["TaskList"]
        assert [task["TaskId"] for task in tasks] == [task_id]
    snapshot.unlink()
    with running_emulator(EMULATOR_DATA_DIR=str(data_dir)):
        assert not (data_dir / "cos").exists()  # without a state to name them, stored files are orphans


def test_python_dash_m_emulator_serves_until_terminated(tmp_path: Path) -> None:
    env = {**os.environ, "EMULATOR_DATA_DIR": str(tmp_path), "NO_PROXY": "127.0.0.1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "emulator", "--port", "0"],
        cwd=ROOT,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stderr is not None
        port = None
        deadline = time.time() + 20
        while port is None and time.time() < deadline:
            match = re.search(r"listening on http://127\.0\.0\.1:(\d+)", process.stderr.readline())
            port = int(match[1]) if match else None
        assert port, "the emulator never said where it listens"
        with OPENER.open(f"http://127.0.0.1:{port}/_emulator/state", timeout=10) as response:
            assert json.loads(response.read())["concurrencies"] == []
    finally:
        process.terminate()
        assert process.wait(timeout=15) == 0
