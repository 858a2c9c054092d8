"""Client profiles, archiving and the client priority order, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import select

from vadesk.config import Settings
from vadesk.db.models import Client, ClientTurnaround
from vadesk.errors import InvalidInputError, NotFoundError
from vadesk.services import clients
from vadesk.services.board_read import iter_card_json, lane_counts, overdue_count
from vadesk.services.board_view import read_snapshot
from vadesk.services.cards import create_card
from vadesk.services.clients import ClientInput, Contact
from vadesk.services.lanes import list_lanes
from vadesk.services.store import Store, open_store

NOW = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)

FULL = ClientInput(
    name="Acme Bakery",
    company="Acme Bakery Ltd",
    emails=("Orders@Acme.example", "acme@in.example.com"),
    contacts=(
        Contact("Maria Rossi", "Maria@Acme.example", "+44 20 7946 0321", "owner"),
        Contact("Tom", "", "", "orders"),
    ),
    timezone="europe/london",
    working_hours={"days": "mon-sat", "hours": "6-14"},
    channel="Phone",
    onboarding={"Preferred communication": "  Email first  ", "Goals with the service": ""},
    nda_signed_on="2026-03-02",
    nda_note="Drive/Acme/NDA.pdf",
    contract_start=date(2026, 3, 1),
    contract_end="2027-02-28",
    agreed_minutes=600,
    agreed_period="week",
    currency="gbp",
    default_rate_minor=4000,
    rates={"creative": 6000},
    rounding_minutes=15,
    rounding_scope="day",
    minimum_charge_minutes=15,
    discount_percent=10,
    turnaround={"admin": 12, "creative": 48, "call": None},
    turnaround_mode="working",
    colour="#FFAA00",
)


def add(store: Store, name: str, **fields: Any) -> clients.ClientProfile:
    with store.write() as s:
        return clients.save_client(s, ClientInput(name=name, **fields), now=NOW)


def order(store: Store, *, include_archived: bool = False) -> list[str]:
    with store.read() as s:
        return [p.name for p in clients.list_profiles(s, include_archived=include_archived)]


def test_a_full_profile_round_trips_in_the_form_it_is_stored(store: Store) -> None:
    saved = add(
        store, **{k: v for k, v in FULL.__dict__.items() if k != "name"}, name="Acme Bakery"
    )
    with store.read() as s:
        profile = clients.profile_by_name(s, "ACME bakery")
    assert profile == saved
    assert profile.emails == ("orders@acme.example", "acme@in.example.com")
    assert profile.contacts == (
        Contact("Maria Rossi", "maria@acme.example", "+442079460321", "owner"),
        Contact("Tom", "", "", "orders"),
    )
    assert (profile.company, profile.timezone, profile.channel) == (
        "Acme Bakery Ltd",
        "Europe/London",
        "phone",
    )
    assert profile.working_hours == {
        "days": ["mon", "tue", "wed", "thu", "fri", "sat"],
        "hours": "06:00-14:00",
    }
    assert profile.onboarding == {"Preferred communication": "Email first"}
    assert (profile.nda_signed_on, profile.contract_start, profile.contract_end) == (
        date(2026, 3, 2),
        date(2026, 3, 1),
        date(2027, 2, 28),
    )
    assert (profile.agreed_minutes, profile.agreed_period) == (600, "week")
    assert (profile.currency, profile.default_rate_minor, profile.rates) == (
        "GBP",
        4000,
        {"creative": 6000},
    )
    assert (profile.rounding_minutes, profile.rounding_scope) == (15, "day")
    assert (profile.minimum_charge_minutes, profile.discount_percent) == (15, 10)
    assert profile.turnaround == {"admin": 12, "creative": 48, "call": None}
    assert (profile.turnaround_mode, profile.colour, profile.archived) == (
        "working",
        "#ffaa00",
        False,
    )


def test_a_new_client_gets_defaults_and_the_old_helpers_still_work(store: Store) -> None:
    with store.write() as s:
        row = clients.add_client(s, "Bright", emails=("office@bright.example",), currency="usd")
    with store.read() as s:
        profile = clients.get_profile(s, row.id)
        assert clients.client_by_name(s, "bright").emails == ("office@bright.example",)
        stored = dict(
            s.execute(
                select(ClientTurnaround.kind, ClientTurnaround.hours).where(
                    ClientTurnaround.client_id == row.id
                )
            ).all()
        )
    assert (profile.currency, profile.channel, profile.turnaround_mode) == (
        "USD",
        "email",
        "calendar",
    )
    assert profile.turnaround == {"admin": 24, "creative": 48} == stored
    assert profile.colour == clients.PALETTE[0]
    assert (profile.agreed_minutes, profile.working_hours, profile.onboarding) == (None, {}, {})


def test_an_edit_changes_only_what_is_given_and_replaces_lists(store: Store) -> None:
    first = add(
        store,
        "Acme",
        company="Acme Ltd",
        emails=("a@acme.example",),
        timezone="UTC",
        contacts=(Contact("Ann"), Contact("Bo")),
    )
    with store.write() as s:
        edited = clients.save_client(
            s, ClientInput(contacts=(Contact("Cy", role="boss"),), emails=()), first.id
        )
    assert edited.company == "Acme Ltd" and edited.timezone == "UTC"
    assert edited.contacts == (Contact("Cy", role="boss"),)
    assert edited.emails == ()
    with store.write() as s:
        cleared = clients.save_client(
            s, ClientInput(timezone="", nda_signed_on="2026-01-01", agreed_minutes=0), first.id
        )
        again = clients.save_client(s, ClientInput(nda_signed_on=""), first.id)
    assert cleared.timezone == "" and cleared.agreed_minutes is None
    assert again.nda_signed_on is None


BAD: list[tuple[ClientInput, str]] = [
    (ClientInput(name="  "), "A client needs a name."),
    (
        ClientInput(emails=("not-an-address",)),
        "Intake address 'not-an-address' is not an email address",
    ),
    (
        ClientInput(contacts=(Contact("Ann", email="ann@"),)),
        "Contact 1's email 'ann@' is not an email address",
    ),
    (
        ClientInput(contacts=(Contact("Ann"), Contact("Bo", phone="12345"))),
        "Contact 2's phone '12345' is not a phone number",
    ),
    (ClientInput(contacts=(Contact(" ", email="x@y.example"),)), "Contact 1 needs a name."),
    (ClientInput(currency="EURO"), "Currency 'EURO' is not an ISO 4217 code"),
    (ClientInput(timezone="Europe/Londn"), "Time zone 'Europe/Londn' is not an IANA zone"),
    (ClientInput(working_hours={"hours": "17-9"}), "Working hours '17-9' ends before it starts"),
    (ClientInput(working_hours={"days": "mon-funday"}), "'funday' is not a day"),
    (ClientInput(working_hours={"weeks": "2"}), "Working hours have days and hours only"),
    (ClientInput(channel="pigeon"), "Channel 'pigeon' is not one of: email, phone, chat, video"),
    (ClientInput(nda_signed_on="last spring"), "NDA signed on 'last spring' is not a date"),
    (
        ClientInput(contract_start="2026-05-01", contract_end="2026-04-01"),
        "The contract ends (2026-04-01) before it starts (2026-05-01)",
    ),
    (ClientInput(agreed_minutes=-60), "Agreed hours must be between 0 and 744"),
    (
        ClientInput(agreed_period="fortnight"),
        "Agreed period 'fortnight' is not one of: week, month",
    ),
    (ClientInput(rates={"meeting": 100}), "Rate: 'meeting' is not a kind of task"),
    (ClientInput(default_rate_minor=-1), "The default rate must be between 0 and 1,000,000"),
    (ClientInput(rounding_minutes=5), "Rounding must be 0 (none), 1, 6 or 15 minutes."),
    (ClientInput(rounding_scope="week"), "Rounding per 'week' is not one of: entry, day"),
    (ClientInput(minimum_charge_minutes=-1), "The minimum charge must be 0 to 600 minutes"),
    (ClientInput(discount_percent=120), "The discount must be between 0 and 100 %."),
    (
        ClientInput(turnaround={"admin": 0}),
        "Turnaround for admin must be 1 to 8784 hours, or none.",
    ),
    (
        ClientInput(turnaround_mode="lunar"),
        "Turnaround counted in 'lunar' is not one of: calendar, working",
    ),
    (ClientInput(colour="teal-ish"), "Colour 'teal-ish' is not a colour like #4fc1ff"),
    (
        ClientInput(onboarding={"Goals": "x" * 5001}),
        "The answer to 'Goals' is longer than 5,000 characters",
    ),
]


@pytest.mark.parametrize(("data", "message"), BAD)
def test_each_bad_field_is_refused_with_one_line_and_nothing_changes(
    store: Store, data: ClientInput, message: str
) -> None:
    acme = add(store, "Acme", company="Acme Ltd")
    with pytest.raises(InvalidInputError) as refused, store.write() as s:
        clients.save_client(s, data, acme.id)
    assert message in str(refused.value)
    assert "\n" not in str(refused.value)
    with store.read() as s:
        assert clients.get_profile(s, acme.id) == acme


def test_names_and_intake_addresses_belong_to_one_client(store: Store) -> None:
    add(store, "Acme", emails=("acme@in.example.com",))
    bright = add(store, "Bright")
    with pytest.raises(InvalidInputError, match="A client named 'ACME' already exists"):
        add(store, "ACME")
    with pytest.raises(InvalidInputError, match="already exists"), store.write() as s:
        clients.save_client(s, ClientInput(name="acme"), bright.id)
    with pytest.raises(InvalidInputError, match=r"acme@in\.example\.com already routes to another"):
        add(store, "Cedar", emails=("ACME@in.example.com",))
    with store.write() as s:  # renaming a client to its own name in another case is fine
        assert clients.save_client(s, ClientInput(name="BRIGHT"), bright.id).name == "BRIGHT"


def test_unknown_clients_are_named_in_the_error(store: Store) -> None:
    add(store, "Acme")
    missing = r"No client named 'Nobody' \(clients: Acme\)"
    with pytest.raises(NotFoundError, match=missing), store.read() as s:
        clients.profile_by_name(s, "Nobody")
    with pytest.raises(NotFoundError, match="No client #99"), store.read() as s:
        clients.get_profile(s, 99)


# ---------------------------------------------------------------- archiving


def cards_for(store: Store) -> tuple[int, int]:
    """(Acme's card, Bright's card), one overdue each, plus a card of nobody's."""
    acme, bright = add(store, "Acme"), add(store, "Bright")
    with store.write() as s:
        lane = list_lanes(s)[0].id
        past = datetime(2026, 11, 20, tzinfo=UTC)
        a = create_card(s, "acme job", lane_id=lane, client_id=acme.id, due_at=past, now=NOW)
        b = create_card(s, "bright job", lane_id=lane, client_id=bright.id, due_at=past, now=NOW)
        create_card(s, "my own job", lane_id=lane, now=NOW)
    return a.id, b.id


