"""Email intake on SQLite and PostgreSQL: cards, comments, reopening, attachments, routing,
idempotency, and two runs on one mailbox at once."""

from __future__ import annotations

import mailbox
import stat
import threading
import time
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.conftest import FIXED_NOW
from vadesk.config import Settings
from vadesk.db.models import CardAttachment, Client, ClientContact, IntakeMessage, Lane
from vadesk.services.cards import card_detail, complete_card
from vadesk.services.clients import add_client
from vadesk.services.intake import IngestResult, IntakeSummary, intake_rules
from vadesk.services.intake.ingest import attachment_file, data_folder, ingest_message
from vadesk.services.intake.sources import ingest_paths
from vadesk.services.lanes import lane_by_name, remove_lane
from vadesk.services.ordering import move_card
from vadesk.services.store import Store, open_store


def message(
    subject: str = "Book the venue",
    body: str = "Please book the venue for Friday.",
    *,
    sender: str = "Bob <bob@acme.example>",
    to: str = "acme@in.example.com",
    message_id: str | None = "<m1@acme.example>",
    in_reply_to: str | None = None,
    attachments: tuple[tuple[str, bytes], ...] = (),
) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = "Tue, 24 Nov 2026 08:15:00 +0000"
    if message_id:
        msg["Message-ID"] = message_id
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
        msg["References"] = in_reply_to
    msg.set_content(body)
    for name, data in attachments:
        msg.add_attachment(data, maintype="application", subtype="pdf", filename=name)
    return msg.as_bytes()


def ingest(store: Store, raw: bytes, settings: Settings | None = None) -> IngestResult:
    return ingest_message(
        store, raw, source="test", settings=settings or store.settings, now=FIXED_NOW
    )


@pytest.fixture
def acme(store: Store) -> int:
    with store.write() as s:
        return add_client(s, "Acme", emails=("acme@in.example.com",)).id


def count(store: Store, model: type) -> int:
    with store.read() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def test_a_message_to_a_clients_address_becomes_its_card(store: Store, acme: int) -> None:
    result = ingest(store, message())
    assert (result.outcome, result.message_key) == ("card", "<m1@acme.example>")
    with store.read() as s:
        detail = card_detail(s, result.card_id or 0)
    card = detail.card
    assert (card.title, card.description) == ("Book the venue", "Please book the venue for Friday.")
    assert (card.client, card.lane, card.kind) == ("Acme", "Normal", "other")
    email = next(a for a in detail.activity if a.kind == "email")
    assert email.detail["sender"] == "bob@acme.example"
    assert email.detail["sender_name"] == "Bob"
    assert email.detail["date"] == "2026-11-24T08:15:00+00:00"
    assert email.detail["via"] == "email"


def test_kind_comes_from_the_intake_rules_and_due_from_turnaround(store: Store, acme: int) -> None:
    settings = Settings(user="tester", intake={"kinds": {"creative": ["logo", "banner"]}})
    result = ingest(store, message("New LOGO please"), settings)
    with store.read() as s:
        card = card_detail(s, result.card_id or 0).card
    assert card.kind == "creative"
    assert card.due_at == FIXED_NOW + timedelta(hours=48)
    other = ingest(store, message("Call the bank", message_id="<m2@x>"), settings)
    with store.read() as s:
        assert card_detail(s, other.card_id or 0).card.kind == "other"


def test_the_same_message_twice_changes_nothing(store: Store, acme: int) -> None:
    first = ingest(store, message())
    again = ingest(store, message())
    assert (again.outcome, again.card_id) == ("duplicate", first.card_id)
    assert count(store, IntakeMessage) == 1
    with store.read() as s:
        assert lane_by_name(s, "Normal").count == 1


def test_without_message_id_the_content_hash_makes_it_the_same(store: Store, acme: int) -> None:
    raw = message(message_id=None)
    first = ingest(store, raw)
    assert first.message_key.startswith("sha256:")
    assert ingest(store, raw).outcome == "duplicate"
    assert ingest(store, raw + b"\nP.S.").outcome == "card"  # different bytes: another message


