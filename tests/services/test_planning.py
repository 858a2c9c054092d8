"""The week plan on SQLite and PostgreSQL: contents, budgets, moves, and two movers at once."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from vadesk.config import Settings
from vadesk.db.models import CardActivity, Client
from vadesk.domain.planning import Week
from vadesk.domain.ranking import rank_between
from vadesk.errors import ConflictError, InvalidInputError, NotFoundError
from vadesk.services import timer
from vadesk.services.cards import create_card, get_card, set_archived
from vadesk.services.clients import add_client
from vadesk.services.lanes import lane_by_name
from vadesk.services.planning import plan_card, unplanned_cards, week_plan
from vadesk.services.store import Store, open_store

NOW = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)  # Tuesday of 2026-W48
THIS = Week(date(2026, 11, 23))
NEXT = THIS.shifted(1)
LAST = THIS.shifted(-1)


def _client(s, name: str, agreed: int | None = None, period: str = "week") -> int:  # type: ignore[no-untyped-def]
    row = add_client(s, name, now=NOW)
    client = s.get(Client, row.id)
    client.agreed_minutes = agreed
    client.agreed_period = period
    return row.id


def _card(  # type: ignore[no-untyped-def]
    s, title: str, client: int | None, estimate: int | None, week: Week | None, lane: str = "Normal"
) -> int:
    card = create_card(
        s,
        title,
        lane_id=lane_by_name(s, lane).id,
        client_id=client,
        kind="admin",
        estimate_minutes=estimate,
        now=NOW - timedelta(days=3),
    )
    if week is not None:
        plan_card(s, card.id, week, now=NOW - timedelta(days=3))
    return card.id


@pytest.fixture
def planned(store: Store) -> dict[str, int]:
    """Acme 10 h/week, Bright 40 h/month, Cedar a 5 h package, Delta nothing agreed.
    Priority order: Delta first (moved to the top), then Acme, Bright, Cedar."""
    ids: dict[str, int] = {}
    with store.write() as s:
        ids["acme"] = _client(s, "Acme Bakery", 600, "week")
        ids["bright"] = _client(s, "Bright Dental", 2400, "month")
        ids["cedar"] = _client(s, "Cedar Law")
        ids["delta"] = _client(s, "Delta Yoga")
        acme_rank = s.get(Client, ids["acme"]).rank
        s.get(Client, ids["delta"]).rank = rank_between(None, acme_rank)
        timer.add_package(
            s, ids["cedar"], hours=5, price_minor=0, purchased_at=datetime(2026, 11, 1, tzinfo=UTC)
        )
        ids["a1"] = _card(s, "a1 newsletter", ids["acme"], 240, THIS, lane="High")
        ids["a2"] = _card(s, "a2 invoices", ids["acme"], None, THIS)
        ids["a3"] = _card(s, "a3 done already", ids["acme"], 60, THIS, lane="Done")
        ids["a4"] = _card(s, "a4 next week", ids["acme"], 90, NEXT)
        ids["a5"] = _card(s, "a5 unplanned", ids["acme"], 30, None)
        ids["a6"] = _card(s, "a6 left over", ids["acme"], 45, LAST)
        ids["a7"] = _card(s, "a7 done last week", ids["acme"], 45, LAST, lane="Done")
        ids["b1"] = _card(s, "b1 reminders", ids["bright"], 120, THIS)
        ids["c1"] = _card(s, "c1 court forms", ids["cedar"], 300, THIS)
        ids["n1"] = _card(s, "n1 my own admin", None, 30, THIS)
        ids["x1"] = _card(s, "x1 archived", ids["acme"], 500, THIS)
        set_archived(s, ids["x1"], True, now=NOW)
        user = store.user_id
        for card, start, minutes in (
            ("a1", datetime(2026, 11, 23, 9, 0, tzinfo=UTC), 90),  # this week
            ("a5", datetime(2026, 11, 23, 14, 0, tzinfo=UTC), 30),  # unplanned card, still Acme
            ("a1", datetime(2026, 11, 20, 9, 0, tzinfo=UTC), 60),  # last week: not counted
            ("c1", datetime(2026, 11, 20, 10, 0, tzinfo=UTC), 60),  # drew Cedar's package
            ("c1", datetime(2026, 11, 23, 10, 0, tzinfo=UTC), 120),  # this week
            ("n1", datetime(2026, 11, 23, 16, 0, tzinfo=UTC), 15),
        ):
            ids_card = ids[card]
            timer.add_entry(s, user, ids_card, start, start + timedelta(minutes=minutes), now=NOW)
        # A running timer on Bright's card, started 20 minutes ago: counted up to now.
        timer.start(s, user, ids["b1"], now=NOW - timedelta(minutes=20))
    return ids


def _plan(store: Store, week: Week = THIS, **kw):  # type: ignore[no-untyped-def]
    with store.read() as s:
        return week_plan(s, week, tz=UTC, now=NOW, capacity_hours=kw.pop("capacity", 30), **kw)


def test_plan_has_every_client_in_priority_order_with_its_cards(
    store: Store, planned: dict[str, int]
) -> None:
    plan = _plan(store)
    assert [c.name for c in plan.clients] == [
        "Delta Yoga",
        "Acme Bakery",
        "Bright Dental",
        "Cedar Law",
        None,  # cards without a client come last
    ]
    acme = plan.clients[1]
    # Board order (lane, then rank); done cards stay in the plan, marked done.
    assert [(c.title, c.estimate_minutes, c.done) for c in acme.cards] == [
        ("a1 newsletter", 240, False),
        ("a2 invoices", None, False),
        ("a3 done already", 60, True),
    ]
    assert plan.clients[0].cards == ()
    assert [c.title for c in plan.clients[4].cards] == ["n1 my own admin"]
    assert plan.week == THIS and plan.is_current


def test_estimates_budget_and_time_logged_per_client(store: Store, planned: dict[str, int]) -> None:
    plan = _plan(store)
    by_name = {c.name: c for c in plan.clients}
    acme = by_name["Acme Bakery"]
    assert acme.planned_seconds == 300 * 60  # 240 + no estimate (0) + 60
    assert acme.unestimated == 1
    # 90 min on a1 and 30 min on the unplanned a5 this week; last week's hour is not counted.
    assert acme.logged_seconds == 120 * 60
    assert acme.cards[0].logged_seconds == 90 * 60
    assert acme.budget is not None and acme.budget.source == "agreed"
    assert acme.budget.seconds == 600 * 60 and not acme.over_budget
    assert acme.load.left_seconds == 480 * 60

    bright = by_name["Bright Dental"]
    # 40 h a month; November 2026 has 21 weekdays, W48 holds 5: 2400*5/21 = 571.4 -> 571.
    assert bright.budget is not None and bright.budget.seconds == 571 * 60
    assert bright.logged_seconds == 20 * 60  # the running timer, up to now

    cedar = by_name["Cedar Law"]
    # 5 h package; 1 h drawn last week, 2 h this week: 4 h when the week began, 2 h left now.
    assert cedar.budget is not None and cedar.budget.source == "package"
    assert cedar.budget.seconds == 4 * 3600
    assert cedar.budget.package_left_seconds == 2 * 3600
    assert cedar.planned_seconds == 5 * 3600 and cedar.over_budget  # 5 h planned > 4 h

    assert by_name["Delta Yoga"].budget is None and not by_name["Delta Yoga"].over_budget

    # The VA's week: every planned estimate and every minute logged.
    assert plan.planned_seconds == (300 + 120 + 300 + 30) * 60
    assert plan.unestimated == 1
    assert plan.logged_seconds == (90 + 30 + 120 + 15 + 20) * 60
    assert plan.capacity_seconds == 30 * 3600 and not plan.over_capacity
    assert _plan(store, capacity=12).over_capacity  # 12:30 planned > 12 h


def test_logged_time_over_an_agreement_is_over_budget(
    store: Store, planned: dict[str, int]
) -> None:
    with store.write() as s:
        start = datetime(2026, 11, 23, 18, 0, tzinfo=UTC)
        timer.add_entry(s, store.user_id, planned["a2"], start, start + timedelta(hours=9), now=NOW)
    acme = _plan(store).clients[1]
    assert acme.planned_seconds <= acme.budget.seconds  # type: ignore[union-attr]
    assert acme.logged_seconds == 11 * 3600 and acme.over_budget


def test_another_week_and_one_client(store: Store, planned: dict[str, int]) -> None:
    nxt = _plan(store, NEXT)
    assert [c.title for s in nxt.clients for c in s.cards] == ["a4 next week"]
    assert nxt.logged_seconds == 0 and not nxt.is_current
    # Cedar's package for next week: what is left now.
    cedar = next(c for c in nxt.clients if c.name == "Cedar Law")
    assert cedar.budget is not None and cedar.budget.seconds == 2 * 3600
    only = _plan(store, client_id=planned["bright"])
    assert [c.name for c in only.clients] == ["Bright Dental"]
    assert only.planned_seconds == _plan(store).planned_seconds  # the VA's totals stay whole


def test_archived_client_leaves_the_plan(store: Store, planned: dict[str, int]) -> None:
    with store.write() as s:
        s.get(Client, planned["acme"]).archived = True
    plan = _plan(store)
    assert "Acme Bakery" not in [c.name for c in plan.clients]
    assert "a1 newsletter" not in [c.title for s in plan.clients for c in s.cards]


def test_unplanned_cards_to_pull_in(store: Store, planned: dict[str, int]) -> None:
    with store.read() as s:
        offered = unplanned_cards(s, planned["acme"], THIS)
        own = unplanned_cards(s, None, THIS)
    # Unplanned and carried over from an earlier week; not done, not planned ahead.
    assert [(c.title, c.planned_week) for c in offered] == [
        ("a5 unplanned", None),
        ("a6 left over", LAST.monday),
    ]
    assert own == []


def test_moving_a_card_between_weeks_and_out(store: Store, planned: dict[str, int]) -> None:
    card_id = planned["a5"]
    with store.write() as s:
        before = get_card(s, card_id).version
        moved = plan_card(s, card_id, THIS, user_id=store.user_id, now=NOW)
    assert moved.planned_week == THIS.monday and moved.version == before + 1
    assert "a5 unplanned" in [c.title for c in _plan(store).clients[1].cards]
    with store.write() as s:
        plan_card(s, card_id, NEXT, user_id=store.user_id, now=NOW)
    with store.write() as s:
        plan_card(s, card_id, None, user_id=store.user_id, now=NOW)
    with store.write() as s:
        same = plan_card(s, card_id, None, user_id=store.user_id, now=NOW)  # nothing changes
    assert same.planned_week is None
    with store.read() as s:
        log = s.execute(
            select(CardActivity.kind, CardActivity.detail)
            .where(CardActivity.card_id == card_id, CardActivity.kind == "planned")
            .order_by(CardActivity.id)
        ).all()
    assert [d for _, d in log] == [
        {"week": "2026-W48", "was": None},
        {"week": "2026-W49", "was": "2026-W48"},
        {"week": None, "was": "2026-W49"},
    ]


def test_refusals(store: Store, planned: dict[str, int]) -> None:
    with store.write() as s, pytest.raises(InvalidInputError, match="archived; restore it"):
        plan_card(s, planned["x1"], THIS)
    with store.write() as s, pytest.raises(NotFoundError):
        plan_card(s, 999_999, THIS)
    with store.write() as s:
        version = get_card(s, planned["a5"]).version
        plan_card(s, planned["a5"], THIS)
    with store.write() as s, pytest.raises(ConflictError):
        plan_card(s, planned["a5"], NEXT, expected_version=version)
    with store.read() as s:
        assert get_card(s, planned["a5"]).planned_week == THIS.monday


def test_a_mover_waits_for_the_other_and_reads_its_result(store: Store, db_url: str) -> None:
    """Two windows move one card at once: the second waits for the first's commit, then
    re-reads the card; its activity says where the card was after the first move."""
    with store.write() as s:
        card_id = create_card(s, "contested", now=NOW).id
    other = open_store(Settings(user="tester"), db_url)
    first_in = threading.Event()
    errors: list[BaseException] = []

    def first() -> None:
        try:
            with store.write() as s:
                plan_card(s, card_id, THIS, now=NOW)
                first_in.set()
                threading.Event().wait(0.4)  # hold the transaction open
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)
            first_in.set()

    thread = threading.Thread(target=first)
    thread.start()
    assert first_in.wait(5)
    try:
        with other.write() as s:
            plan_card(s, card_id, NEXT, now=NOW + timedelta(seconds=1))
    finally:
        thread.join()
        other.close()
    assert errors == []
    with store.read() as s:
        assert get_card(s, card_id).planned_week == NEXT.monday
        details = s.scalars(
            select(CardActivity.detail)
            .where(CardActivity.card_id == card_id, CardActivity.kind == "planned")
            .order_by(CardActivity.id)
        ).all()
    assert details == [{"week": "2026-W48", "was": None}, {"week": "2026-W49", "was": "2026-W48"}]


def test_two_movers_from_the_same_version_one_wins_one_is_told(store: Store, db_url: str) -> None:
    with store.write() as s:
        card = create_card(s, "contested", now=NOW)
    stores = [store, open_store(Settings(user="tester"), db_url)]
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def mover(index: int, week: Week) -> None:
        barrier.wait()
        try:
            with stores[index].write() as s:
                plan_card(s, card.id, week, expected_version=card.version, now=NOW)
            outcomes[week.label] = "moved"
        except ConflictError:
            outcomes[week.label] = "conflict"

    threads = [
        threading.Thread(target=mover, args=(0, THIS)),
        threading.Thread(target=mover, args=(1, NEXT)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stores[1].close()
    assert sorted(outcomes.values()) == ["conflict", "moved"]
    winner = next(label for label, outcome in outcomes.items() if outcome == "moved")
    with store.read() as s:
        row = get_card(s, card.id)
        count = len(
            s.scalars(
                select(CardActivity.id).where(
                    CardActivity.card_id == card.id, CardActivity.kind == "planned"
                )
            ).all()
        )
    assert Week(row.planned_week).label == winner  # type: ignore[arg-type]
    assert row.version == card.version + 1 and count == 1