def board_titles(store: Store) -> list[str]:
    snap = read_snapshot(store, {}, None, "", None, NOW)
    return [line.title for window in snap.windows.values() for line in window.lines]


def test_archiving_hides_a_clients_cards_from_board_and_lists_and_unarchiving_restores(
    store: Store,
) -> None:
    cards_for(store)
    with store.read() as s:
        acme = clients.profile_by_name(s, "Acme")
    before = board_titles(store)
    assert sorted(before) == ["acme job", "bright job", "my own job"]

    with store.write() as s:
        archived = clients.set_archived(s, acme.id, True)
    assert archived.archived
    assert sorted(board_titles(store)) == ["bright job", "my own job"]
    with store.read() as s:
        assert sum(lane_counts(s).values()) == 2
        assert overdue_count(s, NOW) == 1
        assert [c["title"] for c in iter_card_json(s)] == ["bright job", "my own job"]
        # Asked for by name, or for archived clients too, they are there.
        assert [c["title"] for c in iter_card_json(s, client_id=acme.id)] == ["acme job"]
        assert len(list(iter_card_json(s, archived_clients=True))) == 3
        assert [c.name for c in clients.list_clients(s)] == ["Bright"]
        assert clients.archived_client_names(s) == {"Acme"}
        assert clients.profile_by_name(s, "acme").archived  # still found by name

    with store.write() as s:
        clients.set_archived(s, acme.id, False)
    assert board_titles(store) == before
    with store.read() as s:
        assert overdue_count(s, NOW) == 2
        assert clients.archived_client_names(s) == frozenset()


