"""Reading Trello board exports and Toggl Track detailed reports (pure, no database)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from vadesk.domain.billing import Rounding
from vadesk.domain.imports import ImportFileError
from vadesk.domain.imports.toggl import parse_report
from vadesk.domain.imports.trello import parse_board

BERLIN = ZoneInfo("Europe/Berlin")
HEADER = (
    "User,Email,Client,Project,Task,Description,Billable,Start date,Start time,End date,"
    "End time,Duration,Tags,Amount (USD)"
)


# ---------------------------------------------------------------- Trello


def trello_board(**extra: Any) -> dict[str, Any]:
    """A board in Trello's published export layout, with the awkward cases real ones have."""
    board: dict[str, Any] = {
        "id": "5f00board",
        "name": "Acme Bakery",
        "labels": [
            {"id": "lab1", "name": "Urgent", "color": "red"},
            {"id": "lab2", "name": "", "color": "green"},
        ],
        "lists": [
            {"id": "list-done", "name": "Done", "closed": False, "pos": 300},
            {"id": "list-todo", "name": "To Do", "closed": False, "pos": 100.5},
            {"id": "list-old", "name": "Old stuff", "closed": True, "pos": 400},
        ],
        "cards": [
            {
                "id": "card-b",
                "name": "Second in To Do",
                "desc": "",
                "idList": "list-todo",
                "pos": 2048,
                "closed": False,
                "due": None,
                "idLabels": ["lab1", "lab2"],
            },
            {
                "id": "card-a",
                "name": "Order flour, sugar & \u201cyeast\u201d",
                "desc": "Line one\nLine two, with a comma",
                "idList": "list-todo",
                "pos": 1024,
                "closed": False,
                "due": "2026-12-01T16:00:00.000Z",
                "labels": [{"id": "lab1", "name": "Urgent", "color": "red"}],
                "attachments": [
                    {
                        "id": "att1",
                        "name": "quote.pdf",
                        "url": "https://trello.com/1/cards/card-a/attachments/att1/download/quote.pdf",
                        "bytes": 52311,
                        "mimeType": "application/pdf",
                        "date": "2026-11-02T08:00:00.000Z",
                    },
                    {"id": "att2", "name": "evil", "url": "javascript:alert(1)"},
                ],
            },
            {
                "id": "card-c",
                "name": "Shipped",
                "idList": "list-done",
                "pos": 1,
                "closed": True,
            },
            {"id": "card-d", "name": "In an archived list", "idList": "list-old", "pos": 1},
            {"id": "card-x", "name": "Lost", "idList": "no-such-list", "pos": 1},
        ],
        "checklists": [
            {
                "id": "chk2",
                "idCard": "card-a",
                "name": "Pay",
                "pos": 2,
                "checkItems": [{"id": "i3", "name": "Transfer", "state": "incomplete", "pos": 1}],
            },
            {
                "id": "chk1",
                "idCard": "card-a",
                "name": "Buy",
                "pos": 1,
                "checkItems": [
                    {"id": "i2", "name": "Sugar", "state": "incomplete", "pos": 20},
                    {"id": "i1", "name": "Flour", "state": "complete", "pos": 10},
                ],
            },
        ],
        "actions": [
            {
                "id": "act2",
                "type": "commentCard",
                "date": "2026-11-03T10:00:00.000Z",
                "data": {"text": "Second comment", "card": {"id": "card-a"}},
                "memberCreator": {"fullName": "", "username": "jdoe"},
            },
            {
                "id": "act1",
                "type": "commentCard",
                "date": "2026-11-02T09:15:00.000Z",
                "data": {
                    "text": "Please use the \x1b[31mblue\x1b[0m supplier",
                    "card": {"id": "card-a"},
                },
                "memberCreator": {"fullName": "Jane Baker", "username": "jane"},
            },
            {"id": "act3", "type": "updateCard", "data": {"card": {"id": "card-a"}}},
        ],
    }
    board.update(extra)
    return board


