"""`bhxh serve --workers N` as processes: the database is prepared once, keep-alive connections
spread over the workers (seen from the kernel's side: which worker holds each connection's
socket), `/metrics` answers for all of them, a killed worker comes back, persisted queries are
shared through Redis, a worker that cannot start stops the supervisor, and SIGTERM stops
everything gracefully with status 0."""

import asyncio
import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

import httpx
import orjson
import psycopg
import pytest
from click.testing import CliRunner
from prometheus_client.parser import text_string_to_metric_families

from graph.authz import tokens
from graph.authz.principal import Role
from graph.cli import main
from graph.config import Settings
from graph.persisted import document_hash, examples_manifest
from graph.serving import AppSpec
from graph.workers import (
    PortUnavailable,
    Supervisor,
    WorkersFailed,
    WorkerSpec,
    listening_sockets,
)
from tests.conftest import throwaway_database
from tests.factories.book import book
from tests.graph.test_deadlines import locked
from tests.graph.test_serve import _env, _free_port, _lock_waiters, _refuses_connections, _until

BHXH = Path(sys.executable).parent / "bhxh"
ROOT = Path(__file__).resolve().parents[2]
SERVING = re.compile(r"worker (\d+) serving \(pid (\d+)\)")
TYPENAME = b'{"query": "{ __typename }"}'


@dataclass
class Served:
    process: "subprocess.Popen[bytes]"
    port: int
    log: Path
    data_dir: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def workers(self) -> dict[int, int]:
        """Worker index → pid of its latest start, from the supervisor's log."""
        return {int(i): int(pid) for i, pid in SERVING.findall(self.output())}

    def connect(self) -> http.client.HTTPConnection:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        connection.connect()
        return connection


@contextmanager
def serving(tmp_path: Path, database_url: str, workers: int = 2, **env: str) -> Iterator[Served]:
    port = _free_port()
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [BHXH, "serve", "--port", str(port), "--workers", str(workers)],
            cwd=ROOT,
            env=_env(tmp_path, DATABASE_URL=database_url, **env),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    served = Served(process=process, port=port, log=log, data_dir=tmp_path)
    try:
        deadline = time.monotonic() + 120
        while len(served.workers()) < workers:
            assert process.poll() is None, served.output()[-3000:]
            assert time.monotonic() < deadline, "the workers did not start"
            time.sleep(0.2)
        yield served
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)


def _server_socket_inode(server_port: int, client_port: int) -> str | None:
    """The inode of the server's end of the connection from `client_port` (Linux /proc)."""
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as lines:
            next(lines)
            for line in lines:
                fields = line.split()
                local, remote, state, inode = fields[1], fields[2], fields[3], fields[9]
                if (
                    state == "01"  # ESTABLISHED
                    and int(local.rsplit(":", 1)[1], 16) == server_port
                    and int(remote.rsplit(":", 1)[1], 16) == client_port
                ):
                    return inode
    return None


def owner(served: Served, connection: http.client.HTTPConnection) -> int | None:
    """The pid of the worker that holds `connection`'s server end, seen from the kernel."""
    assert connection.sock is not None
    inode = _server_socket_inode(served.port, connection.sock.getsockname()[1])
    if inode is None:
        return None
    for pid in served.workers().values():
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue
        for fd in fds:
            try:
                if os.readlink(f"/proc/{pid}/fd/{fd}") == f"socket:[{inode}]":
                    return pid
            except OSError:
                continue
    return None


def post(
    connection: http.client.HTTPConnection, body: bytes, token: str | None = None
) -> tuple[int, dict[str, object]]:
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    connection.request("POST", "/graphql", body, headers)
    response = connection.getresponse()
    return response.status, orjson.loads(response.read())


@contextmanager
def connections_on_every_worker(
    served: Served, count: int = 24
) -> Iterator[dict[int, list[http.client.HTTPConnection]]]:
    """`count` keep-alive connections, each having answered a request, by the worker holding
    them. With two workers, the chance that 24 connections all land on one is 2 in 2²⁴."""
    by_worker: dict[int, list[http.client.HTTPConnection]] = {}
    opened: list[http.client.HTTPConnection] = []
    try:
        for _ in range(count):
            connection = served.connect()
            opened.append(connection)
            assert post(connection, TYPENAME)[0] == 200
            pid = owner(served, connection)
            assert pid is not None, "a connection held by no worker"
            by_worker.setdefault(pid, []).append(connection)
        yield by_worker
    finally:
        for connection in opened:
            connection.close()


