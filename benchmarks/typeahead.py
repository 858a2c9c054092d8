"""What one-key-at-a-time costs: a burst of typed keys into the new-card title, headless.

Prints the time from sending the whole burst (as a terminal delivers a paste or fast typing)
to the title holding all of it, and the cost per key, with the gate (ui/typeahead.py) on and,
for reference, off (keys forwarded as Textual does by default; the text may then come out
in the wrong order, which is what the gate is for).

    python benchmarks/typeahead.py [--keys 200] [--runs 5]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from textual import events
from textual.widgets import Input

from vadesk.config import Settings
from vadesk.services.store import open_store
from vadesk.ui.app import VadeskApp
from vadesk.ui.screens.card_editor import CardEditor


async def one_run(store_url: str, keys: int, gate: bool) -> float:
    store = open_store(Settings(user="bench"), store_url)
    app = VadeskApp(store)
    if not gate:

        async def direct(event: events.Event) -> None:
            await app._forward_key(event)

        app.keys.offer = direct  # type: ignore[method-assign]
    text = ("abcdefghij" * (keys // 10 + 1))[:keys]
    try:
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.pause(0.5)
            await pilot.press("n")
            while not isinstance(app.screen, CardEditor):
                await pilot.pause(0.01)
            await pilot.pause(0.2)
            title = app.screen.query_one("#title", Input)
            driver = app._driver
            assert driver is not None
            start = time.perf_counter()
            for char in text:
                event = events.Key(char, char)
                event.set_sender(app)
                driver.send_message(event)
            while len(title.value) < keys:
                await asyncio.sleep(0.001)
            return time.perf_counter() - start
    finally:
        store.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--keys", type=int, default=200)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        for gate in (True, False):
            times = [asyncio.run(one_run(url, args.keys, gate)) for _ in range(args.runs)]
            median = statistics.median(times)
            label = "gate on " if gate else "gate off"
            print(
                f"{label}: {args.keys} keys typed in one burst reach the title in "
                f"{median * 1000:.0f} ms median ({median / args.keys * 1e6:.0f} µs per key; "
                f"runs: {', '.join(f'{t * 1000:.0f}' for t in times)} ms)"
            )


if __name__ == "__main__":
    main()
