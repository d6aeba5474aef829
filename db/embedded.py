"""A private PostgreSQL cluster for development and tests, used when no DATABASE_URL is set.

Layout under the cluster root: `data/` (PGDATA), `run/` (the only listener: a unix socket, no
TCP) and `log/postgres.log`. The cluster is reused across runs; `stop()` only stops a server this
object started, so a server another process of ours started keeps running for it.
"""

import fcntl
import hashlib
import logging
import os
import pwd
import re
import shlex
import shutil
import stat
import subprocess
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Self
from urllib.parse import quote

import psycopg
from psycopg import sql

log = logging.getLogger(__name__)

_TOOLS = ("initdb", "pg_ctl", "postgres")
_PORT = 5432
_SUN_PATH_MAX = 107  # sizeof(sockaddr_un.sun_path) less the terminating NUL
_RESERVED = {"listen_addresses", "port", "unix_socket_directories", "unix_socket_permissions"}
_SETTING_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*")
_FIX = (
    "install PostgreSQL server binaries, e.g. `apt-get install -y postgresql` on Debian/Ubuntu,"
    " or set DATABASE_URL to an existing server"
)


class EmbeddedPostgresError(RuntimeError):
    """The embedded cluster cannot be found, created or started; the message says what to do."""


def _has_tools(directory: Path) -> bool:
    return all(os.access(directory / tool, os.X_OK) for tool in _TOOLS)


def find_pg_bindir(
    path: str | None = None, *, versioned_root: Path = Path("/usr/lib/postgresql")
) -> Path:
    """The directory holding initdb, pg_ctl and postgres: from PATH (or `path`), then
    `pg_config --bindir`, then the newest `versioned_root/*/bin` (Debian's layout)."""
    if initdb := shutil.which("initdb", path=path):
        # Resolved first: a symlink farm such as /usr/local/bin may lack `postgres`, and pg_ctl
        # looks for postgres next to its own resolved location anyway.
        for candidate in (Path(initdb).resolve().parent, Path(initdb).parent):
            if _has_tools(candidate):
                return candidate
    searched = ["initdb, pg_ctl and postgres on PATH"]
    reported = "not found"
    if pg_config := shutil.which("pg_config", path=path):
        try:
            run = subprocess.run(
                [pg_config, "--bindir"], capture_output=True, text=True, timeout=10
            )
            reported = run.stdout.strip() or "failed"
        except (OSError, subprocess.SubprocessError):
            reported = "failed"
        if _has_tools(Path(reported)):
            return Path(reported)
    searched.append(f"`pg_config --bindir` ({reported})")

    def version(bindir: Path) -> tuple[int, ...]:  # numeric: 9.6 is older than 15
        return tuple(int(part) for part in re.findall(r"\d+", bindir.parent.name))

    for candidate in sorted(versioned_root.glob("*/bin"), key=version, reverse=True):
        if _has_tools(candidate):
            return candidate
    searched.append(f"{versioned_root}/*/bin")
    raise EmbeddedPostgresError(
        "PostgreSQL server binaries (initdb, pg_ctl, postgres) were not found; searched "
        f"{'; '.join(searched)}. To fix: {_FIX}."
    )