def encoded(board: dict[str, Any]) -> bytes:
    return json.dumps(board).encode()


def test_trello_lists_and_cards_come_in_board_order() -> None:
    board = parse_board(encoded(trello_board()))
    assert [x.name for x in board.lists] == ["To Do", "Done", "Old stuff"]
    assert [c.id for c in board.cards] == ["card-a", "card-b", "card-c", "card-d"]
    assert board.name == "Acme Bakery"


def test_trello_card_fields_are_kept() -> None:
    card = parse_board(encoded(trello_board())).cards[0]
    assert card.title == "Order flour, sugar & \u201cyeast\u201d"
    assert card.description == "Line one\nLine two, with a comma"
    assert card.due == datetime(2026, 12, 1, 16, 0, tzinfo=UTC)
    assert card.labels == ("Urgent",)
    assert card.ref == "trello:card-a"


def test_trello_labels_by_id_use_the_colour_when_unnamed() -> None:
    card = parse_board(encoded(trello_board())).cards[1]
    assert card.labels == ("Urgent", "green")


def test_trello_checklists_are_flattened_in_order_with_ticks_and_names() -> None:
    card = parse_board(encoded(trello_board())).cards[0]
    assert [(i.text, i.done) for i in card.checklist] == [
        ("Buy: Flour", True),
        ("Buy: Sugar", False),
        ("Pay: Transfer", False),
    ]


def test_trello_one_checklist_keeps_plain_item_texts() -> None:
    raw = trello_board()
    raw["checklists"] = raw["checklists"][1:]
    card = parse_board(encoded(raw)).cards[0]
    assert [i.text for i in card.checklist] == ["Flour", "Sugar"]


def test_trello_comments_keep_author_date_and_id_and_lose_escapes() -> None:
    comments = parse_board(encoded(trello_board())).cards[0].comments
    assert [(c.id, c.author, c.at, c.text) for c in comments] == [
        (
            "act1",
            "Jane Baker",
            datetime(2026, 11, 2, 9, 15, tzinfo=UTC),
            "Please use the blue supplier",
        ),
        ("act2", "jdoe", datetime(2026, 11, 3, 10, 0, tzinfo=UTC), "Second comment"),
    ]


def test_trello_attachments_are_web_links_only() -> None:
    board = parse_board(encoded(trello_board()))
    (link,) = board.cards[0].attachments
    assert (link.name, link.size, link.content_type) == ("quote.pdf", 52311, "application/pdf")
    assert link.url.startswith("https://trello.com/")
    assert any("without a web link" in p.reason for p in board.problems)


def test_trello_archived_cards_and_cards_of_archived_lists_are_closed() -> None:
    cards = {c.id: c for c in parse_board(encoded(trello_board())).cards}
    assert (cards["card-a"].closed, cards["card-c"].closed, cards["card-d"].closed) == (
        False,
        True,
        True,
    )


def test_trello_a_card_of_a_missing_list_is_named_and_skipped() -> None:
    board = parse_board(encoded(trello_board()))
    assert "card-x" not in {c.id for c in board.cards}
    assert [p.line() for p in board.problems if "card-x" in p.where] == [
        "card 'Lost' (card-x): its list is not in the export; skipped"
    ]


def test_trello_unreadable_due_date_keeps_the_card_and_says_so() -> None:
    raw = trello_board()
    raw["cards"][0]["due"] = "next tuesday"
    board = parse_board(encoded(raw))
    card = next(c for c in board.cards if c.id == "card-b")
    assert card.due is None
    assert any("due date is unreadable" in p.reason for p in board.problems)


