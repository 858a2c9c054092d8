"""The portal's services on SQLite and PostgreSQL: invites, sessions, scoping, moves, tasks."""

from __future__ import annotations

import threading
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, text, update

from tests.conftest import FIXED_NOW
from tests.portal.conftest import World
from vadesk.config import Settings
from vadesk.db.models import Card, CardActivity, Client, PortalInvite, PortalSession
from vadesk.errors import ConfigError, ConflictError, InvalidInputError, NotFoundError
from vadesk.services import portal as service
from vadesk.services.cards import get_card
from vadesk.services.store import open_store

UTC_TZ = ZoneInfo("UTC")


def titles(board: service.PortalBoard, lane: str) -> list[str]:
    return [c.title for x in board.lanes if x.name == lane for c in x.cards]


def read_board(world: World, user: service.PortalUser) -> service.PortalBoard:
    with world.store.read() as s:
        return service.board(s, user, tz=UTC_TZ, now=FIXED_NOW)


# ---------------------------------------------------------------- invites and sessions


def test_an_invite_token_has_256_bits_and_only_its_hash_is_stored(world: World) -> None:
    assert len(world.invite_token) >= 43  # 32 bytes, base64url
    with world.store.read() as s:
        stored = s.scalar(select(PortalInvite.token_hash).where(PortalInvite.id == world.invite_id))
        dumped = " ".join(str(row) for row in s.execute(text("SELECT * FROM portal_invites")).all())
    assert stored == service.token_hash(world.invite_token)
    assert world.invite_token not in dumped


def test_opening_an_invite_makes_a_session_stored_as_a_hash(world: World) -> None:
    with world.store.write() as s:
        opened = service.open_session(s, world.invite_token, session_days=7, now=FIXED_NOW)
    assert opened is not None
    user, cookie = opened
    assert user.client_id == world.acme and user.name == "Acme office"
    assert user.expires_at == FIXED_NOW + timedelta(days=7)
    with world.store.read() as s:
        dumped = " ".join(str(r) for r in s.execute(text("SELECT * FROM portal_sessions")).all())
        assert cookie not in dumped
        again = service.authenticate(s, cookie, FIXED_NOW + timedelta(hours=1))
    assert again is not None and again.session_id == user.session_id


@pytest.mark.parametrize(
    "token", ["", "short", "x" * 43, "../../etc/passwd", "a" * 500, "tok en with spaces and more"]
)
def test_a_wrong_invite_token_opens_nothing(world: World, token: str) -> None:
    with world.store.write() as s:
        assert service.open_session(s, token, now=FIXED_NOW) is None
        assert s.scalar(select(PortalSession.id)) is None


def test_a_session_expires(world: World) -> None:
    with world.store.write() as s:
        opened = service.open_session(s, world.invite_token, session_days=1, now=FIXED_NOW)
    assert opened is not None
    with world.store.read() as s:
        assert service.authenticate(s, opened[1], FIXED_NOW + timedelta(hours=23)) is not None
        assert service.authenticate(s, opened[1], FIXED_NOW + timedelta(hours=25)) is None


def test_an_expired_invite_opens_nothing(world: World) -> None:
    with world.store.write() as s:
        assert (
            service.open_session(s, world.invite_token, now=FIXED_NOW + timedelta(days=31)) is None
        )


def test_revoking_an_invite_ends_its_open_sessions_at_once(world: World) -> None:
    with world.store.write() as s:
        opened = service.open_session(s, world.invite_token, now=FIXED_NOW)
    assert opened is not None
    with world.store.write() as s:
        assert service.revoke_invites(s, invite_id=world.invite_id, now=FIXED_NOW) == 1
    with world.store.read() as s:
        assert service.authenticate(s, opened[1], FIXED_NOW) is None
    with world.store.write() as s:
        assert service.open_session(s, world.invite_token, now=FIXED_NOW) is None
        assert service.revoke_invites(s, invite_id=world.invite_id, now=FIXED_NOW) == 0


