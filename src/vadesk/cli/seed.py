"""`vadesk seed`: generated data for trying and benchmarking."""

from __future__ import annotations

import click

from vadesk.cli.common import Context, emit, json_option, pass_ctx


@click.command()
@click.option("--clients", default=5, show_default=True, type=click.IntRange(0, 1000))
@click.option("--cards", default=40, show_default=True, type=click.IntRange(0, 1_000_000))
@click.option("--entries", default=0, show_default=True, type=click.IntRange(0, 10_000_000))
@click.option("--seed", "seed_value", default=42, show_default=True, type=int, help="Random seed.")
@json_option("Print the counts added as a JSON object.")
@pass_ctx
def seed(
    ctx: Context, clients: int, cards: int, entries: int, seed_value: int, as_json: bool
) -> None:
    """Fill the database with generated data for trying and benchmarking."""
    import random

    from vadesk.services.seed import seed as run_seed

    store = ctx.store()
    with store.write() as s:
        result = run_seed(
            s,
            clients=clients,
            cards=cards,
            entries=entries,
            user_id=store.user_id,
            rng=random.Random(seed_value),
        )
    emit(
        as_json,
        {"clients": result.clients, "cards": result.cards, "entries": result.entries},
        f"added {result.clients} clients, {result.cards} cards, {result.entries} entries",
    )