def test_a_reply_becomes_a_comment_on_its_card(store: Store, acme: int) -> None:
    card_id = ingest(store, message()).card_id
    reply = message(
        "Re: Book the venue",
        "Make it Saturday.\n\nOn Tue, Bob wrote:\n> Please book the venue for Friday.",
        message_id="<m2@acme.example>",
        in_reply_to="<m1@acme.example>",
    )
    result = ingest(store, reply)
    assert (result.outcome, result.card_id, result.reopened) == ("comment", card_id, False)
    with store.read() as s:
        detail = card_detail(s, card_id or 0)
    comment = next(a for a in detail.activity if a.kind == "commented")
    assert comment.detail["text"] == "Make it Saturday."
    assert comment.detail["sender"] == "bob@acme.example"
    # A reply to the reply finds the card too (its key was recorded).
    third = message("Re: Re", "ok", message_id="<m3@x>", in_reply_to="<m2@acme.example>")
    assert ingest(store, third).card_id == card_id


def test_a_reply_to_a_done_card_moves_it_back_where_it_was(store: Store, acme: int) -> None:
    card_id = ingest(store, message()).card_id or 0
    with store.write() as s:
        high = lane_by_name(s, "High").id
        move_card(s, card_id, lane_id=high, position="top")
        complete_card(s, card_id)
    reply = message(
        "Re: Book", "One more thing", message_id="<m2@x>", in_reply_to="<m1@acme.example>"
    )
    result = ingest(store, reply)
    assert (result.outcome, result.reopened) == ("comment", True)
    with store.read() as s:
        detail = card_detail(s, card_id)
    assert detail.card.lane == "High"
    assert detail.card.completed_at is None
    assert any(a.kind == "reopened" for a in detail.activity)
    summary = IntakeSummary()
    summary.add(result)
    assert summary.notes == [f"card #{card_id} is back out of Done: {result.label} replied"]


def test_a_reply_whose_old_lane_is_gone_goes_to_normal(store: Store, acme: int) -> None:
    card_id = ingest(store, message()).card_id or 0
    with store.write() as s:
        high = lane_by_name(s, "High").id
        move_card(s, card_id, lane_id=high, position="top")
        complete_card(s, card_id)
        remove_lane(s, high)
    ingest(store, message("Re", "again", message_id="<m2@x>", in_reply_to="<m1@acme.example>"))
    with store.read() as s:
        assert card_detail(s, card_id).card.lane == "Normal"


def test_mail_for_nobody_lands_in_an_inbox_lane_made_for_it(store: Store, acme: int) -> None:
    first = ingest(store, message(sender="x@stranger.example", to="va@in.example.com"))
    second = ingest(
        store, message(sender="y@stranger.example", to="va@in.example.com", message_id="<m2@x>")
    )
    with store.read() as s:
        inbox = s.scalars(select(Lane).where(Lane.role == "inbox")).all()
        assert [(lane.name, lane.position) for lane in inbox] == [("Inbox", 0)]
        for result in (first, second):
            card = card_detail(s, result.card_id or 0).card
            assert (card.lane, card.client) == ("Inbox", None)


@pytest.mark.parametrize(
    ("sender", "to", "routed"),
    [
        ("x@stranger.example", "acme@in.example.com", "Acme"),  # its intake address
        ("x@stranger.example", "ACME+urgent@in.example.com", "Acme"),  # plus-address of it
        ("x@stranger.example", "va+beta@in.example.com", "Beta"),  # tag names the client
        ("ann@beta-corp.example", "va@in.example.com", "Beta"),  # a contact's address
        ("zed@beta-corp.example", "va@in.example.com", "Beta"),  # a contact's domain
        ("bob@gmail.com", "va@in.example.com", "Acme"),  # a contact on a free-mail address
        ("eve@gmail.com", "va@in.example.com", None),  # free-mail domain says nothing
        ("x@shared.example", "va@in.example.com", None),  # domain of two clients' contacts
        ("x@stranger.example", "va@in.example.com", None),
        ("x@stranger.example", "old@in.example.com", None),  # an archived client's address
    ],
)
def test_routing_by_recipient_then_sender(
    store: Store, sender: str, to: str, routed: str | None
) -> None:
    with store.write() as s:
        acme = add_client(s, "Acme", emails=("acme@in.example.com",)).id
        beta = add_client(s, "Beta").id
        old = add_client(s, "Old", emails=("old@in.example.com",)).id
        s.get_one(Client, old).archived = True
        s.add_all(
            [
                ClientContact(client_id=beta, name="Ann", email="ann@beta-corp.example"),
                ClientContact(client_id=acme, name="Bob", email="bob@gmail.com"),
                ClientContact(client_id=acme, name="S1", email="s1@shared.example"),
                ClientContact(client_id=beta, name="S2", email="s2@shared.example"),
            ]
        )
    result = ingest(store, message(sender=sender, to=to))
    with store.read() as s:
        assert card_detail(s, result.card_id or 0).card.client == routed