def metrics(
    connection: http.client.HTTPConnection,
) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    connection.request("GET", "/metrics")
    response = connection.getresponse()
    assert response.status == 200
    text = response.read().decode()
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def anonymous_successes(connection: http.client.HTTPConnection) -> float:
    samples = metrics(connection)
    labels = frozenset({("operation", "(anonymous)"), ("outcome", "success")})
    return samples.get(("bhxh_graphql_requests_total", labels), 0.0)


def counted_eventually(connection: http.client.HTTPConnection, expected: float) -> float:
    """The count once it reaches `expected` (a request is counted just after its response has
    gone, so the last one may be a moment late), or what it was after 10 s."""
    deadline = time.monotonic() + 10
    while (found := anonymous_successes(connection)) < expected and time.monotonic() < deadline:
        time.sleep(0.05)
    return found


def settled(connection: http.client.HTTPConnection) -> float:
    """The count once the requests already answered are all in it."""
    previous = anonymous_successes(connection)
    while True:
        time.sleep(0.5)
        current = anonymous_successes(connection)
        if current == previous:
            return current
        previous = current


def pids_in_process_series(connection: http.client.HTTPConnection) -> set[int]:
    return {
        int(dict(labels)["pid"])
        for name, labels in metrics(connection)
        if name == "process_resident_memory_bytes"
    }


# --- one server on an empty database, with Redis: (a)–(d) --------------------------------------


@pytest.fixture(scope="module")
def served(
    tmp_path_factory: pytest.TempPathFactory, server_url: str, redis_url: str
) -> Iterator[Served]:
    tmp_path = tmp_path_factory.mktemp("workers")
    with (
        throwaway_database(server_url, migrated=False) as database_url,
        serving(tmp_path, database_url, REDIS_URL=redis_url) as served,
    ):
        yield served


def test_the_database_is_migrated_and_seeded_once_before_any_worker_starts(
    served: Served,
) -> None:
    output = served.output()
    first_worker = output.index("Started server process")
    upgrades = re.findall(r"Running upgrade \S* ?-> (\S+),", output)
    assert upgrades and len(upgrades) == len(set(upgrades))  # each revision once
    assert output.rindex("Running upgrade") < first_worker
    assert output.count("seeding 3000 demo persons") == 1
    assert output.index("seeding") < first_worker


def test_keep_alive_connections_land_on_every_worker(served: Served) -> None:
    with connections_on_every_worker(served) as by_worker:
        assert set(by_worker) == set(served.workers().values())  # both workers hold connections
        for pid, connections in by_worker.items():
            for connection in connections:
                for _ in range(3):  # kept alive: the same worker answers again
                    assert post(connection, TYPENAME) == (200, {"data": {"__typename": "Query"}})
                assert owner(served, connection) == pid


def test_metrics_from_any_worker_sum_over_all_of_them(served: Served) -> None:
    with connections_on_every_worker(served) as by_worker:
        scrape = next(iter(by_worker.values()))[0]
        before = settled(scrape)
        for connections in by_worker.values():
            for connection in connections:
                post(connection, TYPENAME)
        sent = sum(len(connections) for connections in by_worker.values())
        for connections in by_worker.values():  # whichever worker answers the scrape
            assert counted_eventually(connections[0], before + sent) == before + sent
            assert pids_in_process_series(connections[0]) == set(served.workers().values())


def test_a_persisted_query_registered_on_one_worker_runs_on_another_with_redis(
    served: Served,
) -> None:
    with connections_on_every_worker(served) as by_worker:
        (first, *_), (second, *_) = list(by_worker.values())[:2]
        text = f"{{ __typename }} # {uuid.uuid4()}"
        persisted = {"persistedQuery": {"version": 1, "sha256Hash": document_hash(text)}}
        register = orjson.dumps({"query": text, "extensions": persisted})
        assert post(first, register) == (200, {"data": {"__typename": "Query"}})
        by_hash = orjson.dumps({"extensions": persisted})
        assert post(second, by_hash) == (200, {"data": {"__typename": "Query"}})


