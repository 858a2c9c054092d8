"""The change feed: another process's commit is heard; our own absorbed commit is not."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from vadesk.config import Settings
from vadesk.services.cards import create_card
from vadesk.services.changes import ChangeFeed
from vadesk.services.lanes import list_lanes
from vadesk.services.store import Store, open_store


@pytest.fixture
def other(db_url: str, store: Store) -> Iterator[Store]:
    """A second store on the same database: another process, as far as the feed can tell."""
    second = open_store(Settings(user="someone-else"), db_url)
    yield second
    second.close()


def add_card(store: Store, title: str) -> None:
    with store.write() as s:
        create_card(s, title, lane_id=list_lanes(s)[0].id)


def test_a_commit_elsewhere_is_heard_once(store: Store, other: Store) -> None:
    feed = ChangeFeed(store, poll_interval=0.02)
    try:
        assert not feed.wait(0.1)
        add_card(other, "from the email intake")
        assert feed.wait(3)
        assert not feed.wait(0.2)  # one commit, one report
    finally:
        feed.close()


def test_our_absorbed_commit_is_not_reported_but_one_before_it_is(
    store: Store, other: Store
) -> None:
    feed = ChangeFeed(store, poll_interval=0.02)
    try:
        with store.write() as s:
            create_card(s, "ours", lane_id=list_lanes(s)[0].id)
            before = feed.version_now()
        feed.absorb(before)
        if store.is_sqlite:
            assert not feed.wait(0.2)  # the writer already shows its own change
        else:  # PostgreSQL has no data version: our NOTIFY comes back, harmlessly
            assert before is None
            assert feed.wait(3)
        add_card(other, "theirs, not yet heard")
        with store.write() as s:
            create_card(s, "ours again", lane_id=list_lanes(s)[0].id)
            before = feed.version_now()
        feed.absorb(before)
        assert feed.wait(3)  # the other commit was pending: it must still be reported
    finally:
        feed.close()


def test_a_closed_feed_answers_without_touching_its_connection(store: Store) -> None:
    feed = ChangeFeed(store, poll_interval=0.02)
    feed.close()
    assert feed.version_now() is None
    feed.absorb(1)  # no error
    assert not feed.wait(0.05)
