"""`bhxh serve --workers N`: N worker processes on one port, under a supervisor.

Not uvicorn's `--workers`: its workers accept from one shared socket, and whichever is idle when
a connection arrives keeps it for good, so a gateway's few keep-alive connections all end up on
one worker. Here every worker has a listening socket of its own on the same address
(SO_REUSEPORT), and the kernel assigns each new connection to one of them by a hash of its
addresses: connections are spread whoever is idle. Without SO_REUSEPORT (not Linux: BSD and
macOS have the option but do not balance with it) the workers share one socket.

The supervisor, once the CLI has prepared the database (migrations, demo data, role checks):
- binds the sockets itself, so that a taken port is one clear error before any worker starts, and
  a restarted worker takes over its predecessor's socket (connections the kernel queued there in
  the meantime wait for it instead of being reset);
- spawns the workers (fresh interpreters: they inherit the sockets and an `AppSpec`, nothing
  else), each building its own app (`graph.serving.build_app`) and serving it with uvicorn; no
  worker migrates;
- restarts a worker that exits, after a back-off that doubles with each exit in a row
  (`BACKOFF_FIRST` up to `BACKOFF_MAX`), and gives up (`WorkersFailed`) when a worker exits
  before serving `MAX_START_FAILURES` times in a row;
- on SIGTERM or SIGINT sends SIGTERM to every worker (uvicorn's graceful shutdown: stop
  accepting, give requests in flight the grace, close the pool), waits for them and returns.

Metrics: the workers write their series to a fresh directory (prometheus-client's multiprocess
mode, `graph.metrics`); a dead worker's live gauges are removed, and the directory goes at exit.
"""

import asyncio
import logging
import multiprocessing
import os
import shutil
import signal
import socket
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from types import FrameType
from typing import Final

import uvicorn

from graph.serving import (
    METRICS_DIR_VARIABLE,
    UVICORN_HTTP,
    UVICORN_LOOP,
    AppSpec,
    build_app,
    configure_logging,
)

log = logging.getLogger("bhxh.workers")

BACKOFF_FIRST: Final = 0.5
BACKOFF_MAX: Final = 30.0
STABLE_SECONDS: Final = 30.0
"""A worker that served this long before it exited starts the back-off afresh."""
MAX_START_FAILURES: Final = 5
STOP_MARGIN: Final = 5.0
"""Seconds beyond the grace before a worker that has not stopped is killed."""
BACKLOG: Final = 2048  # uvicorn's default


class PortUnavailable(Exception):
    pass


class WorkersFailed(Exception):
    pass


def reuse_port_balances() -> bool:
    """Whether each worker can have its own socket on the port, balanced by the kernel."""
    return sys.platform == "linux" and hasattr(socket, "SO_REUSEPORT")