def test_a_killed_worker_is_restarted_and_serves(served: Served) -> None:
    workers = served.workers()
    with closing(served.connect()) as scrape:
        counted = settled(scrape)
    victim_index, victim = max(workers.items())
    os.kill(victim, signal.SIGKILL)
    deadline = time.monotonic() + 60
    while served.workers()[victim_index] == victim:
        assert served.process.poll() is None, served.output()[-3000:]
        assert time.monotonic() < deadline, "the worker was not restarted"
        time.sleep(0.2)
    successor = served.workers()[victim_index]
    assert f"worker {victim_index} (pid {victim}) exited on SIGKILL; restarting it" in (
        served.output()
    )
    with connections_on_every_worker(served) as by_worker:
        assert successor in by_worker  # the new worker takes connections
        assert post(by_worker[successor][0], TYPENAME) == (200, {"data": {"__typename": "Query"}})
        connection = by_worker[successor][0]
        assert pids_in_process_series(connection) == set(served.workers().values())  # dead one gone
        # the dead worker's requests stay in the sums (+ 1 per connection opened, + 1 just above)
        expected = counted + sum(map(len, by_worker.values())) + 1
        assert counted_eventually(connection, expected) == expected


# --- a server on a migrated database: SIGTERM, persisted queries without Redis ------------------


async def test_sigterm_finishes_requests_in_flight_stops_every_worker_and_exits_0(
    tmp_path: Path, database_url: str, conn: psycopg.Connection
) -> None:
    b = book(conn)  # not empty: serve seeds no demo data
    with serving(
        tmp_path,
        database_url,
        BHXH_SHUTDOWN_GRACE="20",
        BHXH_LOCK_TIMEOUT="30",
        BHXH_STATEMENT_TIMEOUT="30",
        BHXH_REQUEST_TIMEOUT="30",
    ) as served:
        pids = set(served.workers().values())
        metrics_dir = re.findall(r"\(metrics in (\S+)\)", served.output())[0]
        assert _exists(metrics_dir)
        key = tokens.load_or_create_dev_key(tmp_path / "dev-signing-key.json")
        token = tokens.mint(key, role=Role.CITIZEN, subject=b.person["identification_number"])
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{served.port}", timeout=30
        ) as client:
            with locked(database_url):
                in_flight = asyncio.ensure_future(
                    client.post(
                        "/graphql",
                        json={"query": "{ me { fullName } }"},
                        headers={"Authorization": f"Bearer {token}"},
                    )
                )
                await _until(lambda: _lock_waiters(conn) == 1, 10)
                served.process.send_signal(signal.SIGTERM)
                await _until(lambda: _refuses_connections(served.port), 10)  # none accepts
                await asyncio.sleep(0.5)
                assert served.process.poll() is None  # a worker still finishing its request
            response = await asyncio.wait_for(in_flight, 20)
        assert response.status_code == 200
        assert response.json() == {"data": {"me": {"fullName": b.person["full_name"]}}}
        assert served.process.wait(timeout=30) == 0
    assert all(_zombie_or_gone(pid) for pid in pids)
    assert not _exists(metrics_dir)  # cleaned at exit
    assert "Traceback" not in served.output()


def _exists(path: str) -> bool:
    return Path(path).exists()


