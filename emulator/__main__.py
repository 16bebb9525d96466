"""`python -m emulator --port 8765`: serve the Tencent Cloud emulator until interrupted."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from types import FrameType

from emulator.config import EmulatorConfig
from emulator.server import serve_forever


def main(argv: list[str] | None = None) -> None:
    config = EmulatorConfig.from_env()
    parser = argparse.ArgumentParser(prog="python -m emulator", description="Local Tencent Cloud emulator.")
    parser.add_argument("--host", default=config.host)
    parser.add_argument("--port", type=int, default=config.port)
    parser.add_argument("--log-level", default=os.environ.get("LOG_LEVEL", "INFO"))
    args = parser.parse_args(argv)
    logging.basicConfig(level=args.log_level, format="%(asctime)s %(levelname)s %(name)s %(message)s")

    def stop(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt  # unwinds serve_forever so the snapshot is saved and pushes stop

    signal.signal(signal.SIGTERM, stop)
    try:
        serve_forever(config.replace(host=args.host, port=args.port))
    except KeyboardInterrupt:
        sys.exit(0)


if __name__ == "__main__":
    main()