def test_revoking_by_client_ends_every_invite_of_that_client_only(world: World) -> None:
    with world.store.write() as s:
        _row, other_token = service.create_invite(
            s, world.acme, name="Acme boss", expires=timedelta(days=1), now=FIXED_NOW
        )
        globex_row, globex_token = service.create_invite(
            s, world.globex, name="", expires=timedelta(days=1), now=FIXED_NOW
        )
        a = service.open_session(s, other_token, now=FIXED_NOW)
        g = service.open_session(s, globex_token, now=FIXED_NOW)
    assert a is not None and g is not None
    with world.store.write() as s:
        assert service.revoke_invites(s, client_id=world.acme, now=FIXED_NOW) == 2
    with world.store.read() as s:
        assert service.authenticate(s, a[1], FIXED_NOW) is None
        assert service.authenticate(s, g[1], FIXED_NOW) is not None
        states = {row.id: row.state(FIXED_NOW) for row in service.list_invites(s)}
    assert states[globex_row.id] == "active"
    assert sorted(states.values()) == ["active", "revoked", "revoked"]
    assert globex_row.name == "Globex Secret Corp"  # an empty name falls back to the client


def test_archiving_the_client_ends_its_sessions_at_once(world: World) -> None:
    with world.store.write() as s:
        opened = service.open_session(s, world.invite_token, now=FIXED_NOW)
    assert opened is not None
    with world.store.write() as s:
        s.execute(update(Client).where(Client.id == world.acme).values(archived=True))
    with world.store.read() as s:
        assert service.authenticate(s, opened[1], FIXED_NOW) is None
        assert service.live_sessions(s, [opened[0].session_id], FIXED_NOW) == set()


def test_list_invites_counts_open_sessions(world: World) -> None:
    world.user()
    world.user()
    with world.store.read() as s:
        (row,) = service.list_invites(s, world.acme)
    assert row.open_sessions == 2 and row.client == "Acme" and row.name == "Acme office"
    assert row.as_json(FIXED_NOW)["state"] == "active"


@pytest.mark.parametrize(
    ("given", "hours"),
    [("30d", 720), ("12h", 12), ("2w", 336), (" 1D ", 24)],
)
def test_expiry_durations(given: str, hours: int) -> None:
    assert service.parse_expires(given) == timedelta(hours=hours)


@pytest.mark.parametrize("given", ["", "0d", "30", "3 months", "400d", "-1d"])
def test_bad_expiry_durations_are_refused_in_one_line(given: str) -> None:
    with pytest.raises(InvalidInputError) as error:
        service.parse_expires(given)
    assert "\n" not in str(error.value)


def test_portal_settings_defaults_and_checks() -> None:
    options = service.portal_settings(Settings())
    assert (options.host, options.port, options.session_days) == ("127.0.0.1", 8750, 30)
    assert options.base_url == "http://localhost:8750"
    custom = service.portal_settings(
        Settings(portal={"base_url": "https://p.example.com/", "bind": "0.0.0.0:9000"})
    )
    assert custom.base_url == "https://p.example.com" and custom.port == 9000
    for bad in (
        {"bind": "nonsense"},
        {"bind": "127.0.0.1:70000"},
        {"session_days": 0},
        {"session_days": "7"},
        {"base_url": "ftp://x"},
        {"colour": "red"},
    ):
        with pytest.raises(ConfigError) as error:
            service.portal_settings(Settings(portal=bad))
        assert "\n" not in str(error.value) and "[portal]" in str(error.value)


# ---------------------------------------------------------------- what the client sees


def test_the_board_shows_only_the_clients_own_cards(world: World) -> None:
    board = read_board(world, world.user())
    assert titles(board, "Normal") == ["acme-n1 task", "acme-n2 task", "acme-n3 task"]
    assert titles(board, "Urgent") == ["acme-urgent task"]
    shown = repr(board)
    assert "globex" not in shown.lower() and "Globex" not in shown
    assert [lane.name for lane in board.lanes if lane.movable] == [
        "Urgent",
        "High",
        "Normal",
        "Low",
    ]