def test_trello_duplicate_card_ids_are_kept_once() -> None:
    raw = trello_board()
    raw["cards"].append(dict(raw["cards"][0], name="Copy"))
    board = parse_board(encoded(raw))
    assert [c.title for c in board.cards if c.id == "card-b"] == ["Second in To Do"]
    assert any("appears twice" in p.reason for p in board.problems)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "Not a Trello JSON export"),
        (b"{not json", "Not a Trello JSON export"),
        (b"[1, 2]", "Not a Trello board export"),
        (b'{"name": "x"}', "Not a Trello board export"),
        (b'{"cards": [], "lists": 3}', "is not a list"),
        (b"[" * 5000 + b"]" * 5000, "Not a Trello JSON export"),
    ],
)
def test_trello_a_file_that_is_not_a_board_is_refused_whole(data: bytes, message: str) -> None:
    with pytest.raises(ImportFileError, match=message):
        parse_board(data)


# ---------------------------------------------------------------- Toggl


def toggl_csv(*rows: str, header: str = HEADER, newline: str = "\r\n", bom: bool = True) -> bytes:
    text = newline.join([header, *rows]) + newline
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode()


ROW = "Ann,ann@example.com,Acme,Website,,Fix footer,Yes,{d1},{t1},{d2},{t2},{dur},,10.00"


def row(d1: str, t1: str, d2: str, t2: str, dur: str = "01:00:00") -> str:
    return ROW.format(d1=d1, t1=t1, d2=d2, t2=t2, dur=dur)


@pytest.mark.parametrize(
    ("d1", "t1", "d2", "t2", "start", "end"),
    [
        # ISO dates, 24-hour times (Berlin is UTC+1 in November)
        ("2026-11-20", "09:00:00", "2026-11-20", "10:30:00", (8, 0), (9, 30)),
        # US dates, 12-hour times
        ("11/20/2026", "09:00 AM", "11/20/2026", "1:15 PM", (8, 0), (12, 15)),
        ("11/20/2026", "12:05:00 AM", "11/20/2026", "12:30:00 PM", (-1, 5), (11, 30)),
        # German dates
        ("20.11.2026", "09:00", "20.11.2026", "17:45", (8, 0), (16, 45)),
        # day-first with slashes (told apart by a day over 12)
        ("20/11/2026", "09:00:00", "20/11/2026", "10:00:00", (8, 0), (9, 0)),
        # dashes, day first
        ("20-11-2026", "09:00", "20-11-2026", "10:00", (8, 0), (9, 0)),
    ],
)
def test_toggl_dates_and_times_in_every_format_toggl_writes(
    d1: str, t1: str, d2: str, t2: str, start: tuple[int, int], end: tuple[int, int]
) -> None:
    (entry,) = parse_report(toggl_csv(row(d1, t1, d2, t2)), BERLIN).entries

    def at(hm: tuple[int, int]) -> datetime:
        day = 20 if hm[0] >= 0 else 19
        return datetime(2026, 11, day, hm[0] % 24, hm[1], tzinfo=UTC)

    assert (entry.start, entry.end) == (at(start), at(end))


def test_toggl_slashed_dates_default_to_month_first_and_say_so() -> None:
    report = parse_report(toggl_csv(row("03/04/2026", "09:00", "03/04/2026", "10:00")), UTC)
    assert report.entries[0].start == datetime(2026, 3, 4, 9, 0, tzinfo=UTC)
    assert report.notes == ("Dates with slashes were read as MM/DD/YYYY.",)


def test_toggl_one_day_over_twelve_makes_the_whole_file_day_first() -> None:
    data = toggl_csv(
        row("03/04/2026", "09:00", "03/04/2026", "10:00"),
        row("25/04/2026", "09:00", "25/04/2026", "10:00"),
    )
    report = parse_report(data, UTC)
    assert [e.start.date().isoformat() for e in report.entries] == ["2026-04-03", "2026-04-25"]
    assert report.date_format == "DD/MM/YYYY"


def test_toggl_a_file_mixing_both_slash_orders_is_refused() -> None:
    data = toggl_csv(
        row("25/04/2026", "09:00", "25/04/2026", "10:00"),
        row("04/25/2026", "09:00", "04/25/2026", "10:00"),
    )
    with pytest.raises(ImportFileError, match="mixes MM/DD/YYYY and DD/MM/YYYY"):
        parse_report(data, UTC)


