"""Child processes that die with the emulator: ffmpeg pushes, and a rendered page's Xvfb, Chromium and PulseAudio.

A SIGKILLed emulator cleans nothing up (no atexit, no `stop()`), and its children, each in a session of its own
(so that Ctrl-C in the terminal does not cut ffmpeg mid-write), would run on for ever, still pushing and writing
segments. So each is started with PR_SET_PDEATHSIG (SIGKILL): the kernel ends it when the emulator dies. The
signal follows the *thread* that forked, not the process, so every child is started from one long-lived thread
(`spawn`), never from a request's thread that ends right after StartPublishStream. Linux only; elsewhere the
children start as before (and `media.LiveStream` still kills an orphan left in its directory on the next start).
"""

from __future__ import annotations

import concurrent.futures
import ctypes
import ctypes.util
import os
import signal
import subprocess
from typing import Any

PR_SET_PDEATHSIG = 1

_libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
_prctl = getattr(_libc, "prctl", None)


def _new_spawner() -> concurrent.futures.ThreadPoolExecutor:
    return concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="emulator-spawn")


_spawner = _new_spawner()


def _after_fork_in_child() -> None:
    # A forked process has no spawner thread, yet the inherited executor counts it: every spawn would wait for
    # ever. The child gets an executor of its own (its thread starts with the first spawn).
    global _spawner
    _spawner = _new_spawner()


os.register_at_fork(after_in_child=_after_fork_in_child)


def _die_with_parent(parent: int) -> None:
    """Runs in the child between fork and exec: be SIGKILLed when the emulator dies (Linux only)."""
    if _prctl is not None:
        _prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # the emulator died before the signal was armed
        os._exit(1)


def spawn(command: list[str], **kwargs: Any) -> subprocess.Popen[bytes]:
    """Popen from the spawner thread, in a new session, dying with the emulator (kwargs override the defaults)."""
    parent = os.getpid()
    options: dict[str, Any] = {
        "stdin": subprocess.DEVNULL,
        "stdout": subprocess.DEVNULL,
        "stderr": subprocess.DEVNULL,
        "start_new_session": True,
        **kwargs,
    }

    def start() -> subprocess.Popen[bytes]:
        # preexec_fn only calls prctl and getppid (no locks, no allocation worth speaking of) before exec.
        return subprocess.Popen(command, preexec_fn=lambda: _die_with_parent(parent), **options)

    return _spawner.submit(start).result()