def listening_sockets(
    host: str, port: int, count: int, *, reuse_port: bool | None = None
) -> list[socket.socket]:
    """`count` sockets listening on host:port with SO_REUSEPORT, or one where it does not
    balance (`reuse_port` None: this platform's answer). Port 0 picks a free port for all."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # A socket without SO_REUSEPORT cannot bind while anyone listens on the port: not even
    # another server of this user with SO_REUSEPORT, with which ours would silently share it.
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise PortUnavailable(f"cannot listen on {host}:{port}: {exc.strerror}") from None
        port = probe.getsockname()[1]
    if reuse_port is None:
        reuse_port = reuse_port_balances()
    sockets: list[socket.socket] = []
    try:
        for _ in range(count if reuse_port else 1):
            # IPPROTO_TCP named, not 0: asyncio sets TCP_NODELAY only on connections of sockets
            # whose protocol says TCP, and without it a response written in two parts waits for
            # the client's delayed ACK (~40 ms a request, seen in the benchmark).
            sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
            sockets.append(sock)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if reuse_port:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            sock.bind((host, port))
            sock.listen(BACKLOG)
    except OSError as exc:
        for sock in sockets:
            sock.close()
        raise PortUnavailable(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    return sockets


# --- a worker -------------------------------------------------------------------------------


@dataclass(frozen=True)
class WorkerSpec:
    app: AppSpec
    index: int
    grace: int


Target = Callable[[WorkerSpec, socket.socket, Connection], None]


def serve_worker(spec: WorkerSpec, sock: socket.socket, ready: Connection) -> None:
    """A worker process: build the app, serve it on `sock` and say so on `ready`; stop
    gracefully on SIGTERM or SIGINT, or when the supervisor is gone."""
    configure_logging()

    def stop(signum: int, frame: FrameType | None) -> None:
        raise SystemExit(0)  # re-raised by uvicorn once it has shut down gracefully

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    app = build_app(spec.app)
    config = uvicorn.Config(
        app,
        log_level="info",
        access_log=False,
        timeout_graceful_shutdown=spec.grace,
        loop=UVICORN_LOOP,
        http=UVICORN_HTTP,
    )
    _WorkerServer(config, ready).run(sockets=[sock])


class _WorkerServer(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, ready: Connection) -> None:
        super().__init__(config)
        self._ready = ready

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.should_exit:
            return
        # A worker outlives a supervisor that was killed (SIGKILL reaches no handler): stop then.
        parent = multiprocessing.parent_process()
        if parent is not None:
            asyncio.get_running_loop().add_reader(parent.sentinel, self._orphaned, parent.sentinel)
        self._ready.send(os.getpid())
        self._ready.close()

    def _orphaned(self, sentinel: int) -> None:
        asyncio.get_running_loop().remove_reader(sentinel)
        log.warning("the supervisor is gone: stopping")
        self.should_exit = True


# --- the supervisor ---------------------------------------------------------------------------


@dataclass
class _Slot:
    index: int
    sock: socket.socket
    process: BaseProcess | None = None
    ready: Connection | None = None
    serving_since: float | None = None
    exits_in_a_row: int = 0
    start_failures: int = 0
    restart_at: float | None = None


class Supervisor:
    """Runs `workers` processes of `target` on `sockets` (one each, or one shared) until
    `stop()` or a signal; `run` raises `WorkersFailed` when one keeps failing to start."""

    def __init__(
        self,
        spec: AppSpec,
        sockets: list[socket.socket],
        workers: int,
        *,
        grace: int,
        target: Target = serve_worker,
        max_start_failures: int = MAX_START_FAILURES,
    ) -> None:
        self.spec = spec
        self.sockets = sockets
        self.grace = grace
        self.target = target
        self.max_start_failures = max_start_failures
        self.slots = [_Slot(i, sockets[i % len(sockets)]) for i in range(workers)]
        self._context = multiprocessing.get_context("spawn")
        self._stopping = False
        self._wakeup: tuple[socket.socket, socket.socket] | None = None
        """A socket pair that wakes `_step` up when a stop is asked for, while `run` runs."""

    def run(self) -> None:
        with self._signals():
            try:
                for slot in self.slots:
                    self._start(slot)
                while not self._stopping:
                    self._step()
            finally:
                self._stop_all()

    def stop(self) -> None:
        self._stopping = True
        if self._wakeup is not None:
            self._wakeup[1].send(b"\0")

    @contextmanager
    def _signals(self) -> Iterator[None]:
        def requested(signum: int, frame: FrameType | None) -> None:
            if not self._stopping:
                log.info("%s: stopping the workers", signal.Signals(signum).name)
            self.stop()

        self._wakeup = wakeup = socket.socketpair()
        previous = {sig: signal.signal(sig, requested) for sig in (signal.SIGTERM, signal.SIGINT)}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            self._wakeup = None
            for end in wakeup:
                end.close()

    def _start(self, slot: _Slot) -> None:
        receive, send = self._context.Pipe(duplex=False)
        spec = WorkerSpec(app=self.spec, index=slot.index, grace=self.grace)
        process = self._context.Process(
            target=self.target,
            args=(spec, slot.sock, send),
            name=f"bhxh-worker-{slot.index}",
        )
        process.start()
        send.close()  # the worker's end: EOF here when it dies before saying it serves
        slot.process, slot.ready, slot.serving_since, slot.restart_at = process, receive, None, None

    def _step(self) -> None:
        now = time.monotonic()
        due = [s.restart_at for s in self.slots if s.restart_at is not None]
        timeout = max(0.0, min(due) - now) if due else None
        assert self._wakeup is not None
        wakeup = self._wakeup[0]
        handles: list[object] = [wakeup]
        handles += [s.ready for s in self.slots if s.ready is not None]
        handles += [s.process.sentinel for s in self.slots if s.process is not None]
        fired = set(wait(handles, timeout))  # type: ignore[arg-type]
        if wakeup in fired:
            wakeup.recv(64)
        for slot in self.slots:  # "serving" before "exited": a worker may do both at once
            if slot.ready is not None and slot.ready in fired:
                self._serving(slot)
        for slot in self.slots:
            if slot.process is not None and slot.process.sentinel in fired:
                self._exited(slot)
        now = time.monotonic()
        for slot in self.slots:
            if not self._stopping and slot.restart_at is not None and slot.restart_at <= now:
                self._start(slot)

    def _serving(self, slot: _Slot) -> None:
        assert slot.ready is not None and slot.process is not None
        try:
            slot.ready.recv()
        except EOFError:
            pass  # died before serving: its sentinel says so
        else:
            slot.serving_since = time.monotonic()
            slot.start_failures = 0
            log.info("worker %d serving (pid %d)", slot.index, slot.process.pid)
        slot.ready.close()
        slot.ready = None

    def _exited(self, slot: _Slot) -> None:
        process = slot.process
        assert process is not None and process.pid is not None
        process.join()
        _forget(process.pid, self.spec.metrics_dir)
        if slot.ready is not None:
            slot.ready.close()
        slot.process, slot.ready = None, None
        if self._stopping:
            return
        how = _exit_status(process.exitcode)
        now = time.monotonic()
        if slot.serving_since is not None and now - slot.serving_since >= STABLE_SECONDS:
            slot.exits_in_a_row = 0
        slot.exits_in_a_row += 1
        if slot.serving_since is None:
            slot.start_failures += 1
            if slot.start_failures >= self.max_start_failures:
                raise WorkersFailed(
                    f"worker {slot.index} exited {how} before serving,"
                    f" {slot.start_failures} times in a row (its log is above); stopping"
                )
        delay = min(BACKOFF_FIRST * 2 ** (slot.exits_in_a_row - 1), BACKOFF_MAX)
        log.warning(
            "worker %d (pid %d) exited %s; restarting it in %.1f s",
            slot.index,
            process.pid,
            how,
            delay,
        )
        slot.restart_at = now + delay

    def _stop_all(self) -> None:
        self._stopping = True
        # The supervisor's copies first: once the workers close theirs, the port refuses
        # connections instead of queueing them for nobody.
        for sock in self.sockets:
            sock.close()
        running = [s.process for s in self.slots if s.process is not None]
        for process in running:
            process.terminate()  # SIGTERM: uvicorn's graceful shutdown
        deadline = time.monotonic() + self.grace + STOP_MARGIN
        for process in running:
            process.join(max(0.0, deadline - time.monotonic()))
            if process.exitcode is None:
                log.error("worker pid %s did not stop within the grace: killing it", process.pid)
                process.kill()
                process.join()
            if process.pid is not None:
                _forget(process.pid, self.spec.metrics_dir)
        for slot in self.slots:
            if slot.ready is not None:
                slot.ready.close()
            slot.process, slot.ready, slot.restart_at = None, None, None


def _exit_status(code: int | None) -> str:
    if code is not None and code < 0:
        try:
            return f"on {signal.Signals(-code).name}"
        except ValueError:
            return f"on signal {-code}"
    return f"with status {code}"


def _forget(pid: int, directory: str | None) -> None:
    """A dead worker's live gauges leave /metrics (its counters stay in the sums)."""
    if directory:
        from prometheus_client.multiprocess import mark_process_dead

        mark_process_dead(pid, directory)  # type: ignore[no-untyped-call]


def supervise(spec: AppSpec, *, host: str, port: int, workers: int, grace: int) -> None:
    """Serve `spec` with `workers` processes on host:port until SIGTERM or SIGINT."""
    sockets = listening_sockets(host, port, workers)
    if len(sockets) < workers:
        log.warning("SO_REUSEPORT does not balance here: the %d workers share one socket", workers)
    bound = sockets[0].getsockname()
    # prometheus-client picks its multiprocess mode at import, from the environment the workers
    # inherit: set before they start.
    metrics_dir = tempfile.mkdtemp(prefix="bhxh-metrics-")
    os.environ[METRICS_DIR_VARIABLE] = metrics_dir
    try:
        log.info("%d workers on http://%s:%d (metrics in %s)", workers, *bound[:2], metrics_dir)
        supervisor = Supervisor(
            replace(spec, metrics_dir=metrics_dir), sockets, workers, grace=grace
        )
        supervisor.run()
    finally:
        os.environ.pop(METRICS_DIR_VARIABLE, None)
        shutil.rmtree(metrics_dir, ignore_errors=True)