# ---------------------------------------------------------------- the priority order


def test_new_clients_join_at_the_bottom_and_pickers_follow_the_order(store: Store) -> None:
    for name in ("Cedar", "Acme", "Bright"):
        add(store, name)
    assert order(store) == ["Cedar", "Acme", "Bright"]
    with store.read() as s:
        assert [c.name for c in clients.list_clients(s)] == ["Cedar", "Acme", "Bright"]


@pytest.mark.parametrize(
    ("move", "expected"),
    [
        (("D", {"to": "top"}), ["D", "A", "B", "C"]),
        (("A", {"to": "bottom"}), ["B", "C", "D", "A"]),
        (("D", {"before": "B"}), ["A", "D", "B", "C"]),
        (("A", {"before": "C"}), ["B", "A", "C", "D"]),
        (("B", {"before": "C"}), ["A", "B", "C", "D"]),
        (("A", {"to": "top"}), ["A", "B", "C", "D"]),
    ],
)
def test_move_a_client_to_the_top_bottom_or_before_another(
    store: Store, move: tuple[str, dict[str, str]], expected: list[str]
) -> None:
    ids = {name: add(store, name).id for name in "ABCD"}
    name, where = move
    with store.write() as s:
        moved = clients.move_client(
            s,
            ids[name],
            before_id=ids[where["before"]] if "before" in where else None,
            to=where.get("to"),  # type: ignore[arg-type]
        )
    assert moved.name == name
    assert order(store) == expected


