"""A throwaway PostgreSQL server for tests and benchmarks.

PostgreSQL refuses to run as root, so when we are root the server runs as ``nobody`` in
a temporary directory that ``nobody`` owns. It listens on a free loopback port only,
uses a private socket directory, trusts local connections (it never leaves loopback) and
is stopped and deleted by ``stop()``.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType

from tests.support import free_port

NOBODY = 65534
#: Tries at CREATE DATABASE while its template is still held by a closing connection.
CREATE_ATTEMPTS = 20


def find_bindir() -> Path | None:
    """The newest PostgreSQL server bin directory on this machine, or None."""
    env = os.environ.get("CLAUSEWATCH_PG_BINDIR")
    if env:
        return Path(env)
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
    if found:
        return Path(found[0]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


class ThrowawayPostgres:
    """Start with ``start()`` (or ``with``); ``url(dbname)`` gives a psycopg URL."""

    def __init__(self, bindir: Path | None = None) -> None:
        found = bindir or find_bindir()
        if found is None:
            raise RuntimeError("PostgreSQL server binaries not found (set CLAUSEWATCH_PG_BINDIR)")
        self.bindir = found
        self.port = 0
        self.root = Path(tempfile.mkdtemp(prefix="clausewatch-pg-"))
        self.datadir = self.root / "data"
        self.sockdir = self.root / "sock"
        self._as_root = os.geteuid() == 0

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        who = NOBODY if self._as_root else None
        return subprocess.run(
            [str(self.bindir / args[0]), *args[1:]],
            check=True,
            capture_output=True,
            text=True,
            cwd=self.root,
            user=who,
            group=who,
        )

    def start(self) -> ThrowawayPostgres:
        """initdb, start on a free loopback port, and wait until it accepts connections."""
        self.sockdir.mkdir()
        if self._as_root:
            for path in (self.root, self.sockdir):
                os.chown(path, NOBODY, NOBODY)
        self._run(
            "initdb",
            "-D",
            str(self.datadir),
            "-U",
            "postgres",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        )
        self.port = free_port()
        options = (
            f"-c listen_addresses=127.0.0.1 -c port={self.port} "
            f"-c unix_socket_directories={self.sockdir} -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=100"
        )
        self._run(
            "pg_ctl",
            "-D",
            str(self.datadir),
            "-o",
            options,
            "-l",
            str(self.root / "server.log"),
            "-w",
            "-t",
            "60",
            "start",
        )
        return self

    def restart(self) -> None:
        """Restart the server in place (fault tests: connections drop, data stays)."""
        # Without -l the restarted server inherits our captured stdout and the call never ends.
        self._run(
            "pg_ctl",
            "-D",
            str(self.datadir),
            "-m",
            "fast",
            "-l",
            str(self.root / "server.log"),
            "-w",
            "-t",
            "60",
            "restart",
        )

    def stop(self) -> None:
        """Stop the server and delete its files."""
        if self.datadir.exists():
            with contextlib.suppress(subprocess.CalledProcessError):
                self._run("pg_ctl", "-D", str(self.datadir), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.root, ignore_errors=True)

    def url(self, dbname: str = "postgres") -> str:
        """A SQLAlchemy URL for ``dbname`` on this server."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{dbname}"

    def create_database(
        self, name: str, template: str | None = None, *, attempts: int = CREATE_ATTEMPTS
    ) -> str:
        """Create database ``name`` (optionally from ``template``); returns its URL. Raises
        RuntimeError if the template stays in use through ``attempts`` tries."""
        import psycopg

        with psycopg.connect(
            f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres", autocommit=True
        ) as conn:
            suffix = f" TEMPLATE {template}" if template else ""
            for attempt in range(attempts):
                try:
                    conn.execute(f'CREATE DATABASE "{name}"{suffix}')
                    return self.url(name)
                except psycopg.errors.ObjectInUse as exc:
                    # The template is still held by a closing connection; it goes in a moment.
                    in_use: Exception = exc
                    time.sleep(0.05 * (attempt + 1))
        raise RuntimeError(
            f"could not create database {name!r} from template {template!r}: still in use"
            f" after {attempts} attempts (a connection to the template was left open)"
        ) from in_use

    def __enter__(self) -> ThrowawayPostgres:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
