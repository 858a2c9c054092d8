"""Client portal speed: one client with 2,000 cards in a 10,000-card database.

Prints, with the portal under uvicorn in this process (as `vadesk portal serve` runs it):
- the board page's time to first byte (median; target < 100 ms) and to the whole page;
- a reorder's acknowledgement (a drag: POST with Accept: application/json; target < 50 ms);
- 100 open event streams on the one process while the VA moves a card: how many get the
  change and the slowest (target: all, within 1 s);
- 200 reorders from 10 concurrent portal sessions: acknowledged, lost (target 0), p50/p95.

    python benchmarks/portal.py [--db URL] [--cards 10000] [--client-cards 2000] [--runs 30]
"""

from __future__ import annotations

import argparse
import asyncio
import re
import socket
import statistics
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

import httpx
import uvicorn
from percentile import p95
from sqlalchemy import func, select, update

from vadesk.config import Settings
from vadesk.db.models import Card, CardActivity, Client, Lane
from vadesk.portal.app import GuessLimiter, create_app
from vadesk.services import portal as service
from vadesk.services.ordering import move_card
from vadesk.services.seed import seed
from vadesk.services.store import Store, open_store


def build(url: str, cards: int, client_cards: int) -> tuple[Store, int, dict[str, int]]:
    store = open_store(Settings(user="bench"), url)
    with store.write() as s:
        seed(s, clients=6, cards=cards, entries=2000, user_id=store.user_id)
    with store.write() as s:
        client = s.scalar(select(Client.id).order_by(Client.id).limit(1))
        assert client is not None
        lanes = {name: i for i, name in s.execute(select(Lane.id, Lane.name))}
        open_lanes = [lanes[n] for n in ("Urgent", "High", "Normal", "Low")]
        s.execute(update(Card).where(Card.client_id == client).values(client_id=None))
        for lane in open_lanes:  # a quarter of the client's cards in each priority lane
            ids = list(
                s.scalars(
                    select(Card.id)
                    .where(Card.lane_id == lane, Card.archived.is_(False))
                    .order_by(Card.id)
                    .limit(client_cards // len(open_lanes))
                )
            )
            s.execute(update(Card).where(Card.id.in_(ids)).values(client_id=client))
    return store, client, lanes


class Server:
    def __init__(self, app: object) -> None:
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
        self.thread.start()
        while not self.server.started:
            time.sleep(0.02)
        self.url = f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def invite(store: Store, client: int) -> str:
    with store.write() as s:
        _row, token = service.create_invite(s, client, name="bench", expires=timedelta(days=1))
    return token


async def signed_in(base: str, token: str) -> tuple[httpx.AsyncClient, str, str]:
    """A browser-like client on its board: (client, csrf, events path)."""
    client = httpx.AsyncClient(base_url=base, follow_redirects=True, timeout=30)
    page = await client.get(f"/i/{token}")
    assert page.status_code == 200, page.status_code
    csrf = re.search(r'name="csrf-token" content="([0-9a-f]+)"', page.text)
    events = re.search(r'data-events="([^"]+)"', page.text)
    assert csrf and events
    return client, csrf.group(1), events.group(1)


def card_versions(store: Store, client: int, lane: int) -> list[tuple[int, int]]:
    with store.read() as s:
        rows = s.execute(
            select(Card.id, Card.version)
            .where(Card.client_id == client, Card.lane_id == lane, Card.archived.is_(False))
            .order_by(Card.rank, Card.id)
        )
        return [(card_id, version) for card_id, version in rows]


async def first_byte(client: httpx.AsyncClient, runs: int) -> tuple[list[float], list[float], int]:
    firsts, wholes, size = [], [], 0
    for _ in range(runs):
        started = time.perf_counter()
        async with client.stream("GET", "/") as response:
            chunks = response.aiter_raw()
            first = await anext(chunks)
            firsts.append(time.perf_counter() - started)
            size = len(first) + sum([len(c) async for c in chunks])
            wholes.append(time.perf_counter() - started)
            assert response.status_code == 200
    return firsts, wholes, size


async def reorders(
    client: httpx.AsyncClient, csrf: str, cards: list[tuple[int, int]], runs: int
) -> list[float]:
    times = []
    headers = {"accept": "application/json", "x-csrf-token": csrf}
    versions = dict(cards)
    ids = [card_id for card_id, _ in cards]
    for i in range(runs):
        card_id = ids[i % len(ids)]
        step = "down" if i % 2 == 0 else "up"
        started = time.perf_counter()
        response = await client.post(
            f"/cards/{card_id}/move",
            data={"version": str(versions[card_id]), "step": step},
            headers=headers,
        )
        times.append(time.perf_counter() - started)
        assert response.status_code == 200, response.text
        versions[card_id] = response.json()["version"]
    return times


async def streams(
    base: str, token: str, store: Store, client_id: int, lanes: dict[str, int], count: int
) -> tuple[int, float]:
    client, _csrf, events = await signed_in(base, token)
    arrived: list[float] = []
    ready = 0
    all_ready = asyncio.Event()
    moved_at = 0.0

    async def listen() -> None:
        nonlocal ready
        async with client.stream("GET", events, timeout=httpx.Timeout(30, read=30)) as response:
            assert response.status_code == 200
            ready += 1
            if ready == count:
                all_ready.set()
            async for line in response.aiter_lines():
                if line.startswith("event: change"):
                    arrived.append(time.perf_counter() - moved_at)
                    return

    tasks = [asyncio.create_task(listen()) for _ in range(count)]
    await asyncio.wait_for(all_ready.wait(), 30)
    await asyncio.sleep(0.5)
    card_id = card_versions(store, client_id, lanes["Normal"])[0][0]
    moved_at = time.perf_counter()
    await asyncio.to_thread(_va_move, store, card_id, lanes["Urgent"])
    _done, pending = await asyncio.wait(tasks, timeout=5)
    for task in pending:
        task.cancel()
    await client.aclose()
    return len(arrived), max(arrived) if arrived else float("inf")


def _va_move(store: Store, card_id: int, lane: int) -> None:
    with store.write() as s:
        move_card(s, card_id, lane_id=lane, position="top")


async def concurrent_reorders(
    base: str, store: Store, client_id: int, lanes: dict[str, int], sessions: int, each: int
) -> tuple[int, int, list[float], int]:
    normal = card_versions(store, client_id, lanes["Normal"])
    low = card_versions(store, client_id, lanes["Low"])
    pool = (normal + low)[: sessions * each]
    assert len(pool) == sessions * each, "not enough cards for the concurrent reorders"
    clients = [await signed_in(base, invite(store, client_id)) for _ in range(sessions)]
    with store.read() as s:
        before = s.scalar(select(func.count(CardActivity.id)).where(CardActivity.kind == "moved"))
    times: list[float] = []
    acked: list[int] = []

    async def worker(index: int) -> None:
        client, csrf, _events = clients[index]
        for card_id, version in pool[index * each : (index + 1) * each]:
            started = time.perf_counter()
            response = await client.post(
                f"/cards/{card_id}/move",
                data={"version": str(version), "lane_id": str(lanes["Urgent"]), "step": "top"},
                headers={"accept": "application/json", "x-csrf-token": csrf},
            )
            times.append(time.perf_counter() - started)
            if response.status_code == 200:
                acked.append(card_id)

    await asyncio.gather(*(worker(i) for i in range(sessions)))
    for client, _csrf, _events in clients:
        await client.aclose()
    with store.read() as s:
        in_urgent = set(
            s.scalars(select(Card.id).where(Card.id.in_(acked), Card.lane_id == lanes["Urgent"]))
        )
        after = s.scalar(select(func.count(CardActivity.id)).where(CardActivity.kind == "moved"))
    lost = len(set(acked) - in_urgent)
    return len(acked), lost, times, (after or 0) - (before or 0)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


async def main_async(args: argparse.Namespace, url: str) -> None:
    print(f"seeding {args.cards} cards ({args.client_cards} of one client) ...", flush=True)
    store, client_id, lanes = build(url, args.cards, args.client_cards)
    app = create_app(store, Settings(user="bench"), limiter=GuessLimiter(overall=10_000))
    server = Server(app)
    try:
        token = invite(store, client_id)
        client, csrf, _events = await signed_in(server.url, token)
        await first_byte(client, 3)  # warm templates and caches
        firsts, wholes, size = await first_byte(client, args.runs)
        print(
            f"board page: first byte median {ms(statistics.median(firsts))} "
            f"(p95 {ms(p95(firsts))}), whole page median {ms(statistics.median(wholes))}, "
            f"{size / 1024:.0f} KiB  [target: first byte < 100 ms]"
        )
        cards = card_versions(store, client_id, lanes["High"])[:10]
        times = await reorders(client, csrf, cards, args.runs)
        print(
            f"reorder acknowledged: median {ms(statistics.median(times))} "
            f"(p95 {ms(p95(times))})  [target < 50 ms]"
        )
        await client.aclose()
        got, slowest = await streams(server.url, token, store, client_id, lanes, 100)
        print(
            f"100 event streams, one VA move: {got}/100 got the change, slowest "
            f"{ms(slowest)}  [target: all within 1 s]"
        )
        acked, lost, times, logged = await concurrent_reorders(
            server.url, store, client_id, lanes, 10, 20
        )
        print(
            f"200 reorders from 10 concurrent sessions: {acked} acknowledged, {lost} lost, "
            f"{logged} recorded in the activity log, median {ms(statistics.median(times))}, "
            f"p95 {ms(p95(times))}  [target: none lost]"
        )
    finally:
        server.stop()
        store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="database URL (default: a fresh SQLite file)")
    parser.add_argument("--cards", type=int, default=10_000)
    parser.add_argument("--client-cards", type=int, default=2_000)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.db or f"sqlite:///{Path(folder) / 'portal.db'}"
        asyncio.run(main_async(args, url))


if __name__ == "__main__":
    main()
