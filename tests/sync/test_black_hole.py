"""A server that keeps the TCP connection but stops answering (sync.md §2.14, §3.2 "black hole"):
sync fails with a clear message after its timeouts instead of hanging, keeps every pending change,
and works again once the server answers. The black hole is a real TCP proxy in a thread that
accepts connections and swallows what it receives; the timeouts are kept small by parameter."""

from __future__ import annotations

import contextlib
import socket
import threading
from urllib.parse import urlparse, urlunparse

import pytest

from desktop_crm.models import Company
from desktop_crm.sync.server import SyncError
from tests.sync.helpers import new_replica, outbox_size, use

pytestmark = pytest.mark.postgres

BOUND_S = 60  # only against hanging the test run; the timeouts under test are 1-2 s


class BlackHoleProxy:
    """Forwards TCP to ``target`` until :attr:`swallow` is set; then it keeps every connection open
    and acknowledges (the kernel does) but drops all traffic in both directions, never answering."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.swallow = threading.Event()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.sockets: list[socket.socket] = []
        self.closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.closed:
            try:
                client, _addr = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            self.sockets += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        while True:
            try:
                data = source.recv(65536)
            except OSError:
                return
            if not data:
                return
            if self.swallow.is_set():
                continue
            try:
                sink.sendall(data)
            except OSError:
                return

    def url(self, server_url: str) -> str:
        parsed = urlparse(server_url)
        netloc = f"{parsed.username}@127.0.0.1:{self.port}" if parsed.username else f"127.0.0.1:{self.port}"
        return urlunparse(parsed._replace(netloc=netloc))

    def close(self) -> None:
        self.closed = True
        self.listener.close()
        for sock in self.sockets:
            with contextlib.suppress(OSError):
                sock.close()


@pytest.fixture
def proxy(server_url):
    parsed = urlparse(server_url)
    proxy = BlackHoleProxy(parsed.hostname, parsed.port)
    yield proxy
    proxy.close()


def run_bounded(action):
    """Run ``action`` in a thread; return what it raised (it must finish, or the test fails)."""
    outcome: dict[str, BaseException | None] = {"error": None}

    def target():
        try:
            action()
        except BaseException as error:
            outcome["error"] = error

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(BOUND_S)
    assert not thread.is_alive(), "sync hung on a server that does not answer"
    return outcome["error"]


def test_a_server_that_never_answers_the_connection_fails_sync_with_a_message(server_url, tmp_path, proxy):
    proxy.swallow.set()
    a = new_replica(tmp_path / "a.db", proxy.url(server_url), connect_timeout=2, response_timeout=1)
    use(a)
    Company.create(legal_name="Pending")
    error = run_bounded(a.sync)
    assert isinstance(error, SyncError), error
    assert "The server did not answer within 2 s" in error.message
    assert outbox_size(a) == 1


def test_a_server_that_stops_answering_mid_sync_fails_the_round_and_the_next_one_works(
    server_url, tmp_path, proxy
):
    office = new_replica(tmp_path / "office.db", server_url)
    use(office)
    for n in range(5):
        Company.create(legal_name=f"Server row {n}")
    office.sync()
    laptop = new_replica(tmp_path / "laptop.db", proxy.url(server_url), pull_page=2,
                         connect_timeout=2, response_timeout=1)
    laptop.sync()  # first download through the proxy while it still forwards
    use(office)
    for n in range(5, 10):
        Company.create(legal_name=f"Server row {n}")
    office.sync()
    use(laptop)
    Company.create(legal_name="Written on the laptop")

    def go_silent(point):
        if point == "between_pull_pages":
            proxy.swallow.set()  # the network goes dark after the first page, no RST, no FIN

    laptop.crash_hook = go_silent
    error = run_bounded(laptop.sync)
    assert isinstance(error, SyncError), error
    assert "The server stopped answering (no reply within 1 s)" in error.message
    assert laptop._pg is None  # the dead connection was dropped
    # the pushed change is on the server; the interrupted pull applied nothing half-way
    assert Company.select().count() == 6
    laptop.crash_hook = None
    proxy.swallow.clear()
    laptop.sync()
    assert Company.select().count() == 11
    assert outbox_size(laptop) == 0