def test_attachments_are_saved_privately_in_the_cards_folder(store: Store, acme: int) -> None:
    settings = Settings(user="tester", intake={"attachment_max_mb": 0.001})  # ~1 KB
    raw = message(
        attachments=(
            ("../../.bashrc", b"echo pwned"),
            ("CON", b"device"),
            ("quote.pdf", b"%PDF one"),
            ("quote.pdf", b"%PDF two"),
            ("huge.pdf", b"x" * 5000),
        )
    )
    result = ingest(store, raw, settings)
    card_id = result.card_id or 0
    folder = data_folder(store) / "attachments" / str(card_id)
    assert sorted(p.name for p in folder.iterdir()) == [
        "_CON",
        "bashrc",
        "quote (2).pdf",
        "quote.pdf",
    ]
    assert (folder / "quote.pdf").read_bytes() == b"%PDF one"
    assert (folder / "quote (2).pdf").read_bytes() == b"%PDF two"
    assert not (data_folder(store) / ".bashrc").exists()
    for path in folder.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    with store.read() as s:
        rows = s.scalars(select(CardAttachment).where(CardAttachment.card_id == card_id)).all()
        listed = sorted((a.name, a.path, a.size) for a in rows)
        email = next(a for a in card_detail(s, card_id).activity if a.kind == "email")
    assert listed[2] == ("quote (2).pdf", f"attachments/{card_id}/quote (2).pdf", 8)
    assert all(attachment_file(store, path) is not None for _, path, _ in listed)
    assert {"name": "huge.pdf", "size": 5000, "saved": False} in email.detail["attachments"]


def test_an_existing_file_in_the_folder_is_never_overwritten(store: Store, acme: int) -> None:
    folder = data_folder(store) / "attachments" / "1"
    folder.mkdir(parents=True)
    (folder / "a.pdf").write_bytes(b"mine")
    result = ingest(store, message(attachments=(("a.pdf", b"theirs"),)))
    assert result.card_id == 1
    assert (folder / "a.pdf").read_bytes() == b"mine"
    assert (folder / "a (2).pdf").read_bytes() == b"theirs"


def test_a_stored_path_outside_the_attachments_folder_is_not_opened(store: Store) -> None:
    assert attachment_file(store, "../../etc/passwd") is None
    assert attachment_file(store, "attachments/../vadesk.db") is None
    assert attachment_file(store, "") is None


def test_hostile_mail_becomes_a_card_with_what_could_be_read(store: Store, acme: int) -> None:
    depth = 400
    raw = b"From: a@acme.example\r\nTo: acme@in.example.com\r\nSubject: =?utf-8?q?x=1B[2Jy?=\r\n"
    for level in range(depth):
        raw += b'Content-Type: multipart/mixed; boundary="b%d"\r\n\r\n--b%d\r\n' % (level, level)
    result = ingest(store, raw)
    assert result.outcome == "card"
    with store.read() as s:
        detail = card_detail(s, result.card_id or 0)
    assert detail.card.title == "xy"
    email = next(a for a in detail.activity if a.kind == "email")
    assert any("nested" in d for d in email.detail["defects"])


def test_an_empty_message_is_skipped_with_its_name(store: Store, acme: int) -> None:
    result = ingest_message(store, b"", source="inbox.mbox#3", settings=store.settings)
    assert (result.outcome, result.reason) == ("skipped", "nothing readable in it")
    summary = IntakeSummary()
    summary.add(result)
    assert summary.skips == ["skipped inbox.mbox#3: nothing readable in it"]
    assert summary.line() == "0 cards, 0 comments, 0 duplicates, 1 skipped"
    assert count(store, IntakeMessage) == 1  # remembered: the next run passes it quietly
    again = ingest_message(store, b"", source="inbox.mbox#3", settings=store.settings)
    assert again.outcome == "duplicate"
    with store.read() as s:
        assert s.scalars(select(IntakeMessage.outcome)).all() == ["skipped"]


def _mbox(path: Path, n: int) -> Path:
    box = mailbox.mbox(path)
    for i in range(n):
        box.add(message(f"Task {i}", f"From the client: task {i}.", message_id=f"<t{i}@acme>"))
    box.flush()
    box.close()
    return path


