"""Live updates over a real server: the VA's change reaches the client's open page within a
second, another client's change never does, and a revoke ends the stream (both databases)."""

from __future__ import annotations

import queue
import re
import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.portal.conftest import LiveServer, World
from vadesk.config import Settings
from vadesk.portal.app import create_app
from vadesk.services import portal as service
from vadesk.services.ordering import move_card
from vadesk.services.store import open_store


@pytest.fixture
def live(world: World) -> Iterator[LiveServer]:
    app = create_app(world.store, Settings(user="tester"), poll_interval=0.05)
    with LiveServer(app) as server:
        yield server


class Events:
    """An event stream read on a thread: (event, data) pairs as they arrive."""

    def __init__(self, client: httpx.Client, path: str) -> None:
        self.items: queue.Queue[tuple[str, str]] = queue.Queue()
        self.opened = threading.Event()
        self.thread = threading.Thread(target=self._read, args=(client, path), daemon=True)
        self.thread.start()
        assert self.opened.wait(5)

    def _read(self, client: httpx.Client, path: str) -> None:
        with client.stream("GET", path, timeout=httpx.Timeout(30, read=60)) as response:
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/event-stream")
            self.opened.set()
            event = ""
            for line in response.iter_lines():
                if line.startswith("event: "):
                    event = line[7:]
                elif line.startswith("data:"):
                    self.items.put((event, line[5:].strip()))
                    if event == "bye":
                        return

    def next(self, timeout: float) -> tuple[str, str] | None:
        try:
            return self.items.get(timeout=timeout)
        except queue.Empty:
            return None


def open_page(live: LiveServer, world: World) -> tuple[httpx.Client, str]:
    client = httpx.Client(base_url=live.url, follow_redirects=True)
    page = client.get(f"/i/{world.invite_token}")
    assert page.status_code == 200
    match = re.search(r'data-events="([^"]+)"', page.text)
    assert match is not None
    return client, match.group(1)


def test_a_vas_move_reaches_the_open_page_within_a_second_and_anothers_never(
    live: LiveServer, world: World, db_url: str
) -> None:
    client, events_path = open_page(live, world)
    stream = Events(client, events_path)
    va = open_store(Settings(user="va"), db_url)  # the VA's board: another process
    try:
        with va.write() as s:
            move_card(s, world.cards["globex-n"], lane_id=world.lanes["Urgent"], position="top")
        assert stream.next(1.5) is None  # Globex's work is not Acme's business
        started = time.monotonic()
        with va.write() as s:
            move_card(s, world.cards["acme-n3"], lane_id=world.lanes["Urgent"], position="top")
        got = stream.next(5)
        elapsed = time.monotonic() - started
        assert got is not None and got[0] == "change"
        assert elapsed < 1.0
        board = client.get("/board").text
        assert board.index("acme-n3 task") < board.index("acme-urgent task")
        with va.write() as s:  # the VA revokes: the page is told to go at once
            service.revoke_invites(s, client_id=world.acme)
        assert stream.next(5) == ("bye", "")
    finally:
        va.close()
        client.close()


def test_a_page_drawn_before_a_change_hears_of_it_when_it_connects(
    live: LiveServer, world: World
) -> None:
    client, events_path = open_page(live, world)
    with world.store.write() as s:
        move_card(s, world.cards["acme-n1"], lane_id=world.lanes["Low"], position="top")
    stream = Events(client, events_path)  # connects after the change
    try:
        got = stream.next(3)
        assert got is not None and got[0] == "change"
    finally:
        with world.store.write() as s:
            service.revoke_invites(s, client_id=world.acme)
        stream.next(5)
        client.close()


def test_events_need_a_session(live: LiveServer) -> None:
    with httpx.Client(base_url=live.url) as client:
        assert client.get("/events").status_code == 401


def test_archiving_the_client_ends_the_open_stream(
    live: LiveServer, world: World, db_url: str
) -> None:
    from sqlalchemy import update

    from vadesk.db.models import Client

    client, events_path = open_page(live, world)
    stream = Events(client, events_path)
    va = open_store(Settings(user="va"), db_url)
    try:
        with va.write() as s:
            s.execute(update(Client).where(Client.id == world.acme).values(archived=True))
        assert stream.next(5) == ("bye", "")
        assert client.get("/").status_code == 401
    finally:
        va.close()
        client.close()


def test_a_closed_page_leaves_no_stream_behind(world: World) -> None:
    import socket

    app = create_app(world.store, Settings(user="tester"), poll_interval=0.05)
    broadcaster = app.state.portal.broadcaster
    with LiveServer(app) as live:
        client, events_path = open_page(live, world)
        cookie = client.cookies["vadesk_portal"]
        client.close()
        tab = socket.create_connection(("127.0.0.1", live.port))
        tab.sendall(
            f"GET {events_path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Cookie: vadesk_portal={cookie}\r\n\r\n".encode()
        )
        assert b"text/event-stream" in tab.recv(4096)
        assert broadcaster.open_streams == 1
        tab.close()  # the tab is closed
        deadline = time.monotonic() + 8
        while broadcaster.open_streams and time.monotonic() < deadline:
            time.sleep(0.1)
        assert broadcaster.open_streams == 0
