"""Out-of-process writers for the concurrency and crash tests (run as a script)."""

from __future__ import annotations

import random
import sys

from sqlalchemy import select

from vadesk.config import Settings
from vadesk.db.models import Card
from vadesk.services.cards import create_card, edit_card, get_card
from vadesk.services.lanes import list_lanes
from vadesk.services.ordering import move_card, move_step
from vadesk.services.store import open_store


def churn(url: str, tag: str, rounds: int) -> None:
    """Move a random card somewhere and append a marker to another card's description."""
    store = open_store(Settings(user=f"worker-{tag}"), url)
    rng = random.Random(tag)
    with store.read() as s:
        ids = list(s.scalars(select(Card.id)))
        lanes = [lane.id for lane in list_lanes(s)]
    for i in range(rounds):
        with store.write() as s:
            card_id = rng.choice(ids)
            choice = rng.random()
            if choice < 0.4:
                move_card(s, card_id, lane_id=rng.choice(lanes), position="top")
            elif choice < 0.7:
                move_card(s, card_id, before_id=rng.choice([x for x in ids if x != card_id]))
            else:
                move_step(s, card_id, rng.choice((-1, 1)))
        with store.write() as s:
            target = rng.choice(ids)
            current = get_card(s, target, for_update=True).description
            edit_card(s, target, description=current + f"[{tag}:{i}]")
    store.close()
    print("done", flush=True)


def stream(url: str) -> None:
    """Create cards forever, printing each id only after its transaction committed."""
    store = open_store(Settings(user="streamer"), url)
    i = 0
    while True:
        with store.write() as s:
            card_id = create_card(s, f"stream {i}").id
        print(card_id, flush=True)
        i += 1


if __name__ == "__main__":
    if sys.argv[1] == "churn":
        churn(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    else:
        stream(sys.argv[2])