def test_a_move_writes_one_row(store: Store) -> None:
    ids = {name: add(store, name).id for name in "ABCD"}
    with store.read() as s:
        before = dict(s.execute(select(Client.id, Client.rank)).all())
    with store.write() as s:
        clients.move_client(s, ids["D"], before_id=ids["B"])
    with store.read() as s:
        after = dict(s.execute(select(Client.id, Client.rank)).all())
    assert [i for i in before if before[i] != after[i]] == [ids["D"]]


def test_step_moves_skip_archived_clients_which_keep_their_place(store: Store) -> None:
    ids = {name: add(store, name).id for name in "ABCD"}
    with store.write() as s:
        clients.set_archived(s, ids["B"], True)
        clients.move_client_step(s, ids["C"], -1)  # past the hidden B: above A
    assert order(store) == ["C", "A", "D"]
    assert order(store, include_archived=True) == ["C", "A", "B", "D"]
    with store.write() as s:
        clients.move_client_step(s, ids["C"], 1)  # one place down among the shown: below A
    assert order(store) == ["A", "C", "D"]
    with store.write() as s:
        clients.move_client_step(s, ids["D"], 5)  # already last: stays
        clients.move_client_step(s, ids["A"], -1)  # already first: stays
    assert order(store) == ["A", "C", "D"]
    with store.write() as s:
        clients.set_archived(s, ids["B"], False)
    assert order(store) == ["A", "C", "B", "D"]  # B is back where it was: before D