def test_toggl_an_entry_crossing_midnight_stays_whole() -> None:
    (entry,) = parse_report(
        toggl_csv(row("2026-11-20", "23:30:00", "2026-11-21", "01:00:00", "01:30:00")), UTC
    ).entries
    assert entry.end - entry.start == (datetime(2026, 1, 1, 1, 30) - datetime(2026, 1, 1))


def test_toggl_entry_across_the_dst_change_is_counted_in_real_time() -> None:
    # 2026-10-25 in Berlin: 03:00 CEST becomes 02:00 CET; 01:00 to 04:00 local is 4 hours.
    (entry,) = parse_report(
        toggl_csv(row("2026-10-25", "01:00:00", "2026-10-25", "04:00:00", "04:00:00")), BERLIN
    ).entries
    assert (entry.end - entry.start).total_seconds() == 4 * 3600


@pytest.mark.parametrize(
    ("start", "end", "duration", "minutes"),
    [
        # 2026-10-25 in Berlin: 02:00-03:00 happens twice (CEST, then CET).
        ("02:50:00", "02:10:00", "00:20:00", 20),  # from the first 02:50 to the second 02:10
        ("02:50:00", "02:10:00", "", 20),  # no duration: the reading that does not go back
        ("02:10:00", "02:50:00", "01:40:00", 100),  # the duration tells which 02:50
        ("02:10:00", "02:50:00", "00:40:00", 40),
        ("02:10:00", "02:50:00", "9:99:99", 40),  # a bad duration is no reason to drop the row
    ],
)
def test_toggl_entries_in_the_repeated_hour_of_a_dst_change(
    start: str, end: str, duration: str, minutes: int
) -> None:
    (entry,) = parse_report(
        toggl_csv(row("2026-10-25", start, "2026-10-25", end, duration)), BERLIN
    ).entries
    assert (entry.end - entry.start).total_seconds() == minutes * 60


def test_toggl_quoted_commas_quotes_and_newlines_and_unicode() -> None:
    description = '"Call Zoë, then ""fix"" it\nand write up"'
    data = toggl_csv(
        f"Ann,ann@example.com,Café Ünïcode,Site,,{description},No,2026-11-20,09:00,"
        '2026-11-20,10:00,01:00:00,"web, urgent",0.00',
        row("2026-11-21", "09:00", "2026-11-21", "10:00"),
    )
    report = parse_report(data, UTC)
    first, second = report.entries
    assert first.client == "Café Ünïcode"
    assert first.description == 'Call Zoë, then "fix" it and write up'
    assert first.billable is False
    assert first.tags == ("web", "urgent")
    assert (first.line, second.line) == (2, 4)


def test_toggl_without_bom_and_with_unix_line_endings() -> None:
    data = toggl_csv(row("2026-11-20", "09:00", "2026-11-20", "10:00"), newline="\n", bom=False)
    assert len(parse_report(data, UTC).entries) == 1


def test_toggl_stop_date_and_stop_time_are_the_end() -> None:
    header = "Description,Start date,Start time,Stop date,Stop time"
    data = toggl_csv("Call,2026-11-20,08:00,2026-11-20,08:20", header=header)
    (entry,) = parse_report(data, UTC).entries
    assert (entry.end - entry.start).total_seconds() == 20 * 60


def test_toggl_columns_in_another_order_and_duration_instead_of_end() -> None:
    header = "Start time,Description,Start date,Duration,Client,Billable"
    data = toggl_csv("08:00,Inbox zero,2026-11-20,0:45:00,Acme,Yes", header=header)
    (entry,) = parse_report(data, UTC).entries
    assert (entry.start.hour, (entry.end - entry.start).total_seconds()) == (8, 45 * 60)
    assert (entry.client, entry.project, entry.description) == ("Acme", "", "Inbox zero")