def _zombie_or_gone(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z"
    except OSError:
        return True


def test_without_redis_each_worker_keeps_its_own_persisted_queries(
    tmp_path: Path, database_url: str, conn: psycopg.Connection
) -> None:
    b = book(conn)
    with (
        serving(tmp_path, database_url) as served,
        connections_on_every_worker(served) as by_worker,
    ):
        (first, *_), (second, *_) = list(by_worker.values())[:2]
        text = f"{{ __typename }} # {uuid.uuid4()}"
        persisted = {"persistedQuery": {"version": 1, "sha256Hash": document_hash(text)}}
        assert post(first, orjson.dumps({"query": text, "extensions": persisted}))[0] == 200
        status, body = post(second, orjson.dumps({"extensions": persisted}))
        assert (status, body["errors"][0]["extensions"]) == (  # type: ignore[index]
            200,
            {"code": "PERSISTED_QUERY_NOT_FOUND"},
        )
        # a trusted document (the examples' manifest) runs by its hash on every worker
        (trusted,) = [t for t in examples_manifest().values() if "query MyBook" in t]
        digest = document_hash(trusted)
        by_hash = orjson.dumps(
            {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": digest}}}
        )
        key = tokens.load_or_create_dev_key(tmp_path / "dev-signing-key.json")
        token = tokens.mint(key, role=Role.CITIZEN, subject=b.person["identification_number"])
        for connections in by_worker.values():
            status, body = post(connections[0], by_hash, token)
            assert status == 200 and "errors" not in body, body
            assert body["data"]["me"]["fullName"] == b.person["full_name"]  # type: ignore[index]


# --- the supervisor and its sockets -------------------------------------------------------------


def _exit_at_once(spec: WorkerSpec, sock: socket.socket, ready: Connection) -> None:
    sys.exit(3)


def test_a_worker_that_keeps_failing_to_start_stops_the_supervisor() -> None:
    sockets = listening_sockets("127.0.0.1", 0, 2)
    spec = AppSpec(settings=Settings.from_env({}), runtime_conninfo="")
    supervisor = Supervisor(spec, sockets, 2, grace=1, target=_exit_at_once, max_start_failures=3)
    with pytest.raises(
        WorkersFailed, match="exited with status 3 before serving, 3 times in a row"
    ):
        supervisor.run()
    assert all(sock.fileno() == -1 for sock in sockets)  # closed: the port is free again
    assert all(slot.process is None for slot in supervisor.slots)


def test_each_worker_gets_a_socket_of_its_own_on_the_same_port() -> None:
    sockets = listening_sockets("127.0.0.1", 0, 3)
    try:
        assert len(sockets) == 3
        assert len({sock.getsockname() for sock in sockets}) == 1
        assert all(sock.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT) for sock in sockets)
    finally:
        for sock in sockets:
            sock.close()


@pytest.mark.parametrize("reuse_port", [True, False])
async def test_connections_accepted_on_the_workers_sockets_send_without_delay(
    reuse_port: bool,
) -> None:
    """Served as uvicorn serves a given socket (asyncio's create_server), an accepted connection
    has TCP_NODELAY: no response waits for the client's delayed ACK."""
    sock = listening_sockets("127.0.0.1", 0, 1, reuse_port=reuse_port)[0]
    accepted: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    def connected(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        conn = writer.get_extra_info("socket")
        accepted.set_result(conn.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
        writer.close()

    server = await asyncio.start_server(connected, sock=sock)
    async with server:
        _, writer = await asyncio.open_connection(*sock.getsockname()[:2])
        assert await asyncio.wait_for(accepted, 5) == 1
        writer.close()


def test_where_so_reuseport_does_not_balance_the_workers_share_one_socket() -> None:
    (shared,) = listening_sockets("127.0.0.1", 0, 3, reuse_port=False)
    try:
        assert not shared.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT)
        spec = AppSpec(settings=Settings.from_env({}), runtime_conninfo="")
        supervisor = Supervisor(spec, [shared], 3, grace=1)
        assert [slot.sock for slot in supervisor.slots] == [shared] * 3
    finally:
        shared.close()


@pytest.mark.parametrize("reuse_port", [False, True])
def test_a_taken_port_is_refused_even_by_a_server_that_would_share_it(reuse_port: bool) -> None:
    with socket.socket() as other:
        if reuse_port:  # e.g. another `bhxh serve --workers` of the same user
            other.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]
        with pytest.raises(PortUnavailable, match=f"127.0.0.1:{port}: Address already in use"):
            listening_sockets("127.0.0.1", port, 2)


def test_serve_on_a_taken_port_exits_1_with_one_line(
    tmp_path: Path, database_url: str, conn: psycopg.Connection
) -> None:
    book(conn)
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]
        result = CliRunner().invoke(
            main,
            ["serve", "--port", str(port), "--workers", "2"],
            env=_env(tmp_path, DATABASE_URL=database_url),
        )
    assert result.exit_code == 1, result.output
    assert f"Error: cannot listen on 127.0.0.1:{port}: Address already in use" in result.output


def test_workers_stop_when_the_supervisor_is_killed_outright(
    tmp_path: Path, database_url: str, conn: psycopg.Connection
) -> None:
    book(conn)
    with serving(tmp_path, database_url) as served:
        pids = set(served.workers().values())
        served.process.kill()  # SIGKILL: no handler runs, nobody sends the workers SIGTERM
        served.process.wait(timeout=10)
        deadline = time.monotonic() + 30
        while not all(_zombie_or_gone(pid) for pid in pids):
            assert time.monotonic() < deadline, "the workers outlived their supervisor"
            time.sleep(0.2)
        assert _refuses_connections(served.port)
    assert served.output().count("the supervisor is gone: stopping") == 2
    shutil.rmtree(re.findall(r"\(metrics in (\S+)\)", served.output())[0], ignore_errors=True)
