"""`vadesk intake PATH...`: .eml, mbox and Maildir in, one summary line out, a line per skip,
and a non-zero status only for what needs the user."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
from email.message import EmailMessage
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.cli.conftest import Run, dump, one_line
from vadesk.cli import cli


def mail(
    subject: str,
    message_id: str | None,
    *,
    body: str = "Please handle it.",
    to: str = "acme@in.example.com",
    in_reply_to: str | None = None,
) -> bytes:
    msg = EmailMessage()
    msg["From"] = "Bob <bob@acme.example>"
    msg["To"] = to
    msg["Subject"] = subject
    if message_id:
        msg["Message-ID"] = message_id
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
    msg.set_content(body)
    return msg.as_bytes()


@pytest.fixture
def mailboxes(tmp_path: Path) -> dict[str, Path]:
    """One .eml, an mbox with From-line quirks, and a Maildir with an empty file in it."""
    eml = tmp_path / "one.eml"
    eml.write_bytes(mail("Book the venue", "<venue@acme>"))
    mbox = tmp_path / "in.mbox"
    with mbox.open("wb") as out:
        out.write(b"\n")  # a blank line before the first From_ line, as some tools leave
        for raw in (
            mail("Order toner", "<toner@acme>", body="From the office:\nFrom here on, more."),
            mail("Re: Book the venue", "<venue-2@acme>", in_reply_to="<venue@acme>"),
        ):
            out.write(b"From bob@acme.example Tue Nov 24 09:00:00 2026\r\n")
            out.write(raw.replace(b"\nFrom ", b"\n>From ").replace(b"\n", b"\r\n"))
            out.write(b"\r\n")
    maildir = tmp_path / "Maildir"
    for sub in ("new", "cur", "tmp"):
        (maildir / sub).mkdir(parents=True)
    (maildir / "new" / "1700000000.1.host").write_bytes(mail("Call the bank", None, to="x@y.z"))
    (maildir / "cur" / "1700000000.2.host:2,S").write_bytes(b"")
    return {"eml": eml, "mbox": mbox, "maildir": maildir}


def test_a_run_prints_one_summary_line_and_a_line_per_skip(
    run: Run, mailboxes: dict[str, Path]
) -> None:
    run("client", "add", "Acme", "--email", "acme@in.example.com")
    paths = [str(mailboxes[k]) for k in ("eml", "mbox", "maildir")]
    out = run("intake", *paths).stdout.splitlines()
    empty = mailboxes["maildir"] / "cur" / "1700000000.2.host:2,S"
    assert out == [
        f"skipped {empty}: nothing readable in it",
        "3 cards, 1 comment, 0 duplicates, 1 skipped",
    ]
    cards = json.loads(run("card", "list", "--json").stdout)
    by_title = {c["title"]: c for c in cards}
    assert set(by_title) == {"Book the venue", "Order toner", "Call the bank"}
    assert by_title["Order toner"]["description"] == "From the office:\nFrom here on, more."
    assert by_title["Book the venue"]["client"] == "Acme"
    assert (by_title["Call the bank"]["client"], by_title["Call the bank"]["lane"]) == (
        None,
        "Inbox",
    )
    again = run("intake", *paths).stdout.splitlines()
    assert again == ["0 cards, 0 comments, 5 duplicates, 0 skipped"]  # the skip is remembered


def test_json_gives_the_counts_the_skips_and_the_new_cards(
    run: Run, mailboxes: dict[str, Path]
) -> None:
    result = json.loads(run("intake", str(mailboxes["mbox"]), "--json").stdout)
    assert result == {
        "cards": 2,
        "comments": 0,
        "duplicates": 0,
        "skipped": 0,
        "skips": [],
        "card_ids": [1, 2],
        "reopened": [],
    }
    # The reply's original was never read: the reply is a card of its own.
    titles = [c["title"] for c in json.loads(run("card", "list", "--json").stdout)]
    assert sorted(titles) == ["Order toner", "Re: Book the venue"]


def test_a_reply_to_a_done_card_says_it_is_back(run: Run, tmp_path: Path) -> None:
    first = tmp_path / "a.eml"
    first.write_bytes(mail("Pay \x1b[31mrent", "<rent@acme>"))
    run("intake", str(first))
    run("card", "move", "1", "--lane", "Done")
    reply = tmp_path / "b.eml"
    reply.write_bytes(mail("Re: rent \x1b]0;owned\x07", "<rent-2@acme>", in_reply_to="<rent@acme>"))
    out = run("intake", str(reply)).stdout
    assert "\x1b" not in out and "\x07" not in out
    assert out.splitlines() == [
        f"card #1 is back out of Done: {reply}: 'Re: rent' from bob@acme.example replied",
        "0 cards, 1 comment, 0 duplicates, 0 skipped",
    ]
    moved = json.loads(run("card", "list", "--json").stdout)[0]
    assert moved["lane"] == "Inbox"  # where it was before Done


def test_a_missing_path_is_one_line_and_changes_nothing(
    run: Run, db_url: str, mailboxes: dict[str, Path], tmp_path: Path
) -> None:
    run("client", "add", "Acme")
    before = dump(db_url)
    result = run("intake", str(mailboxes["eml"]), str(tmp_path / "nope.mbox"), ok=False)
    assert result.exit_code == 1
    assert one_line(result) == (
        f"Error: {tmp_path / 'nope.mbox'} does not exist; give .eml/mbox files or Maildir folders."
    )
    assert dump(db_url) == before


def test_a_folder_that_is_not_a_maildir_is_refused(run: Run, tmp_path: Path) -> None:
    result = run("intake", str(tmp_path), ok=False)
    assert result.exit_code == 1
    assert one_line(result) == (
        f"Error: {tmp_path} is a folder but not a Maildir (no cur/ and new/ in it)."
    )


def test_watch_needs_maildir_folders(run: Run, mailboxes: dict[str, Path]) -> None:
    result = run("intake", "--watch", str(mailboxes["eml"]), ok=False)
    assert result.exit_code == 1
    assert one_line(result) == (
        f"Error: --watch needs Maildir folders; {mailboxes['eml']} is a file."
    )


def test_nothing_to_read_is_a_usage_error(run: Run) -> None:
    result = run("intake", ok=False)
    assert result.exit_code == 2
    assert "Give .eml/mbox files or Maildir folders, or --imap." in one_line(result)


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        (
            'attachment_max_mb = "big"',
            "Error: [intake] attachment_max_mb must be a number of MB from 0 to 2048.",
        ),
        (
            'default_kind = "chores"',
            "Error: [intake] default_kind must be one of: admin, creative, call, purchase, other.",
        ),
        (
            '[intake.kinds]\ncreative = "logo"',
            "Error: [intake.kinds] creative must be a list of words.",
        ),
        (
            '[intake.client_kinds]\nAcme = "urgent"',
            'Error: [intake.client_kinds] must map client names to kinds, like Acme = "creative".',
        ),
    ],
)
def test_a_bad_intake_setting_is_one_line_before_anything_is_read(
    db_url: str,
    mailboxes: dict[str, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    toml: str,
    message: str,
) -> None:
    config = tmp_path / "config.toml"
    header = "" if toml.startswith("[intake.") else "[intake]\n"
    config.write_text(header + toml + "\n")
    monkeypatch.setenv("VADESK_CONFIG", str(config))
    result = CliRunner().invoke(cli, ["--db", db_url, "intake", str(mailboxes["eml"])])
    assert result.exit_code == 1
    assert one_line(result) == message


def test_watch_with_both_folders_and_imap_is_a_usage_error(
    run: Run, mailboxes: dict[str, Path]
) -> None:
    result = run("intake", "--watch", "--imap", str(mailboxes["maildir"]), ok=False)
    assert result.exit_code == 2
    assert "--watch follows Maildir folders or --imap, not both at once." in one_line(result)


def test_watch_reads_new_mail_and_stops_cleanly_on_ctrl_c(db_url: str, tmp_path: Path) -> None:
    folder = tmp_path / "Maildir"
    for sub in ("new", "cur", "tmp"):
        (folder / sub).mkdir(parents=True)
    (folder / "cur" / "1.host:2,S").write_bytes(mail("Already here", "<old@x>"))
    vadesk = shutil.which("vadesk")
    assert vadesk is not None
    process = subprocess.Popen(
        [vadesk, "--db", db_url, "intake", "--watch", str(folder)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        assert process.stdout.readline() == "1 card, 0 comments, 0 duplicates, 0 skipped\n"
        (folder / "tmp" / "2.host").write_bytes(mail("Just arrived", "<new@x>"))
        (folder / "tmp" / "2.host").rename(folder / "new" / "2.host")
        assert process.stdout.readline() == "1 card, 0 comments, 0 duplicates, 0 skipped\n"
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert (process.returncode, err) == (0, "")
    assert out == "2 cards, 0 comments, 0 duplicates, 0 skipped\n"  # the whole run