def test_two_runs_on_one_mbox_at_once_make_each_card_once(
    db_url: str, acme: int, tmp_path: Path
) -> None:
    path = _mbox(tmp_path / "in.mbox", 30)
    barrier = threading.Barrier(2)
    summaries: list[IntakeSummary] = []
    errors: list[BaseException] = []

    def run() -> None:
        other = open_store(Settings(user="tester"), db_url)
        try:
            barrier.wait()
            summaries.append(ingest_paths(other, [path], other.settings))
        except BaseException as error:
            errors.append(error)
        finally:
            other.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sum(s.cards for s in summaries) == 30
    assert sum(s.duplicates for s in summaries) == 30
    engine_store = open_store(Settings(user="tester"), db_url)
    try:
        with engine_store.read() as s:
            assert lane_by_name(s, "Normal").count == 30
            titles = s.scalars(select(IntakeMessage.subject)).all()
        assert sorted(titles) == sorted(f"Task {i}" for i in range(30))
    finally:
        engine_store.close()


def test_two_runs_making_the_inbox_at_once_make_one(db_url: str, tmp_path: Path) -> None:
    box = mailbox.mbox(tmp_path / "nobody.mbox")
    for i in range(6):
        box.add(message(f"n{i}", "x", to="va@in.example.com", message_id=f"<n{i}@x>"))
    box.flush()
    box.close()
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def run(order: int) -> None:
        other = open_store(Settings(user="tester"), db_url)
        try:
            barrier.wait()
            ingest_paths(other, [tmp_path / "nobody.mbox"], other.settings)
        except BaseException as error:
            errors.append(error)
        finally:
            other.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    check = open_store(Settings(user="tester"), db_url)
    try:
        with check.read() as s:
            inbox = s.scalars(select(Lane).where(Lane.role == "inbox")).all()
            assert len(inbox) == 1
            assert lane_by_name(s, "Inbox").count == 6
    finally:
        check.close()


def test_one_batch_handles_a_reply_and_a_repeat_of_its_own_messages(
    store: Store, acme: int, tmp_path: Path
) -> None:
    box = mailbox.mbox(tmp_path / "in.mbox")
    box.add(message())
    box.add(message("Re: Book", "Saturday", message_id="<m2@x>", in_reply_to="<m1@acme.example>"))
    box.add(message())  # the first one again, in the same file
    box.add(message("Re: Re", "ok", message_id="<m3@x>", in_reply_to="<m2@x>"))
    box.flush()
    box.close()
    summary = ingest_paths(store, [tmp_path / "in.mbox"], store.settings)
    assert (summary.cards, summary.comments, summary.duplicates) == (1, 2, 1)
    with store.read() as s:
        texts = [a.detail["text"] for a in card_detail(s, 1).activity if a.kind == "commented"]
    assert texts == ["ok", "Saturday"]


def test_a_batch_that_cannot_save_an_attachment_keeps_the_other_messages(
    store: Store, acme: int, tmp_path: Path
) -> None:
    blocker = data_folder(store) / "attachments"
    blocker.parent.mkdir(parents=True, exist_ok=True)
    blocker.write_bytes(b"a file where the folder should be")
    box = mailbox.mbox(tmp_path / "in.mbox")
    box.add(message("Plain one", message_id="<p1@x>"))
    box.add(message("With file", message_id="<f1@x>", attachments=(("a.pdf", b"%PDF"),)))
    box.add(message("Plain two", message_id="<p2@x>"))
    box.flush()
    box.close()
    summary = ingest_paths(store, [tmp_path / "in.mbox"], store.settings)
    assert (summary.cards, summary.skipped) == (2, 1)
    assert summary.skips[0].startswith(f"skipped {tmp_path / 'in.mbox'}#2: 'With file' from")
    assert "cannot save an attachment" in summary.skips[0]
    with store.read() as s:
        assert [k for (k,) in s.execute(select(IntakeMessage.message_key))] == ["<p1@x>", "<p2@x>"]


