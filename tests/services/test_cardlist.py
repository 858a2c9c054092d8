"""The streamed card listing gives exactly what list_cards gives, on every path."""

from __future__ import annotations

import random

import pytest

from vadesk.services.board_read import iter_card_json, list_cards
from vadesk.services.cardlist import quick_card_json
from vadesk.services.cards import edit_card, get_card, set_archived
from vadesk.services.clients import list_clients
from vadesk.services.lanes import lane_by_name
from vadesk.services.seed import seed
from vadesk.services.store import Store

FILTERS = [
    {},
    {"client_id": 2},
    {"lane_id": 3},
    {"lane_id": 3, "client_id": 1},
    {"archived": True},
]
PAGES = [(0, None), (7, 5), (0, 0), (1000, 3)]


@pytest.fixture
def seeded(store: Store) -> Store:
    with store.write() as s:
        seed(s, clients=3, cards=80, user_id=store.user_id, rng=random.Random(7))
        for card_id in (3, 17, 40):
            set_archived(s, card_id, True)
        edit_card(s, 5, labels=("urgent", "call back"), estimate_minutes=30)
    return store


@pytest.mark.parametrize("where", FILTERS)
def test_the_stream_pages_list_cards_exactly(seeded: Store, where: dict[str, object]) -> None:
    with seeded.read() as s:
        expected = [row.as_json() for row in list_cards(s, **where)]  # type: ignore[arg-type]
        assert expected, "the filter should match something"
        for offset, limit in PAGES:
            got = list(iter_card_json(s, offset=offset, limit=limit, **where))  # type: ignore[arg-type]
            end = None if limit is None else offset + limit
            assert got == expected[offset:end]


def test_the_standard_library_path_agrees_on_sqlite(sqlite_store: Store, sqlite_url: str) -> None:
    with sqlite_store.write() as s:
        seed(s, clients=3, cards=50, user_id=sqlite_store.user_id, rng=random.Random(3))
        edit_card(s, 9, labels=("x",))
        set_archived(s, 11, True)
        client = get_card(s, 9).client
        assert client is not None
    with sqlite_store.read() as s:
        for lane, who in [(None, None), ("high", None), (None, client), ("Low", client.upper())]:
            lane_id = lane_by_name(s, lane).id if lane else None
            client_id = next(c.id for c in list_clients(s) if c.name == client) if who else None
            expected = list(iter_card_json(s, lane_id=lane_id, client_id=client_id))
            quick = quick_card_json(
                sqlite_url, lane=lane, client=who, archived=False, limit=None, offset=0
            )
            assert quick is not None
            assert list(quick) == expected
        archived = list(iter_card_json(s, archived=True))
        assert [c["id"] for c in archived] == [11]
        quick = quick_card_json(
            sqlite_url, lane=None, client=None, archived=True, limit=None, offset=0
        )
        assert quick is not None and list(quick) == archived


def test_the_standard_library_path_leaves_unknown_names_to_the_normal_path(
    sqlite_store: Store, sqlite_url: str
) -> None:
    for lane, client in [("Someday", None), (None, "Nobody")]:
        assert (
            quick_card_json(sqlite_url, lane=lane, client=client, archived=False, limit=1, offset=0)
            is None
        )