class EmbeddedPostgres:
    """A cluster under `data_dir`; `start()` returns a SQLAlchemy URL to `database` on it."""

    def __init__(
        self,
        data_dir: Path,
        *,
        bindir: Path | None = None,
        database: str = "bhxh",
        extra_settings: Mapping[str, str] | None = None,
    ) -> None:
        self.data_dir = data_dir.resolve()
        self.database = database
        self._bindir = bindir
        self._settings = dict(extra_settings or {})
        for name in self._settings:
            if not _SETTING_NAME.fullmatch(name) or name in _RESERVED:
                raise ValueError(f"setting {name!r} cannot be passed to the embedded server")
        self._as_root = os.geteuid() == 0
        self._located = False
        self._set_root(self.data_dir)
        self.created_cluster = False
        """Whether the last start() ran initdb."""
        self._started_server = False
        self._url: str | None = None

    def _set_root(self, root: Path) -> None:
        self.root = root
        """Holds data/, run/ and log/: data_dir unless relocated (see `_cluster_root`)."""
        self.data_path, self.socket_dir = root / "data", root / "run"
        self.log_file = root / "log" / "postgres.log"

    @property
    def url(self) -> str:
        if self._url is None:
            raise EmbeddedPostgresError("the embedded PostgreSQL has not been started")
        return self._url

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def start(self) -> str:
        if self._url is not None:
            return self._url
        self.created_cluster = False
        self._tool("postgres")  # fail on missing binaries before touching the disk
        with self._lock():
            self._locate()
            self._prepare_dirs()
            if (self.data_path / "PG_VERSION").exists():
                self._check_version()
            else:
                self._initdb()
            if self.running():
                log.info("reusing the running embedded PostgreSQL in %s", self.data_path)
            else:
                self._start_server()
            try:
                self._ensure_database()
            except BaseException:
                self._stop_server()
                raise
        database, host = quote(self.database), quote(str(self.socket_dir))
        self._url = f"postgresql+psycopg://postgres@/{database}?host={host}"
        return self._url

    def stop(self) -> None:
        self._url = None
        if self._started_server:
            with self._lock():
                self._stop_server()

    def running(self) -> bool:
        """Whether this cluster's server runs. Forgets the lock files (postmaster.pid and the
        socket's) of a crashed server whose pid is now a zombie or an unrelated process, as after
        a container restart: postgres itself would refuse to start, seeing only a live pid."""
        self._locate()
        if self._pg_ctl("status").returncode != 0:  # 3: not running, 4: no cluster
            return False
        pid_file = self.data_path / "postmaster.pid"
        users = _processes_in(self.data_path)
        try:
            pid = int(pid_file.read_text().split("\n", 1)[0])
        except (OSError, ValueError):
            return True
        if users is None or pid in users:
            return True
        if users:  # deleting the pid file would also drop postgres's guard against orphans
            raise EmbeddedPostgresError(
                f"the server of {self.data_path} (pid {pid}) is gone but processes {users} still"
                " use the cluster; wait for them to exit or kill them"
            )
        log.warning("removing stale lock files of pid %d, which is not this cluster's server", pid)
        for lock_file in (pid_file, self.socket_dir / f".s.PGSQL.{_PORT}.lock"):
            with suppress(OSError, ValueError):
                if int(lock_file.read_text().split("\n", 1)[0]) == pid:
                    lock_file.unlink()
        return False

    @contextmanager
    def _lock(self) -> Iterator[None]:
        # flock, not a pid file: the kernel drops it when a process dies mid-start.
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with open(self.data_dir / ".lock", "a") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                log.info("waiting for another process to finish starting %s", self.data_dir)
                fcntl.flock(handle, fcntl.LOCK_EX)
            yield

    def _locate(self) -> None:
        if not self._located:
            self.data_dir.mkdir(parents=True, exist_ok=True)
            self._set_root(self._cluster_root())
            self._located = True

    def _cluster_root(self) -> Path:
        if not self._as_root or self._run(["test", "-x", self.data_dir]).returncode == 0:
            return self.data_dir
        # The postgres user cannot reach data_dir (a 0700 ancestor such as /root or pytest's
        # /tmp/pytest-of-root). Loosening the user's permissions is not ours to do, so the cluster
        # moves to a postgres-owned directory keyed by data_dir; /tmp also keeps the socket short.
        digest = hashlib.sha256(os.fsencode(self.data_dir)).hexdigest()[:16]
        root = Path("/tmp") / f"bhxh-pg-{digest}"
        owner = _postgres_user()
        with suppress(FileExistsError):
            root.mkdir(mode=0o700)
            os.chown(root, owner.pw_uid, owner.pw_gid)
        found = root.lstat()
        # /tmp is world-writable and the name predictable: trust only a postgres-owned directory.
        if not stat.S_ISDIR(found.st_mode) or found.st_uid != owner.pw_uid:
            raise EmbeddedPostgresError(f"{root} is not a directory owned by postgres; remove it")
        log.warning(
            "postgres cannot reach %s; the embedded cluster lives in %s", self.data_dir, root
        )
        return root

    def _prepare_dirs(self) -> None:
        owner = _postgres_user() if self._as_root else None
        for directory in (self.data_path, self.socket_dir, self.log_file.parent):
            directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            if owner is not None:
                os.chown(directory, owner.pw_uid, owner.pw_gid)
        socket = self.socket_dir / f".s.PGSQL.{_PORT}"
        if len(os.fsencode(socket)) > _SUN_PATH_MAX:
            raise EmbeddedPostgresError(
                f"the socket path {socket} is longer than the {_SUN_PATH_MAX} bytes a unix socket"
                " allows; use a data directory with a shorter path"
            )

    def _check_version(self) -> None:
        cluster = (self.data_path / "PG_VERSION").read_text().strip()
        out = self._run([self._tool("postgres"), "-V"], as_postgres=False).stdout
        if (match := re.search(r"\(PostgreSQL\) (\d+)(?:\.(\d+))?", out)) is None:
            raise EmbeddedPostgresError(f"cannot tell the version of {self._tool('postgres')}")
        binaries = match[1] if int(match[1]) >= 10 else f"{match[1]}.{match[2]}"
        if cluster != binaries:
            raise EmbeddedPostgresError(
                f"the cluster in {self.data_path} was created by PostgreSQL {cluster} but the"
                f" binaries in {self._bindir} are PostgreSQL {binaries}; install PostgreSQL"
                f" {cluster} and pass its bindir, or move {self.data_path} away to start afresh"
                " (its data is not migrated)"
            )

    def _initdb(self) -> None:
        flags = ["--auth=trust", "--username=postgres", "--encoding=UTF8"]
        if self._settings.get("fsync") == "off":
            flags.append("--no-sync")  # a cluster that does not fsync need not be synced now
        command: list[str | Path] = [self._tool("initdb"), "-D", self.data_path, *flags]
        done = self._run([*command, "--locale=C.UTF-8"])
        if done.returncode != 0:
            log.info("initdb with the C.UTF-8 locale failed; falling back to the C locale")
            done = self._run([*command, "--no-locale"])
        if done.returncode != 0:
            raise EmbeddedPostgresError(
                f"initdb failed in {self.data_path}:\n{done.stderr[-2000:]}"
            )
        self.created_cluster = True
        log.info("created an embedded PostgreSQL cluster in %s", self.data_path)

    def _start_server(self) -> None:
        settings = {
            **self._settings,
            "listen_addresses": "",
            "port": str(_PORT),
            "unix_socket_directories": str(self.socket_dir),
            "unix_socket_permissions": "0700",  # trust auth: whoever reaches it is superuser
        }
        # pg_ctl pastes -o into a shell command line, hence the quoting.
        options = " ".join(f"-c {shlex.quote(f'{k}={v}')}" for k, v in settings.items())
        done = self._pg_ctl("start", "-w", "-t", "60", "-l", self.log_file, "-o", options)
        if done.returncode != 0:
            try:
                tail = "".join(self.log_file.read_text(errors="replace").splitlines(True)[-20:])
            except OSError:
                tail = done.stderr
            raise EmbeddedPostgresError(f"PostgreSQL did not start; {self.log_file} ends:\n{tail}")
        self._started_server = True
        log.info("started the embedded PostgreSQL in %s", self.data_path)

    def _stop_server(self) -> None:
        if not self._started_server:
            return
        self._started_server = False
        if not self.running():  # crashed: pg_ctl would wait on a dead (or zombie) pid
            log.warning("the embedded PostgreSQL in %s was already gone", self.data_path)
            return
        done = self._pg_ctl("stop", "-m", "fast", "-w", "-t", "60")
        if done.returncode != 0:
            log.warning("pg_ctl stop failed: %s", done.stderr.strip())
        else:
            log.info("stopped the embedded PostgreSQL in %s", self.data_path)

    def _ensure_database(self) -> None:
        host = str(self.socket_dir)
        with psycopg.connect(host=host, port=_PORT, user="postgres", autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [self.database])
            if exists.fetchone() is None:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(self.database)))
                log.info("created database %s", self.database)

    def _tool(self, name: str) -> Path:
        if self._bindir is None:
            self._bindir = find_pg_bindir()
        return self._bindir / name

    def _pg_ctl(self, *args: str | Path) -> subprocess.CompletedProcess[str]:
        return self._run([self._tool("pg_ctl"), *args, "-D", self.data_path])

    def _run(
        self, args: Sequence[str | Path], *, as_postgres: bool = True
    ) -> subprocess.CompletedProcess[str]:
        command = [str(arg) for arg in args]
        if self._as_root and as_postgres:  # initdb, pg_ctl and postgres refuse to run as root
            _postgres_user()
            if runuser := shutil.which("runuser", path=f"{os.defpath}:/usr/sbin:/sbin"):
                command = [runuser, "-u", "postgres", "--", *command]
            else:
                command = ["su", "postgres", "-s", "/bin/sh", "-c", shlex.join(command)]
        # cwd=/: the caller's directory may be closed to the postgres user. A new session keeps
        # the server out of the terminal's Ctrl-C, so stop() can shut it down in order.
        try:
            return subprocess.run(
                command,
                capture_output=True,
                text=True,
                cwd="/",
                timeout=120,
                start_new_session=True,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise EmbeddedPostgresError(f"running {command[0]} failed: {exc}") from exc


def _postgres_user() -> pwd.struct_passwd:
    try:
        return pwd.getpwnam("postgres")
    except KeyError:
        raise EmbeddedPostgresError(
            "PostgreSQL refuses to run as root and there is no `postgres` user to run it as;"
            " create one (useradd --system postgres), run as a regular user, or set DATABASE_URL"
        ) from None


def _processes_in(data_path: Path) -> list[int] | None:
    """Pids working in `data_path`, as a postmaster and its children do; None without procfs."""
    if not Path("/proc/self/cwd").exists():
        return None
    target, found = data_path.resolve(), []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and Path(os.readlink(entry / "cwd")) == target:
                found.append(int(entry.name))
        except OSError:  # exited, a zombie, or another user's process (so not our server's)
            continue
    return found