def test_refused_moves(store: Store) -> None:
    a = add(store, "A").id
    with pytest.raises(InvalidInputError, match="before itself"), store.write() as s:
        clients.move_client(s, a, before_id=a)
    with pytest.raises(InvalidInputError, match="Give one of"), store.write() as s:
        clients.move_client(s, a)
    with pytest.raises(NotFoundError, match="No client #42 to move before"), store.write() as s:
        clients.move_client(s, a, before_id=42)


def test_clients_with_equal_ranks_still_take_a_move_between_them(store: Store) -> None:
    ids = {name: add(store, name).id for name in "ABC"}
    with store.write() as s:  # as an old writer might have left them
        for client in s.scalars(select(Client)):
            client.rank = "a0"
    with store.write() as s:
        clients.move_client(s, ids["C"], before_id=ids["B"])
    assert order(store) == ["A", "C", "B"]
    with store.read() as s:
        ranks = list(s.scalars(select(Client.rank)))
    assert len(set(ranks)) == 3


@pytest.fixture
def second(db_url: str, store: Store) -> Iterator[Store]:
    other = open_store(Settings(user="other"), db_url)
    yield other
    other.close()


def test_two_writers_moving_clients_at_once_lose_nothing(store: Store, second: Store) -> None:
    ids = [add(store, f"C{i}").id for i in range(6)]
    rounds = 15
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def mover(target: Store, mine: list[int]) -> None:
        try:
            start.wait()
            for i in range(rounds):
                with target.write() as s:
                    clients.move_client(s, mine[i % len(mine)], to="top")
        except BaseException as error:  # reported below, not lost in the thread
            errors.append(error)

    threads = [
        threading.Thread(target=mover, args=(store, ids[:3])),
        threading.Thread(target=mover, args=(second, ids[3:])),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors
    with store.read() as s:
        rows = s.execute(select(Client.id, Client.rank)).all()
        listed = [p.id for p in clients.list_profiles(s)]
    assert sorted(listed) == sorted(ids)  # nobody lost, nobody twice
    assert len({rank for _, rank in rows}) == len(ids)  # every place distinct
    # The move committed last put its client on top: one of the two writers' last clients.
    assert listed[0] in {ids[(rounds - 1) % 3], ids[3 + (rounds - 1) % 3]}


def test_two_writers_adding_clients_at_once_give_each_its_own_place(
    store: Store, second: Store
) -> None:
    add(store, "First")
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def adder(target: Store, prefix: str) -> None:
        try:
            start.wait()
            for i in range(8):
                add(target, f"{prefix}{i}")
        except BaseException as error:  # reported below, not lost in the thread
            errors.append(error)

    threads = [
        threading.Thread(target=adder, args=(store, "a")),
        threading.Thread(target=adder, args=(second, "b")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors
    with store.read() as s:
        ranks = list(s.scalars(select(Client.rank)))
    assert len(ranks) == 17 and len(set(ranks)) == 17
    listed = order(store)
    assert listed[0] == "First"
    assert [n for n in listed if n.startswith("a")] == [f"a{i}" for i in range(8)]
    assert [n for n in listed if n.startswith("b")] == [f"b{i}" for i in range(8)]


def test_the_quick_first_frame_leaves_out_archived_clients_cards_too(sqlite_store: Store) -> None:
    from vadesk.services.quick import quick_board

    cards_for(sqlite_store)
    archive_url = str(sqlite_store.db.engine.url)
    with sqlite_store.write() as s:
        clients.set_archived(s, clients.profile_by_name(s, "Acme").id, True)
    quick = quick_board(archive_url, 60, NOW)
    assert quick is not None
    titles = [line.title for _, lines in quick.windows.values() for line in lines]
    assert sorted(titles) == ["bright job", "my own job"]
    assert sum(count for count, _ in quick.windows.values()) == 2
    assert quick.overdue == 1
