"""A real ``prefect server start`` on a free loopback port, with its own PREFECT_HOME.

Used by the end-to-end orchestration test, the demo and the reliability tests: the server,
the CLI calls and the worker all share :attr:`PrefectServer.env`, so nothing reads or
writes the operator's own Prefect profile, database or result cache.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType

from tests.support import free_port


class PrefectServer:
    """Starts and stops a Prefect API server; raises RuntimeError when it does not come up."""

    def __init__(
        self,
        home: Path,
        *,
        port: int | None = None,
        startup_timeout: float = 120.0,
        extra_env: Mapping[str, str] | None = None,
    ) -> None:
        self.home = home
        self.port = port or free_port()
        self.startup_timeout = startup_timeout
        self.log_path = home / "server.log"
        self._process: subprocess.Popen[bytes] | None = None
        self.env = {
            **os.environ,
            "PREFECT_HOME": str(home),
            "PREFECT_API_URL": self.api_url,
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "PREFECT_SERVER_API_HOST": "127.0.0.1",
            "PREFECT_SERVER_API_PORT": str(self.port),
            "PREFECT_UI_API_URL": self.api_url,
            "PREFECT_LOGGING_LEVEL": "INFO",
            **(extra_env or {}),
        }
        # An outer profile's API key or URL must not leak into the throwaway server.
        self.env.pop("PREFECT_API_KEY", None)
        self.env.pop("PREFECT_PROFILES_PATH", None)

    @property
    def url(self) -> str:
        """The server's origin, which also serves the UI."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        """The API root that clients and workers use (PREFECT_API_URL)."""
        return f"{self.url}/api"

    def start(self) -> None:
        """Start the server and wait until its health check answers."""
        self.home.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            command = [sys.executable, "-m", "prefect", "server", "start"]
            self._process = subprocess.Popen(
                [*command, "--host", "127.0.0.1", "--port", str(self.port)],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"prefect server exited; see {self.log_path}")
            if self.healthy():
                return
            time.sleep(0.25)
        self.stop()
        raise RuntimeError(f"prefect server not healthy after {self.startup_timeout:.0f} s")

    def healthy(self) -> bool:
        """Whether ``/api/health`` answers 200."""
        try:
            with urllib.request.urlopen(f"{self.api_url}/health", timeout=2) as response:
                return int(response.status) == 200
        except (urllib.error.URLError, OSError):
            return False

    def cli(
        self, *args: str, cwd: Path | None = None, timeout: float = 180.0, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        """Run ``prefect ARGS`` against this server; raises CalledProcessError when asked."""
        return subprocess.run(
            [sys.executable, "-m", "prefect", *args],
            env=self.env,
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=check,
        )

    def popen(
        self, args: Sequence[str], *, cwd: Path | None = None, env: Mapping[str, str] | None = None
    ) -> subprocess.Popen[bytes]:
        """Start ``prefect ARGS`` (e.g. a worker) in its own process group, logging to home."""
        log = (self.home / f"{args[0]}-{time.monotonic_ns()}.log").open("ab")
        return subprocess.Popen(
            [sys.executable, "-m", "prefect", *args],
            env={**self.env, **(env or {})},
            cwd=cwd,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def stop(self) -> None:
        """Stop the server (its whole process group) and wait for it."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()

    def __enter__(self) -> PrefectServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
