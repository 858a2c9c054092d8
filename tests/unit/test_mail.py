"""Reading mail: plain, HTML-only, attachments, and hostile or broken messages built here."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from email.message import EmailMessage

import pytest

from vadesk.domain.mail import (
    MAX_BODY_CHARS,
    Mail,
    message_key,
    parse_mail,
    safe_filename,
    trim_quoted,
)


def plain(
    body: str = "Please book the venue.",
    *,
    subject: str = "Book venue",
    sender: str = "Bob Client <Bob@Acme.example>",
    to: str = "va+acme@in.example.com",
    extra: str = "",
) -> bytes:
    head = (
        f"From: {sender}\r\nTo: {to}\r\nSubject: {subject}\r\n"
        "Message-ID: <m1@acme.example>\r\nDate: Tue, 24 Nov 2026 09:00:00 +0100\r\n"
        f"{extra}Content-Type: text/plain; charset=utf-8\r\n\r\n"
    )
    return head.encode() + body.encode()


def test_a_plain_message_gives_headers_body_and_lower_case_addresses() -> None:
    mail = parse_mail(
        plain(extra="Cc: Ann <ann@acme.example>\r\nDelivered-To: acme@in.example.com\r\n")
    )
    assert mail.subject == "Book venue"
    assert (mail.sender, mail.sender_name) == ("bob@acme.example", "Bob Client")
    assert mail.to == ("va+acme@in.example.com",)
    assert mail.cc == ("ann@acme.example",)
    assert mail.recipients == (
        "acme@in.example.com",
        "va+acme@in.example.com",
        "ann@acme.example",
    )
    assert mail.date == datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
    assert mail.message_id == "<m1@acme.example>"
    assert mail.body == "Please book the venue."
    assert mail.attachments == ()


def test_replies_name_the_messages_they_answer_direct_answer_first() -> None:
    mail = parse_mail(plain(extra="In-Reply-To: <b@x>\r\nReferences: <a@x>\r\n <b@x> <c@x>\r\n"))
    assert mail.in_reply_to == ("<b@x>",)
    assert mail.thread_ids == ("<b@x>", "<c@x>", "<a@x>")


def test_html_only_mail_becomes_readable_text() -> None:
    msg = EmailMessage()
    msg["From"] = "a@acme.example"
    msg["Subject"] = "Newsletter"
    msg.set_content(
        "<html><head><style>p{color:red}</style><script>alert(1)</script></head>"
        "<body><p>Hello <b>team</b></p><ul><li>one</li><li>two</li></ul></body></html>",
        subtype="html",
    )
    body = parse_mail(msg.as_bytes()).body
    assert "Hello team" in body
    assert "* one" in body and "* two" in body
    assert "<" not in body and "alert" not in body and "color" not in body


def test_plain_part_is_preferred_over_html_in_an_alternative() -> None:
    msg = EmailMessage()
    msg["From"] = "a@acme.example"
    msg.set_content("the plain words")
    msg.add_alternative("<p>the html words</p>", subtype="html")
    assert parse_mail(msg.as_bytes()).body == "the plain words"


def test_attachments_are_read_with_safe_names_and_size_limit() -> None:
    msg = EmailMessage()
    msg["From"] = "a@acme.example"
    msg.set_content("see attached")
    msg.add_attachment(b"%PDF-1.4 tiny", maintype="application", subtype="pdf", filename="q.pdf")
    msg.add_attachment(b"x" * 2000, maintype="image", subtype="png", filename="../../.bashrc")
    mail = parse_mail(msg.as_bytes(), attachment_max_bytes=1000)
    assert mail.body == "see attached"
    first, second = mail.attachments
    assert (first.name, first.content_type, first.data) == (
        "q.pdf",
        "application/pdf",
        b"%PDF-1.4 tiny",
    )
    assert (second.name, second.size, second.data) == ("bashrc", 2000, None)  # over the limit


@pytest.mark.parametrize(
    ("given", "safe"),
    [
        ("../../.bashrc", "bashrc"),
        ("/etc/passwd", "passwd"),
        ("C:\\x", "x"),
        ("C:\\Windows\\system32\\evil.dll", "evil.dll"),
        ("CON", "_CON"),
        ("nul.txt", "_nul.txt"),
        ("COM1", "_COM1"),
        ("lpt9.tar.gz", "_lpt9.tar.gz"),
        ("report\u202efdp.exe", "reportfdp.exe"),  # a right-to-left override hides ".exe"
        ("a\x1b[31mb.txt", "ab.txt"),
        ("tab\there.txt", "tab here.txt"),
        ('what?<is>:"this"|*.doc', "what__is___this___.doc"),
        ("..", "attachment.pdf"),
        ("", "attachment.pdf"),
        ("   . ", "attachment.pdf"),
        ("Résumé.pdf", "Résumé.pdf"),
    ],
)
def test_attachment_names_stay_inside_their_folder(given: str, safe: str) -> None:
    assert safe_filename(given, ctype="application/pdf") == safe


def test_long_attachment_names_are_cut_keeping_the_extension() -> None:
    name = safe_filename("ü" * 300 + ".pdf")
    assert name.endswith(".pdf")
    assert len(name.encode()) <= 120
    assert name.startswith("üü")


def test_unknown_charset_falls_back_to_readable_text_and_says_so() -> None:
    raw = plain().replace(b"charset=utf-8", b"charset=x-klingon") + " café".encode()
    mail = parse_mail(raw)
    assert mail.body == "Please book the venue. café"
    assert "unknown charset 'x-klingon'" in mail.defects


def test_a_lying_charset_does_not_lose_the_message() -> None:
    raw = plain("").replace(b"charset=utf-8", b"charset=utf-8") + "Grüße".encode("latin-1")
    mail = parse_mail(raw)
    assert mail.body == "Grüße"
    assert "text not valid utf-8" in mail.defects


def test_a_codec_that_is_not_a_charset_is_refused() -> None:
    raw = plain("uryyb").replace(b"charset=utf-8", b"charset=rot13")
    mail = parse_mail(raw)
    assert mail.body == "uryyb"
    assert "unknown charset 'rot13'" in mail.defects


def test_a_broken_boundary_keeps_what_could_be_read() -> None:
    raw = (
        b"From: a@acme.example\r\nSubject: broken\r\n"
        b'Content-Type: multipart/mixed; boundary="real"\r\n\r\n'
        b"--other\r\nContent-Type: text/plain\r\n\r\nlost text\r\n--other--\r\n"
    )
    mail = parse_mail(raw)
    assert mail.subject == "broken"
    assert mail.defects  # the parser's complaint is kept for the log


def _nested(depth: int) -> bytes:
    out = b"From: a@acme.example\r\nSubject: deep\r\nMIME-Version: 1.0\r\n"
    for level in range(depth):
        out += b'Content-Type: multipart/mixed; boundary="b%d"\r\n\r\n--b%d\r\n' % (level, level)
    out += b"Content-Type: text/plain\r\n\r\nhello from the bottom\r\n"
    for level in reversed(range(depth)):
        out += b"--b%d--\r\n" % level
    return out


def test_multiparts_nested_a_little_are_read() -> None:
    assert parse_mail(_nested(10)).body == "hello from the bottom"


@pytest.mark.parametrize("depth", [300, 2000])
def test_multiparts_nested_hundreds_deep_give_the_headers_and_a_defect(depth: int) -> None:
    mail = parse_mail(_nested(depth))
    assert mail.subject == "deep" and mail.sender == "a@acme.example"
    assert mail.body == ""
    assert any("nested" in defect for defect in mail.defects)


def test_a_50_mb_body_is_cut_for_the_card() -> None:
    raw = plain("word " * (10 * 1024 * 1024))  # 50 MB of text
    mail = parse_mail(raw)
    assert mail.subject == "Book venue"
    assert mail.body.startswith("word word")
    assert len(mail.body) < MAX_BODY_CHARS + 100
    assert mail.body.endswith("more characters cut]")


def test_a_message_over_the_parse_limit_is_read_in_part_without_attachments() -> None:
    msg = EmailMessage()
    msg["From"] = "a@acme.example"
    msg["Subject"] = "huge"
    msg.set_content("the text")
    msg.add_attachment(b"z" * 3000, maintype="application", subtype="zip", filename="big.zip")
    mail = parse_mail(msg.as_bytes(), max_bytes=2000)
    assert mail.subject == "huge" and mail.body == "the text"
    assert [(a.name, a.data) for a in mail.attachments] == [("big.zip", None)]
    assert any("read only in part" in defect for defect in mail.defects)


def test_missing_headers_give_an_empty_but_usable_mail() -> None:
    mail = parse_mail(b"\r\njust a body")
    assert (mail.subject, mail.sender, mail.message_id, mail.date) == ("", "", None, None)
    assert mail.body == "just a body"
    assert "no sender address" in mail.defects and "no Message-ID" in mail.defects


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"\x00\xff\xfe" * 100,
        b"From: \r\nSubject: =?\r\n\r\n",
        b"Content-Type: multipart/mixed\r\n\r\nno boundary at all",
        b"Content-Transfer-Encoding: base64\r\n\r\n!!!not base64!!!",
        b"Date: 99 Foo 99999 99:99:99 +9999\r\nFrom: a@b.c\r\n\r\nx",
        b"From: " + b"<" * 5000 + b"a@b.c\r\n\r\n",
    ],
    ids=[
        "empty",
        "binary",
        "empty-encoded-word",
        "no-boundary",
        "bad-base64",
        "bad-date",
        "angles",
    ],
)
def test_garbage_never_raises(raw: bytes) -> None:
    assert isinstance(parse_mail(raw), Mail)


def test_encoded_word_abuse_in_subject_and_name_is_flattened_and_cleaned() -> None:
    subject = "=?utf-8?q?Pay=0Anow=1B[2J=1B]0;pwned=07?= =?bogus-charset?b?AAAA?= " + (
        "=?utf-8?b?" + base64.b64encode(b"\xe2\x80\xae" + b"gnp.exe").decode() + "?="
    )
    sender = '"=?utf-8?q?Evil=1B[31m_Name?=" <evil@acme.example>'
    mail = parse_mail(plain(subject=subject, sender=sender))
    assert "\x1b" not in mail.subject and "\n" not in mail.subject
    assert "\u202e" not in mail.subject
    assert mail.subject.startswith("Pay now")
    assert "gnp.exe" in mail.subject
    assert mail.sender_name == "Evil Name"
    assert mail.sender == "evil@acme.example"


def test_escape_sequences_and_bidi_overrides_in_the_body_are_removed() -> None:
    mail = parse_mail(plain("line one\x1b[2J\x1b]52;c;aGk=\x07\nline \u202etwo\u202c"))
    assert mail.body == "line one\nline two"


def test_message_key_is_the_message_id_or_a_hash_of_the_bytes() -> None:
    with_id = plain()
    assert message_key(parse_mail(with_id), with_id) == "<m1@acme.example>"
    without = with_id.replace(b"Message-ID: <m1@acme.example>\r\n", b"")
    key = message_key(parse_mail(without), without)
    assert key.startswith("sha256:") and len(key) == 7 + 64
    assert key != message_key(parse_mail(without + b"!"), without + b"!")


@pytest.mark.parametrize(
    ("body", "kept"),
    [
        ("Yes, do it.\n\nOn Mon, 23 Nov 2026, Bob wrote:\n> Shall I?\n> Bob", "Yes, do it."),
        ("Thanks\n-- \nBob Client\nCEO, Acme", "Thanks"),
        ("See below\n\n-----Original Message-----\nFrom: x\nold text", "See below"),
        ("> quoted question\nmy answer\n> another\nsecond answer", None),  # interleaved: kept
        ("> everything is quoted\n> nothing new", None),  # would vanish: kept
        ("--\nnot a signature marker (no space)", None),
        ("Price -- 20 EUR\nok", None),
    ],
)
def test_quoted_history_and_signatures_are_trimmed_only_where_marked(
    body: str, kept: str | None
) -> None:
    assert trim_quoted(body) == (body if kept is None else kept)