def test_done_shows_the_last_30_days_only(world: World) -> None:
    done = world.lanes["Done"]
    with world.store.write() as s:
        for name, days in (("acme-n2", 5), ("acme-n3", 45)):
            s.execute(
                update(Card)
                .where(Card.id == world.cards[name])
                .values(lane_id=done, completed_at=FIXED_NOW - timedelta(days=days))
            )
    board = read_board(world, world.user())
    assert titles(board, "Done") == ["acme-n2 task"]
    assert {c.status for x in board.lanes if x.name == "Done" for c in x.cards} == {"done"}


def test_private_notes_are_never_shown(world: World) -> None:
    card = world.cards["acme-n1"]
    with world.store.write() as s:
        s.add_all(
            [
                CardActivity(card_id=card, at=FIXED_NOW, kind="comment", detail={"text": "hello"}),
                CardActivity(
                    card_id=card,
                    at=FIXED_NOW,
                    kind="comment",
                    detail={"text": "client pays late, internal", "private": True},
                ),
            ]
        )
    user = world.user()
    with world.store.read() as s:
        detail = service.card_detail(s, user, card, tz=UTC_TZ, now=FIXED_NOW)
    assert [c.text for c in detail.comments] == ["hello"]
    assert detail.card.comments == 1
    (acme_n1,) = [c for x in read_board(world, user).lanes for c in x.cards if c.id == card]
    assert acme_n1.comments == 1


def test_a_vas_private_note_from_the_board_stays_off_the_portal(world: World) -> None:
    from vadesk.services.checklist import add_comment

    card = world.cards["acme-n1"]
    with world.store.write() as s:
        add_comment(s, card, "Artwork is ready for review", now=FIXED_NOW)
        add_comment(s, card, "Client pays late; chase", now=FIXED_NOW, private=True)
    user = world.user()
    with world.store.read() as s:
        detail = service.card_detail(s, user, card, tz=UTC_TZ, now=FIXED_NOW)
    assert [c.text for c in detail.comments] == ["Artwork is ready for review"]


def test_comments_say_who_wrote_them(world: World) -> None:
    card = world.cards["acme-n1"]
    with world.store.write() as s:
        s.add_all(
            CardActivity(
                card_id=card, at=FIXED_NOW + timedelta(minutes=i), kind=kind, detail=detail
            )
            for i, (kind, detail) in enumerate(
                [
                    ("commented", {"text": "from the board"}),
                    ("commented", {"text": "by mail", "sender_name": "Ann Acme", "via": "email"}),
                    ("commented", {"text": "bare mail", "sender": "ann@acme.example"}),
                    ("comment", {"text": "from Trello", "author": "Bob", "source": "trello"}),
                ]
            )
        )
    user = world.user()
    with world.store.write() as s:
        service.comment(s, user, card, "from the portal", now=FIXED_NOW + timedelta(hours=1))
    with world.store.read() as s:
        detail = service.card_detail(s, user, card, tz=UTC_TZ, now=FIXED_NOW)
    assert [(c.author, c.text, c.from_portal) for c in detail.comments] == [
        ("your VA", "from the board", False),
        ("Ann Acme", "by mail", False),
        ("ann@acme.example", "bare mail", False),
        ("Bob", "from Trello", False),
        ("Acme office", "from the portal", True),
    ]


def test_another_clients_card_is_not_found_like_a_missing_one(world: World) -> None:
    user = world.user()
    for card in (world.cards["globex-n"], 999_999):
        with world.store.read() as s, pytest.raises(NotFoundError) as error:
            service.card_detail(s, user, card, tz=UTC_TZ)
        assert str(error.value) == "No such task."
        with world.store.write() as s, pytest.raises(NotFoundError):
            service.comment(s, user, card, "hi")
        with world.store.write() as s, pytest.raises(NotFoundError):
            service.reorder(s, user, card, expected_version=1, step="up")