def test_watching_a_maildir_picks_up_new_mail_until_stopped(
    store: Store, acme: int, tmp_path: Path
) -> None:
    from vadesk.services.intake.sources import watch_maildirs

    folder = tmp_path / "Maildir"
    for sub in ("new", "cur", "tmp"):
        (folder / sub).mkdir(parents=True)
    (folder / "cur" / "1.host:2,S").write_bytes(message("Old", message_id="<old@x>"))
    stop = threading.Event()
    rounds: list[IntakeSummary] = []
    total: list[IntakeSummary] = []
    watcher = threading.Thread(
        target=lambda: total.append(
            watch_maildirs(
                store, [folder], store.settings, stop=stop, on_round=rounds.append, interval=0.05
            )
        )
    )
    watcher.start()
    try:
        deadline = time.monotonic() + 10
        while not rounds and time.monotonic() < deadline:
            time.sleep(0.02)
        (folder / "tmp" / "2.host").write_bytes(message("New", message_id="<new@x>"))
        (folder / "tmp" / "2.host").rename(folder / "new" / "2.host")  # as a delivery does
        while len(rounds) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        # A mail reader moving it to cur/ with a flag does not make it new again.
        (folder / "new" / "2.host").rename(folder / "cur" / "2.host:2,S")
        time.sleep(0.3)
    finally:
        stop.set()
        watcher.join(10)
    assert not watcher.is_alive()
    assert [(r.cards, r.duplicates) for r in rounds] == [(1, 0), (1, 0)]
    assert (total[0].cards, total[0].duplicates) == (2, 0)


def test_cards_from_a_file_are_made_as_one_at_a_time_would_make_them(
    store: Store, acme: int, tmp_path: Path
) -> None:
    from vadesk.services.board_read import list_cards
    from vadesk.services.cards import create_card

    with store.write() as s:
        normal = lane_by_name(s, "Normal").id
        create_card(s, "Already there", lane_id=normal, now=FIXED_NOW)
    settings = Settings(user="tester", intake={"kinds": {"creative": ["logo"]}})
    box = mailbox.mbox(tmp_path / "in.mbox")
    box.add(message("A logo", message_id="<a@x>"))
    box.add(message("B invoice", message_id="<b@x>"))
    box.add(message("C stranger", message_id="<c@x>", sender="z@z.example", to="va@x.example"))
    box.flush()
    box.close()
    summary = ingest_paths(store, [tmp_path / "in.mbox"], settings)
    assert summary.cards == 3
    one_by_one = ingest(store, message("D logo", message_id="<d@x>"), settings)
    with store.read() as s:
        cards = {c.title: c for c in list_cards(s)}
        assert [c.title for c in list_cards(s, lane_id=normal)] == [
            "Already there",
            "A logo",
            "B invoice",
            "D logo",
        ]
        details = {t: card_detail(s, cards[t].id) for t in ("A logo", "B invoice", "D logo")}
    made, single = details["A logo"].card, details["D logo"].card
    assert (made.client, made.kind, made.version) == ("Acme", "creative", single.version)
    assert made.due_at is not None and single.due_at is not None
    assert made.due_at - made.created_at == single.due_at - single.created_at
    assert single.due_at - single.created_at == timedelta(hours=48)
    assert details["B invoice"].card.kind == "other"
    assert cards["C stranger"].lane == "Inbox"
    for detail in details.values():
        assert [a.kind for a in detail.activity] == ["email", "created"]
        assert detail.activity[0].detail["sender"] == "bob@acme.example"
    assert one_by_one.outcome == "card"


