"""A board with two clients (Acme, whose portal we open, and Globex, who must stay unseen)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import timedelta

import pytest

from tests.conftest import FIXED_NOW
from vadesk.services import portal as service
from vadesk.services.cards import create_card
from vadesk.services.clients import add_client
from vadesk.services.lanes import list_lanes
from vadesk.services.store import Store


@dataclass
class World:
    store: Store
    acme: int
    globex: int
    lanes: dict[str, int]
    cards: dict[str, int]
    invite_id: int
    invite_token: str

    def user(self) -> service.PortalUser:
        """A fresh session of Acme's invite."""
        with self.store.write() as s:
            opened = service.open_session(s, self.invite_token, now=FIXED_NOW)
        assert opened is not None
        return opened[0]

    def version(self, name: str) -> int:
        from vadesk.services.cards import get_card

        with self.store.read() as s:
            return get_card(s, self.cards[name]).version


def build_world(store: Store) -> World:
    with store.write() as s:
        acme = add_client(s, "Acme", now=FIXED_NOW).id
        globex = add_client(s, "Globex Secret Corp", now=FIXED_NOW).id
        lanes = {lane.name: lane.id for lane in list_lanes(s)}
        cards = {}
        for name, client, lane in [
            ("acme-urgent", acme, "Urgent"),
            ("acme-n1", acme, "Normal"),
            ("globex-n", globex, "Normal"),
            ("acme-n2", acme, "Normal"),
            ("acme-n3", acme, "Normal"),
            ("globex-urgent", globex, "Urgent"),
        ]:
            row = create_card(
                s,
                f"{name} task",
                client_id=client,
                lane_id=lanes[lane],
                kind="admin",
                now=FIXED_NOW - timedelta(hours=1),
            )
            cards[name] = row.id
        invite, token = service.create_invite(
            s, acme, name="Acme office", expires=timedelta(days=30), now=FIXED_NOW
        )
    return World(store, acme, globex, lanes, cards, invite.id, token)


@pytest.fixture
def world(store: Store) -> World:
    return build_world(store)


@pytest.fixture
def sqlite_world(sqlite_store: Store) -> World:
    return build_world(sqlite_store)


class LiveServer:
    """The portal app under uvicorn in a thread, on a free localhost port."""

    def __init__(self, app: object) -> None:
        import socket

        import uvicorn

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        config = uvicorn.Config(
            app,  # type: ignore[arg-type]
            host="127.0.0.1",
            port=self.port,
            access_log=False,
            log_level="warning",
            timeout_graceful_shutdown=1,
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the portal did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
