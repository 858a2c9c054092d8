"""A board with two clients (Acme, whose portal we open, and Globex, who must stay unseen)."""

from __future__ import annotations

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
