"""The embedded cluster against the machine's real PostgreSQL binaries (no mocks)."""

import os
import shutil
import signal
import stat
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
import pytest

from db.embedded import EmbeddedPostgres, EmbeddedPostgresError, find_pg_bindir
from db.urls import libpq_conninfo

# Throwaway clusters: durability only costs time here.
FAST = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}
AS_ROOT = os.geteuid() == 0

Make = Callable[[Path], EmbeddedPostgres]


@pytest.fixture(scope="module")
def bindir(pg_bindir: Path) -> Path:
    return pg_bindir


@pytest.fixture
def reachable_dir() -> Iterator[Path]:
    """A directory the postgres user can traverse, unlike pytest's 0700 tmp_path under root."""
    path = Path(tempfile.mkdtemp(prefix="bhxh-embedded-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def clusters(bindir: Path, reachable_dir: Path) -> Iterator[Make]:
    """Makes EmbeddedPostgres objects; afterwards stops them and fails if a server survived.
    (Depends on reachable_dir so that directory outlives the servers in it.)"""
    made: list[EmbeddedPostgres] = []

    def make(data_dir: Path) -> EmbeddedPostgres:
        made.append(EmbeddedPostgres(data_dir, bindir=bindir, extra_settings=FAST))
        return made[-1]

    yield make
    for pg in made:
        pg.stop()
    survivors = [pg.data_path for pg in made if _kill_if_running(pg)]
    for root in {pg.root for pg in made if pg.root != pg.data_dir}:
        shutil.rmtree(root, ignore_errors=True)  # relocated clusters live outside tmp_path
    assert not survivors, f"servers left running: {survivors}"


def _kill_if_running(pg: EmbeddedPostgres) -> bool:
    if not pg.running():
        return False
    os.kill(_postmaster_pid(pg), signal.SIGQUIT)  # postgres's immediate shutdown
    _wait_until(lambda: not _cluster_processes(pg))
    return True


def _postmaster_pid(pg: EmbeddedPostgres) -> int:
    return int((pg.data_path / "postmaster.pid").read_text().split()[0])


def _cluster_processes(pg: EmbeddedPostgres) -> list[int]:
    """Live processes working in the data directory, as the postmaster and its children do."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and Path(os.readlink(entry / "cwd")) == pg.data_path:
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def _wait_until(condition: Callable[[], bool], timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def _query(url: str, statement: str) -> list[tuple[object, ...]]:
    with psycopg.connect(libpq_conninfo(url), autocommit=True) as conn:
        cursor = conn.execute(statement.encode())
        return cursor.fetchall() if cursor.description else []


def test_start_serves_a_unix_socket_only_and_persists_across_restarts(
    clusters: Make, tmp_path: Path
) -> None:
    pg = clusters(tmp_path / "pg")
    url = pg.start()

    assert pg.created_cluster
    if AS_ROOT:  # pytest's 0700 tmp dirs are closed to the postgres user: the cluster moved out
        assert not pg.root.is_relative_to(tmp_path)
        assert pg.root.owner() == "postgres"
    assert url == f"postgresql+psycopg://postgres@/bhxh?host={pg.socket_dir}"
    assert pg.socket_dir.is_absolute()
    assert _query(url, "SELECT 1") == [(1,)]
    assert _query(url, "SELECT current_database()") == [("bhxh",)]
    assert _query(url, "SHOW listen_addresses") == [("",)]
    assert _query(url, "SELECT inet_server_addr()") == [(None,)]  # connected over the socket
    _query(url, "CREATE TABLE kept (id int); INSERT INTO kept VALUES (42)")

    pg.stop()
    assert not pg.running()
    with pytest.raises(psycopg.OperationalError):
        _query(url, "SELECT 1")

    again = clusters(tmp_path / "pg")
    assert again.start() == url
    assert not again.created_cluster
    assert _query(url, "SELECT id FROM kept") == [(42,)]
    again.stop()
    assert not again.running()


def test_a_second_instance_reuses_the_server_and_leaves_it_running(
    clusters: Make, tmp_path: Path
) -> None:
    first = clusters(tmp_path / "pg")
    url = first.start()
    pid = _postmaster_pid(first)

    with clusters(tmp_path / "pg") as second:
        assert second.url == url
        assert not second.created_cluster
        assert _postmaster_pid(second) == pid
    assert second.running()
    assert _query(url, "SELECT 1") == [(1,)]

    first.stop()
    assert not first.running()


def test_restarts_after_a_crash_and_after_its_pid_was_reused(
    clusters: Make, tmp_path: Path
) -> None:
    pg = clusters(tmp_path / "pg")
    url = pg.start()
    _query(url, "CREATE TABLE kept (id int); INSERT INTO kept VALUES (7)")
    # synchronous_commit=off leaves the commit in WAL buffers, which the crash would lose.
    _query(url, "CHECKPOINT")

    os.kill(_postmaster_pid(pg), signal.SIGKILL)
    _wait_until(lambda: not _cluster_processes(pg))
    pg.stop()  # nothing left to stop; must not wait on the dead pid
    assert pg.start() == url
    assert _query(url, "SELECT id FROM kept") == [(7,)]
    pg.stop()

    # Lock files left behind that name a live, unrelated process (this one).
    (pg.data_path / "postmaster.pid").write_text(f"{os.getpid()}\n{pg.data_path}\n")
    (pg.socket_dir / ".s.PGSQL.5432.lock").write_text(f"{os.getpid()}\n{pg.data_path}\n")
    assert not pg.running()
    assert pg.start() == url
    assert _query(url, "SELECT id FROM kept") == [(7,)]


def test_concurrent_starts_create_one_cluster_and_one_server(
    clusters: Make, tmp_path: Path
) -> None:
    pair = [clusters(tmp_path / "pg"), clusters(tmp_path / "pg")]
    barrier = threading.Barrier(2)

    def start(pg: EmbeddedPostgres) -> str:
        barrier.wait()
        return pg.start()

    with ThreadPoolExecutor(2) as pool:
        urls = list(pool.map(start, pair))

    assert urls[0] == urls[1]
    creator, reuser = sorted(pair, key=lambda pg: not pg.created_cluster)
    assert creator.created_cluster and not reuser.created_cluster
    reuser.stop()
    assert creator.running()
    creator.stop()
    assert not creator.running()


def test_layout_in_a_directory_postgres_can_reach(clusters: Make, reachable_dir: Path) -> None:
    pg = clusters(reachable_dir / "pg")
    pg.start()

    assert pg.root == reachable_dir / "pg"
    assert pg.socket_dir == pg.root / "run"
    assert (pg.socket_dir / ".s.PGSQL.5432").is_socket()
    assert pg.log_file.parent == pg.root / "log" and pg.log_file.exists()
    assert (pg.root / "data" / "PG_VERSION").exists()
    for directory in (pg.data_path, pg.socket_dir, pg.log_file.parent):
        assert stat.S_IMODE(directory.stat().st_mode) == 0o700
        assert directory.stat().st_uid != 0  # postgres refuses root-owned clusters


def test_a_cluster_of_another_major_version_is_refused(clusters: Make, reachable_dir: Path) -> None:
    (reachable_dir / "pg" / "data").mkdir(parents=True)
    (reachable_dir / "pg" / "data" / "PG_VERSION").write_text("9.6\n")
    pg = clusters(reachable_dir / "pg")

    with pytest.raises(EmbeddedPostgresError, match=r"created by PostgreSQL 9\.6 but the binaries"):
        pg.start()


def test_a_socket_path_over_the_unix_limit_is_refused(clusters: Make, reachable_dir: Path) -> None:
    pg = clusters(reachable_dir / ("x" * 100))

    with pytest.raises(EmbeddedPostgresError, match="107 bytes"):
        pg.start()


def test_reserved_settings_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="listen_addresses"):
        EmbeddedPostgres(tmp_path, extra_settings={"listen_addresses": "*"})


def test_find_pg_bindir_prefers_the_newest_versioned_directory(tmp_path: Path) -> None:
    for version in ("9.6", "15", "16"):
        bin_dir = tmp_path / version / "bin"
        bin_dir.mkdir(parents=True)
        for tool in ("initdb", "pg_ctl", "postgres") if version != "16" else ("initdb",):
            (bin_dir / tool).write_text("#!/bin/sh\n")
            (bin_dir / tool).chmod(0o755)

    assert find_pg_bindir(str(tmp_path / "nowhere"), versioned_root=tmp_path) == (
        tmp_path / "15" / "bin"
    )


def test_find_pg_bindir_says_where_it_looked_and_how_to_fix_it(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()

    with pytest.raises(EmbeddedPostgresError) as raised:
        find_pg_bindir(str(empty), versioned_root=empty)

    message = str(raised.value)
    assert "on PATH" in message
    assert "pg_config" in message
    assert f"{empty}/*/bin" in message
    assert "apt-get install -y postgresql" in message
    assert "DATABASE_URL" in message