def test_status_shows_working_waiting_and_planned(world: World) -> None:
    from vadesk.services import timer

    monday = FIXED_NOW.date() - timedelta(days=FIXED_NOW.weekday())
    with world.store.write() as s:
        timer.start(s, world.store.user_id, world.cards["acme-n1"], now=FIXED_NOW)
        s.execute(update(Card).where(Card.id == world.cards["acme-n2"]).values(waiting=True))
        s.execute(update(Card).where(Card.id == world.cards["acme-n3"]).values(planned_week=monday))
    board = read_board(world, world.user())
    status = {c.title: c.status for x in board.lanes for c in x.cards}
    assert status["acme-n1 task"] == "working"
    assert status["acme-n2 task"] == "waiting"
    assert status["acme-n3 task"] == "planned"
    assert status["acme-urgent task"] == ""


def test_figures_show_this_months_time_and_the_package_balance(world: World) -> None:
    from vadesk.services import timer
    from vadesk.services.billing import set_rules

    with world.store.write() as s:
        set_rules(s, world.acme, default_rate_minor=6000)
        timer.add_package(s, world.acme, 10, 50000, purchased_at=FIXED_NOW - timedelta(days=2))
        timer.add_entry(
            s,
            world.store.user_id,
            world.cards["acme-n1"],
            FIXED_NOW - timedelta(hours=3),
            FIXED_NOW - timedelta(hours=1, minutes=30),
            now=FIXED_NOW,
        )
        # The VA's time for another client is no business of Acme's.
        timer.add_entry(
            s,
            world.store.user_id,
            world.cards["globex-n"],
            FIXED_NOW - timedelta(hours=6),
            FIXED_NOW - timedelta(hours=4),
            now=FIXED_NOW,
        )
    f = read_board(world, world.user()).figures
    assert f is not None
    assert f.month_seconds == 90 * 60
    assert f.package_total_seconds == 10 * 3600
    assert f.package_remaining_seconds == 10 * 3600 - 90 * 60
    assert f.currency == "EUR"


# ---------------------------------------------------------------- what the client does


def activity_of(world: World, card_id: int) -> list[tuple[str, dict[str, object]]]:
    with world.store.read() as s:
        return [
            (a.kind, a.detail)
            for a in s.scalars(
                select(CardActivity)
                .where(CardActivity.card_id == card_id)
                .order_by(CardActivity.id)
            )
        ]


def test_reorder_to_another_lane_is_recorded_as_the_portal_users(world: World) -> None:
    user = world.user()
    card = world.cards["acme-n2"]
    with world.store.write() as s:
        moved = service.reorder(
            s,
            user,
            card,
            expected_version=world.version("acme-n2"),
            before_id=world.cards["acme-urgent"],
            now=FIXED_NOW,
        )
    assert moved.lane == "Urgent"
    assert titles(read_board(world, user), "Urgent") == ["acme-n2 task", "acme-urgent task"]
    kind, detail = activity_of(world, card)[-1]
    assert kind == "moved"
    assert detail["via"] == "portal" and detail["author"] == "Acme office"
    assert detail["invite_id"] == world.invite_id


def test_step_up_and_down_pass_the_clients_own_neighbours_only(world: World) -> None:
    user = world.user()
    # Normal is: acme-n1, globex-n, acme-n2, acme-n3. Up from acme-n2 passes acme-n1.
    with world.store.write() as s:
        service.reorder(
            s, user, world.cards["acme-n2"], expected_version=world.version("acme-n2"), step="up"
        )
    assert titles(read_board(world, user), "Normal") == [
        "acme-n2 task",
        "acme-n1 task",
        "acme-n3 task",
    ]
    with world.store.write() as s:
        service.reorder(
            s, user, world.cards["acme-n2"], expected_version=world.version("acme-n2"), step="down"
        )
    assert titles(read_board(world, user), "Normal") == [
        "acme-n1 task",
        "acme-n2 task",
        "acme-n3 task",
    ]
    with world.store.write() as s:  # at the top already: nothing moves, nothing fails
        moved = service.reorder(
            s,
            user,
            world.cards["acme-urgent"],
            expected_version=world.version("acme-urgent"),
            step="up",
        )
    assert moved.lane == "Urgent"