def test_a_link_planted_as_the_cards_folder_is_not_followed(
    store: Store, acme: int, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    attachments = data_folder(store) / "attachments"
    attachments.mkdir(parents=True, exist_ok=True)
    (attachments / "1").symlink_to(elsewhere)
    result = ingest(store, message(attachments=(("a.pdf", b"%PDF"),)))
    assert result.outcome == "skipped"
    assert result.reason == "cannot save an attachment: the attachments folder is a link elsewhere"
    assert list(elsewhere.iterdir()) == []
    assert count(store, IntakeMessage) == 0


@pytest.mark.parametrize(
    ("subject", "client", "kind"),
    [
        ("New logo please", "Acme", "creative"),  # a subject word wins over the client's kind
        ("Pay the invoice", "ACME", "purchase"),  # the client's kind, whatever the case
        ("Pay the invoice", "Beta", "admin"),  # no rule for Beta: the default
        ("Pay the invoice", None, "admin"),  # mail for nobody: the default
        ("logotype", "Beta", "admin"),  # whole words only
    ],
)
def test_kind_from_subject_words_then_the_clients_kind_then_the_default(
    subject: str, client: str | None, kind: str
) -> None:
    rules = intake_rules(
        Settings(
            intake={
                "default_kind": "admin",
                "kinds": {"creative": ["logo"]},
                "client_kinds": {"Acme": "purchase"},
            }
        )
    )
    assert rules.kind_for(subject, client) == kind


def test_a_clients_mail_gets_its_kind_in_a_batch_and_alone(
    store: Store, acme: int, tmp_path: Path
) -> None:
    settings = Settings(user="tester", intake={"client_kinds": {"acme": "call"}})
    box = mailbox.mbox(tmp_path / "in.mbox")
    box.add(message("One", message_id="<1@x>"))
    box.add(message("Two", message_id="<2@x>"))
    box.flush()
    box.close()
    ingest_paths(store, [tmp_path / "in.mbox"], settings)
    alone = ingest(store, message("Three", message_id="<3@x>"), settings)
    with store.read() as s:
        kinds = [card_detail(s, n).card.kind for n in (1, 2, alone.card_id or 0)]
    assert kinds == ["call", "call", "call"]


def test_cards_from_a_file_into_a_waiting_lane_start_paused(store: Store, tmp_path: Path) -> None:
    """A file's new cards are written together (not through create_card): they must pause
    in a waiting lane as create_card's would."""
    from vadesk.db.models import Card
    from vadesk.services.lanes import add_lane

    with store.write() as s:
        add_client(s, "Acme", emails=("acme@in.example.com",))
        hold = add_lane(s, "Hold").id
        s.get_one(Lane, hold).waiting = True
    settings = Settings(user="tester", intake={"lane": "hold"})
    box = mailbox.mbox(tmp_path / "in.mbox")
    box.add(message("One", message_id="<1@x>"))
    box.add(message("Two", message_id="<2@x>"))
    box.flush()
    box.close()
    ingest_paths(store, [tmp_path / "in.mbox"], settings)
    with store.read() as s:
        for card_id in (1, 2):
            card = s.get_one(Card, card_id)
            assert (card.lane_id, card.waiting_since is not None) == (hold, True)
            kinds = [a.kind for a in card_detail(s, card_id).activity]
            assert kinds == ["email", "paused", "created"]


def test_a_message_the_database_refuses_is_skipped_and_the_run_goes_on(
    store: Store, acme: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy.exc import DataError

    from vadesk.services.intake import ingest as ingest_module
    from vadesk.services.intake.attachments import save_attachments as real

    def refuse(*args: object, **kwargs: object) -> object:
        if args[3]:  # the message with an attachment
            raise DataError("INSERT ...", None, ValueError("value too long"))
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(ingest_module, "save_attachments", refuse)
    box = mailbox.mbox(tmp_path / "in.mbox")
    box.add(message("Plain one", message_id="<p1@x>"))
    box.add(message("With file", message_id="<f1@x>", attachments=(("a.pdf", b"%PDF"),)))
    box.add(message("Plain two", message_id="<p2@x>"))
    box.flush()
    box.close()
    summary = ingest_paths(store, [tmp_path / "in.mbox"], store.settings)
    assert (summary.cards, summary.skipped) == (2, 1)
    assert summary.skips[0].endswith(": the database refused it (ValueError)")
    assert "'With file'" in summary.skips[0]


def test_two_runs_over_the_same_mail_in_opposite_orders_make_each_card_once(
    db_url: str, acme: int, tmp_path: Path
) -> None:
    forward, backward = mailbox.mbox(tmp_path / "a.mbox"), mailbox.mbox(tmp_path / "b.mbox")
    raws = [
        message(f"Task {i}", message_id=f"<o{i}@x>", to="acme@in.example.com" if i % 3 else "va@x")
        for i in range(40)
    ]
    for raw in raws:
        forward.add(raw)
    for raw in reversed(raws):
        backward.add(raw)
    for box in (forward, backward):
        box.flush()
        box.close()
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []
    summaries: list[IntakeSummary] = []

    def run(path: Path) -> None:
        other = open_store(Settings(user="tester"), db_url)
        try:
            barrier.wait()
            summaries.append(ingest_paths(other, [path], other.settings))
        except BaseException as error:
            errors.append(error)
        finally:
            other.close()

    threads = [threading.Thread(target=run, args=(tmp_path / n,)) for n in ("a.mbox", "b.mbox")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sum(s.cards for s in summaries) == 40
    assert sum(s.duplicates for s in summaries) == 40
    check = open_store(Settings(user="tester"), db_url)
    try:
        with check.read() as s:
            subjects = s.scalars(select(IntakeMessage.subject)).all()
        assert sorted(subjects) == sorted(f"Task {i}" for i in range(40))
    finally:
        check.close()
