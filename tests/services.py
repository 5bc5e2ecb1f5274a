"""Access to the machine's real services for the tests that need them.

A fresh laptop may have no Redis and no Chromium: those tests skip there. CI
sets REQUIRE_SERVICES=1, and then a missing service fails the run instead.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
CHROMIUM = os.environ.get("CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")


def _reachable(url: str) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname, parsed.port or 6379), timeout=1):
            return True
    except OSError:
        return False


def require(available: bool, what: str) -> None:
    if available:
        return
    if os.environ.get("REQUIRE_SERVICES") == "1":
        pytest.fail(f"{what} is required (REQUIRE_SERVICES=1) but is not available")
    pytest.skip(f"{what} is not available on this machine")


def require_redis() -> str:
    require(_reachable(REDIS_URL), f"Redis at {REDIS_URL}")
    return REDIS_URL


def require_chromium() -> str:
    require(os.path.exists(CHROMIUM), f"Chromium at {CHROMIUM}")
    return CHROMIUM


# --- Private servers for the fault tests ----------------------------------------------
# The fault tests stop and restart PostgreSQL and Redis. They never touch the machine's
# shared servers (other test runs use them): each starts its own, on a free port, in a
# temporary folder, and removes it afterwards.


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _postgres_bin() -> Path | None:
    """PostgreSQL's server programs: PG_BIN, else Debian's newest, else on the PATH."""
    if os.environ.get("PG_BIN"):
        return Path(os.environ["PG_BIN"])
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]))
    if found:
        return found[-1].parent
    initdb = shutil.which("initdb")
    return Path(initdb).resolve().parent if initdb else None


class PrivatePostgres:
    """A throwaway PostgreSQL cluster: initdb into a temporary folder, pg_ctl on a free port.

    PostgreSQL refuses to run as root; as root the programs run as the ``postgres`` user
    (runuser), which owns the folder. fsync stays on: committed means on disk."""

    def __init__(self, bin_dir: Path) -> None:
        self.bin = bin_dir
        self.dir = Path(tempfile.mkdtemp(prefix="cbti-pg-"))
        self.data = self.dir / "data"
        self.port = free_port()
        self.as_owner: list[str] = []
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            os.chown(self.dir, owner.pw_uid, owner.pw_gid)
            self.as_owner = ["runuser", "-u", "postgres", "--"]

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, program: str, *args: str) -> None:
        subprocess.run(
            [*self.as_owner, str(self.bin / program), *args],
            check=True,
            capture_output=True,
            timeout=60,
        )

    def init(self) -> None:
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1"
        self._run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.dir / "log"),
            "-w",
            "start",
        )

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def remove(self) -> None:
        with contextlib.suppress(subprocess.SubprocessError, OSError):
            self.stop("immediate")
        shutil.rmtree(self.dir, ignore_errors=True)


@contextlib.contextmanager
def private_postgres(database: str = "cbti") -> Iterator[PrivatePostgres]:
    bin_dir = _postgres_bin()
    require(
        bin_dir is not None
        and (bin_dir / "pg_ctl").exists()
        and shutil.which("runuser") is not None,
        "PostgreSQL's server programs (initdb, pg_ctl)",
    )
    server = PrivatePostgres(bin_dir)
    try:
        server.init()
        server.start()
        import psycopg

        with psycopg.connect(server.url("postgres"), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{database}"')
        yield server
    finally:
        server.remove()


class PrivateRedis:
    """A throwaway Redis with no persistence: a restart loses every queued message, the
    worst case for a broker outage."""

    def __init__(self, program: str) -> None:
        self.program = program
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                self.program,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while not _reachable(self.url):
            assert time.monotonic() < deadline, "the private Redis did not start"
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None


@contextlib.contextmanager
def private_redis() -> Iterator[PrivateRedis]:
    program = shutil.which("redis-server")
    require(program is not None, "redis-server")
    server = PrivateRedis(program)
    try:
        server.start()
        yield server
    finally:
        server.stop()