def test_a_stale_reorder_is_refused_and_changes_nothing(world: World) -> None:
    user = world.user()
    card = world.cards["acme-n3"]
    seen = world.version("acme-n3")
    from vadesk.services.ordering import move_card

    with world.store.write() as s:  # the VA moves it meanwhile
        move_card(s, card, lane_id=world.lanes["High"], position="top")
    with world.store.write() as s, pytest.raises(ConflictError) as error:
        service.reorder(
            s, user, card, expected_version=seen, lane_id=world.lanes["Urgent"], step="top"
        )
    assert "VA" in str(error.value)
    with world.store.read() as s:
        assert get_card(s, card).lane == "High"


def test_anchor_of_another_client_is_not_found(world: World) -> None:
    user = world.user()
    with world.store.write() as s, pytest.raises(NotFoundError):
        service.reorder(
            s,
            user,
            world.cards["acme-n1"],
            expected_version=world.version("acme-n1"),
            before_id=world.cards["globex-urgent"],
        )


def test_cards_cannot_be_moved_to_done_or_from_done(world: World) -> None:
    user = world.user()
    with world.store.write() as s, pytest.raises(InvalidInputError):
        service.reorder(
            s,
            user,
            world.cards["acme-n1"],
            expected_version=world.version("acme-n1"),
            lane_id=world.lanes["Done"],
            step="top",
        )


def test_add_task_lands_in_normal_with_the_turnaround_due_time(world: World) -> None:
    user = world.user()
    with world.store.write() as s:
        card_id = service.add_task(
            s,
            user,
            title="Book <b>flights</b>",
            description="to Lisbon",
            kind="admin",
            now=FIXED_NOW,
        )
    with world.store.read() as s:
        card = get_card(s, card_id)
    assert (card.lane, card.client_id, card.title) == ("Normal", world.acme, "Book <b>flights</b>")
    assert card.due_at == FIXED_NOW + timedelta(hours=24)
    kind, detail = activity_of(world, card_id)[0]
    assert kind == "created" and detail["author"] == "Acme office"


def test_add_task_refuses_an_empty_title_and_unknown_kind(world: World) -> None:
    user = world.user()
    with world.store.write() as s, pytest.raises(InvalidInputError):
        service.add_task(s, user, title="   ")
    with world.store.write() as s, pytest.raises(InvalidInputError):
        service.add_task(s, user, title="x", kind="secret")


def test_comment_and_answer(world: World) -> None:
    user = world.user()
    card = world.cards["acme-n1"]
    version = world.version("acme-n1")
    with world.store.write() as s:
        service.comment(s, user, card, "  Use the blue logo\x1b[31m  ", now=FIXED_NOW)
    assert world.version("acme-n1") == version  # a comment makes no one's move stale
    kind, detail = activity_of(world, card)[-1]
    assert kind == "comment"
    assert detail["text"] == "Use the blue logo" and detail["author"] == "Acme office"
    with world.store.write() as s, pytest.raises(InvalidInputError):
        service.answer(s, user, card, "not waiting")  # nothing asked: use a comment
    with world.store.write() as s:
        s.execute(
            update(Card)
            .where(Card.id == card)
            .values(waiting=True, waiting_since=FIXED_NOW - timedelta(hours=2))
        )
    with world.store.write() as s:
        service.answer(s, user, card, "Yes, go ahead", now=FIXED_NOW)
    with world.store.read() as s:
        row = s.get(Card, card)
        assert row is not None and row.waiting is False
    with world.store.read() as s:
        answered = [
            (a.kind, a.detail)
            for a in s.scalars(
                select(CardActivity).where(
                    CardActivity.card_id == card, CardActivity.at == FIXED_NOW
                )
            )
        ]
    assert any(k == "comment" and d.get("answer") for k, d in answered)
    # Clearing the flag is recorded too (however the turnaround service names it), and every
    # row the portal wrote says who did it.
    assert any(k != "comment" for k, _ in answered)
    assert {d.get("author") for _, d in answered} == {"Acme office"}