@pytest.mark.parametrize(
    ("bad_row", "reason"),
    [
        (row("2026-11-20", "09:00", "2026-11-20", "08:00"), "line 3: it ends before it starts"),
        (
            row("2026-02-30", "09:00", "2026-02-30", "10:00"),
            "line 3: date '2026-02-30' does not exist",
        ),
        (
            row("tomorrow", "09:00", "2026-11-20", "10:00"),
            "line 3: date 'tomorrow' is not in a format",
        ),
        (row("2026-11-20", "25:00", "2026-11-20", "10:00"), "line 3: time '25:00' does not exist"),
        (
            row("2026-11-20", "13:00 PM", "2026-11-20", "14:00"),
            "line 3: time '13:00 PM' has no hour",
        ),
        (row("2026-11-20", "9h", "2026-11-20", "10:00"), "line 3: time '9h' is not a time"),
        (row("2026-11-01", "09:00", "2026-11-20", "10:00"), "line 3: it lasts more than a week"),
        (row("2026-11-20", "09:00", "", "", ""), "line 3: no end date and time, and no duration"),
        (
            ROW.format(
                d1="2026-11-20", t1="9:00", d2="2026-11-20", t2="10:00", dur="1:00:00"
            ).replace(",Yes,", ",Maybe,"),
            "line 3: Billable 'Maybe' is neither Yes nor No",
        ),
    ],
)
def test_toggl_an_unreadable_row_is_named_by_line_and_the_rest_still_read(
    bad_row: str, reason: str
) -> None:
    data = toggl_csv(row("2026-11-19", "09:00", "2026-11-19", "10:00"), bad_row)
    report = parse_report(data, UTC)
    assert len(report.entries) == 1
    (problem,) = report.problems
    assert problem.line().startswith(reason)
    assert problem.line().endswith("; skipped")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty"),
        (b"\r\n\r\n", "The file is empty"),
        (b"url,username,password\nhttps://x,a,b\n", "No 'Start date' column"),
        (b"Start date,Start time,Description\n2026-11-20,09:00,x\n", "No 'End date' column"),
        (b"\xff\xfe\x00\xd8", "not UTF-8"),
        (toggl_csv('Ann,a@x,Acme,P,,"never closed,Yes,2026-11-20,09:00'), "cannot be read"),
    ],
)
def test_toggl_a_file_that_is_not_a_detailed_report_is_refused_whole(
    data: bytes, message: str
) -> None:
    with pytest.raises(ImportFileError, match=message):
        parse_report(data, UTC)


# ---------------------------------------------------------------- non-billable time


@pytest.mark.parametrize(
    ("rounding", "minimum", "billed", "amount"),
    [
        # (rounding, minimum minutes) -> billed seconds of the billable 7-minute entry, amount
        (Rounding(1, "entry"), 0, 7 * 60, 700),
        (Rounding(15, "entry"), 0, 15 * 60, 1500),
        (Rounding(15, "day"), 0, 15 * 60, 1500),  # the day's rounding lands on billable time
        (Rounding(1, "entry"), 30, 30 * 60, 3000),
    ],
)
def test_non_billable_time_counts_as_time_but_bills_nothing(
    rounding: Rounding, minimum: int, billed: int, amount: int
) -> None:
    from vadesk.domain.billing import BillingRules, Entry, Package, invoice

    start = datetime(2026, 11, 2, 9, tzinfo=UTC)
    rules = BillingRules(default_rate_minor=6000, rounding=rounding, minimum_minutes=minimum)
    entries = [
        Entry(1, start, start.replace(minute=7), "admin"),
        Entry(2, start.replace(hour=10), start.replace(hour=10, minute=20), "admin", None, False),
    ]
    first, second = invoice(entries, rules, [], UTC).lines
    assert (first.billed_seconds, first.amount_minor) == (billed, amount)
    assert (second.raw_seconds, second.billed_seconds, second.amount_minor) == (20 * 60, 0, 0)
    # A prepaid package is drawn down by billable time only.
    with_package = invoice(entries, rules, [Package(1, 3600, 0, start.replace(hour=0))], UTC)
    assert with_package.packages[0].used_seconds == billed
    assert with_package.lines[1].package_seconds == 0