def test_fingerprints_move_only_for_the_client_whose_cards_changed(world: World) -> None:
    with world.store.read() as s:
        before = service.fingerprints(s, [world.acme, world.globex])
    from vadesk.services.ordering import move_card

    with world.store.write() as s:
        move_card(s, world.cards["globex-n"], lane_id=world.lanes["High"], position="top")
    with world.store.read() as s:
        after = service.fingerprints(s, [world.acme, world.globex])
    assert after[world.acme] == before[world.acme]
    assert after[world.globex] != before[world.globex]


# ---------------------------------------------------------------- races


def test_two_portal_pages_reordering_the_same_card_at_once_lose_nothing(
    world: World, db_url: str
) -> None:
    """Both saw version v; exactly one move wins, the other is reported, never overwritten."""
    user = world.user()
    card = world.cards["acme-n3"]
    seen = world.version("acme-n3")
    stores = [open_store(Settings(user="tester"), db_url) for _ in range(2)]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def go(store_index: int, lane: str) -> None:
        barrier.wait()
        try:
            with stores[store_index].write() as s:
                service.reorder(
                    s, user, card, expected_version=seen, lane_id=world.lanes[lane], step="top"
                )
            outcomes.append(lane)
        except ConflictError:
            outcomes.append("conflict")

    threads = [
        threading.Thread(target=go, args=(i, lane)) for i, lane in enumerate(("Urgent", "Low"))
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for st in stores:
        st.close()
    assert sorted(outcomes).count("conflict") == 1
    winner = next(o for o in outcomes if o != "conflict")
    with world.store.read() as s:
        row = get_card(s, card)
    assert row.lane == winner and row.version == seen + 1
    moves = [k for k, _ in activity_of(world, card) if k == "moved"]
    assert len(moves) == 1


@pytest.mark.parametrize(
    ("now", "zone", "months"),
    [
        ("2026-11-24T09:30:00+00:00", "UTC", ("2026-11", "2026-10")),
        ("2026-01-01T00:30:00+00:00", "UTC", ("2026-01", "2025-12")),
        # Still December 31st in New York: the client's month, not UTC's.
        ("2026-01-01T03:00:00+00:00", "America/New_York", ("2025-12", "2025-11")),
    ],
)
def test_report_months_are_this_month_and_the_one_before(
    now: str, zone: str, months: tuple[str, str]
) -> None:
    from datetime import datetime

    assert service.report_months(datetime.fromisoformat(now), ZoneInfo(zone)) == months


def test_a_revoke_racing_sign_ins_leaves_no_session_alive(world: World, db_url: str) -> None:
    """Sign-ins and a revoke at once: whichever commits first, no session outlives the revoke."""
    stores = [open_store(Settings(user="tester"), db_url) for _ in range(4)]
    barrier = threading.Barrier(4)
    cookies: list[str] = []

    def sign_in(store_index: int) -> None:
        barrier.wait()
        for _ in range(5):
            with stores[store_index].write() as s:
                opened = service.open_session(s, world.invite_token)
            if opened is not None:
                cookies.append(opened[1])

    def revoke() -> None:
        barrier.wait()
        with stores[3].write() as s:
            service.revoke_invites(s, invite_id=world.invite_id)

    threads = [threading.Thread(target=sign_in, args=(i,)) for i in range(3)]
    threads.append(threading.Thread(target=revoke))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for st in stores:
        st.close()
    with world.store.read() as s:
        assert all(service.authenticate(s, cookie) is None for cookie in cookies)
        assert service.open_session(s, world.invite_token) is None
