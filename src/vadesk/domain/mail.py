"""Reading one email message: headers, readable text, attachments, defects. Pure and never
raising: hostile or broken mail gives what could be read plus a list of what was wrong."""

from __future__ import annotations

import binascii
import email
import email.utils
import hashlib
import mimetypes
import re
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesHeaderParser

from vadesk.domain.text import clean_text, clean_title

MAX_PARSE_BYTES = 64 * 1024 * 1024
"""A message larger than this is read only as far as this (attachments then are not kept)."""
MAX_DEPTH = 50
"""Parts nested deeper than this (multipart in multipart ...) are not read."""
MAX_PARTS = 500
MAX_MULTIPARTS = 100
"""A message declaring more multipart boundaries than this is read for its headers only."""
_BOUNDARY = re.compile(rb"(?i)boundary\s*=")
MAX_BODY_CHARS = 100_000
"""A card description keeps at most this much of a body; the rest is cut with a note."""
MAX_HTML_BYTES = 1024 * 1024
MAX_REFERENCES = 50
MAX_NAME_BYTES = 120
# Names Windows reserves in any folder, with any extension ("CON.txt" too).
_DEVICE_NAMES = {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$", "CLOCK$"} | {
    f"{prefix}{n}" for prefix in ("COM", "LPT") for n in [*"123456789", "¹", "²", "³"]
}
_UNSAFE_NAME_CHARS = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f-\x9f]')
_FOLD = re.compile(r"\r?\n(?=[ \t])")
_ENCODED_WORD = re.compile(r"=\?([^?\s]{1,40})\?([bBqQ])\?([^?\s]*)\?=")
_BETWEEN_WORDS = re.compile(r"(=\?[^?\s]{1,40}\?[bBqQ]\?[^?\s]*\?=)\s+(?==\?)")
PEEK_BYTES = 256 * 1024
_MESSAGE_ID = re.compile(r"<[^<>\s]{1,990}>")
_ATTRIBUTION = re.compile(
    r"^\s*(On\s.{0,300}wrote:|Le\s.{0,300}a écrit\s?:|Am\s.{0,300}schrieb.{0,80}:)\s*$"
)
_ORIGINAL = re.compile(r"^\s*-{2,}\s*(Original Message|Forwarded message)\s*-{2,}\s*$", re.I)


@dataclass(frozen=True)
class Attachment:
    """A file that came with the message; ``data`` is None when it was over the size limit."""

    name: str
    content_type: str
    size: int
    data: bytes | None


@dataclass(frozen=True)
class Mail:
    """What vadesk reads from one message. Text fields are cleaned of control characters and
    terminal escapes; addresses are lower-case ``local@domain``."""

    subject: str = ""
    sender: str = ""
    sender_name: str = ""
    to: tuple[str, ...] = ()
    cc: tuple[str, ...] = ()
    delivered_to: tuple[str, ...] = ()
    original_to: tuple[str, ...] = ()
    date: datetime | None = None
    message_id: str | None = None
    in_reply_to: tuple[str, ...] = ()
    references: tuple[str, ...] = ()
    body: str = ""
    attachments: tuple[Attachment, ...] = ()
    defects: tuple[str, ...] = field(default=())

    @property
    def recipients(self) -> tuple[str, ...]:
        """Every address the message was sent to, the envelope's first (most telling)."""
        seen: dict[str, None] = {}
        for address in (*self.delivered_to, *self.original_to, *self.to, *self.cc):
            seen.setdefault(address, None)
        return tuple(seen)

    @property
    def thread_ids(self) -> tuple[str, ...]:
        """Message-IDs this one answers: In-Reply-To first, then References newest first."""
        seen: dict[str, None] = {}
        for mid in (*self.in_reply_to, *reversed(self.references)):
            seen.setdefault(mid, None)
        return tuple(seen)

    @property
    def label(self) -> str:
        """A short name for the message on a summary line."""
        subject = self.subject[:60] or "(no subject)"
        who = self.sender or "unknown sender"
        return f"{subject!r} from {who}"


def message_key(mail: Mail, raw: bytes) -> str:
    """What makes a message the same message again: its Message-ID, else a hash of its bytes."""
    if mail.message_id:
        return mail.message_id
    return "sha256:" + hashlib.sha256(raw).hexdigest()


# ---------------------------------------------------------------- parsing


def parse_mail(
    raw: bytes, *, attachment_max_bytes: int = 25 * 1024 * 1024, max_bytes: int = MAX_PARSE_BYTES
) -> Mail:
    """Read ``raw`` (one RFC 5322 message); never raises for bad input."""
    defects: list[str] = []
    truncated = len(raw) > max_bytes
    if truncated:
        defects.append(f"message of {len(raw) // (1024 * 1024)} MB read only in part")
        raw = raw[:max_bytes]
    msg: Message
    if len(_BOUNDARY.findall(raw)) > MAX_MULTIPARTS:
        # The parser's time grows with the nesting (and recursion ends it at ~1,000 levels).
        defects.append(f"over {MAX_MULTIPARTS} nested MIME parts; only the headers were read")
        return _headers_only(raw, defects)
    try:
        msg = email.message_from_bytes(raw, policy=policy.default)
    except RecursionError:
        defects.append("MIME parts nested too deep to read; only the headers were read")
        msg = BytesHeaderParser(policy=policy.default).parsebytes(raw)
        msg.set_payload("")
    except Exception as error:  # the parser is meant not to raise; be sure anyway
        defects.append(f"unreadable message ({type(error).__name__}); only headers read")
        try:
            msg = BytesHeaderParser(policy=policy.default).parsebytes(raw)
            msg.set_payload("")
        except Exception:
            msg = EmailMessage()
    headers = _read_headers(msg, defects)
    body, attachments = _read_parts(msg, defects, attachment_max_bytes, keep_files=not truncated)
    return replace(
        headers, body=body, attachments=attachments, defects=tuple(dict.fromkeys(defects))
    )


def _headers_only(raw: bytes, defects: list[str]) -> Mail:
    try:
        msg = BytesHeaderParser(policy=policy.default).parsebytes(raw)
    except Exception:
        msg = EmailMessage()
    headers = _read_headers(msg, defects)
    return replace(headers, defects=tuple(dict.fromkeys(defects)))


def _raw_headers(msg: Message, defects: list[str]) -> dict[str, list[str]]:
    """Header values as they came (unfolded; 8-bit bytes read as UTF-8), by lower-case name.

    Read raw and decoded here rather than through the policy's header objects: those cost
    about 3 ms a message (most of a 10,000-message run) and fail on the same hostile input."""
    found: dict[str, list[str]] = {}
    try:
        items = list(msg.raw_items())
    except Exception:
        defects.append("unreadable headers")
        return found
    for name, value in items[:2000]:
        text = str(value)[:100_000]
        if any("\udc80" <= c <= "\udcff" for c in text):  # 8-bit bytes, as RFC 6532 allows
            text = text.encode("ascii", "surrogateescape").decode("utf-8", "replace")
        found.setdefault(str(name).lower(), []).append(_FOLD.sub("", text))
    return found


def decode_words(value: str, defects: list[str]) -> str:
    """A header value with its RFC 2047 encoded words decoded, whatever their charset says."""

    def one(match: re.Match[str]) -> str:
        charset, encoding, text = match.groups()
        try:
            if encoding in "bB":
                data = binascii.a2b_base64(text + "=" * (-len(text) % 4))
            else:
                data = binascii.a2b_qp(text, header=True)
        except (binascii.Error, ValueError):
            defects.append("bad encoded word")
            return match.group(0)
        return decode_text(data, charset.split("*")[0], defects)

    return _ENCODED_WORD.sub(one, _BETWEEN_WORDS.sub(r"\1", value))


def _addresses(
    headers: dict[str, list[str]], name: str, defects: list[str]
) -> list[tuple[str, str]]:
    """(display name, address) pairs of an address header; invalid addresses are left out."""
    found: list[tuple[str, str]] = []
    for value in headers.get(name, [])[:20]:
        try:  # split before decoding: a decoded name may hold commas and brackets
            pairs = email.utils.getaddresses([value[:10_000]])
        except Exception:
            defects.append(f"unreadable {name} header")
            continue
        for display_name, address in pairs[:200]:
            address = clean_title(address, 320).strip("<>").lower()
            if address.count("@") != 1 or " " in address:
                continue
            local, domain = address.split("@")
            if local and domain:
                found.append((clean_title(decode_words(display_name, defects), 200), address))
    return found


def _first_id(values: list[str]) -> str | None:
    """The message's own id: the first <...> of its first Message-ID header (the same from a
    header cut short, as the peek reads it, as from the whole)."""
    found = _MESSAGE_ID.search(values[0][:100_000]) if values else None
    return found.group(0) if found else None


def _message_ids(values: list[str]) -> tuple[str, ...]:
    ids: list[str] = []
    for value in values:
        ids.extend(_MESSAGE_ID.findall(value[:100_000]))
    return tuple(dict.fromkeys(ids[-MAX_REFERENCES:]))


def peek_message_id(raw: bytes) -> str | None:
    """The Message-ID that ``parse_mail`` would find, read from the headers alone (cheap: a
    re-run of a whole mailbox looks its messages up by this before parsing any)."""
    try:
        msg = BytesHeaderParser(policy=policy.default).parsebytes(raw[:PEEK_BYTES])
    except Exception:
        return None
    return _first_id(_raw_headers(msg, []).get("message-id", []))


def _read_headers(msg: Message, defects: list[str]) -> Mail:
    headers = _raw_headers(msg, defects)
    subjects = headers.get("subject", [])
    senders = _addresses(headers, "from", defects) or _addresses(headers, "sender", defects)
    if not senders:
        defects.append("no sender address")
    message_id = _first_id(headers.get("message-id", []))
    if message_id is None:
        defects.append("no Message-ID")
    return Mail(
        subject=clean_title(decode_words(subjects[0], defects), 500) if subjects else "",
        sender=senders[0][1] if senders else "",
        sender_name=senders[0][0] if senders else "",
        to=tuple(a for _, a in _addresses(headers, "to", defects)),
        cc=tuple(a for _, a in _addresses(headers, "cc", defects)),
        delivered_to=tuple(a for _, a in _addresses(headers, "delivered-to", defects)),
        original_to=tuple(a for _, a in _addresses(headers, "x-original-to", defects)),
        date=_date(headers.get("date", []), defects),
        message_id=message_id,
        in_reply_to=_message_ids(headers.get("in-reply-to", [])),
        references=_message_ids(headers.get("references", [])),
    )


def _date(values: list[str], defects: list[str]) -> datetime | None:
    if not values:
        return None
    try:
        value = email.utils.parsedate_to_datetime(values[0][:200])
    except (TypeError, ValueError, IndexError, OverflowError):
        defects.append("unreadable Date header")
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    if not 1970 <= value.year <= 2999:
        defects.append("Date header out of range")
        return None
    return value.astimezone(UTC)


@dataclass(frozen=True)
class _Part:
    part: Message
    ctype: str
    charset: str | None
    filename: str | None
    disposition: str | None


def _param(header: object, name: str) -> str | None:
    params = getattr(header, "params", None)
    value = params.get(name) if isinstance(params, Mapping) else None
    return None if value is None else str(value)


def _part_info(part: Message) -> _Part:
    """A part's type, charset, file name and disposition from one read of each header (the
    policy parses a header afresh on every access)."""
    ctype, charset, filename, disposition = part.get_default_type(), None, None, None
    try:
        header = part.get("content-type")
        if header is not None:
            value = str(header).split(";")[0].strip().lower()
            ctype = value if value.count("/") == 1 else "text/plain"
            charset = _param(header, "charset")
            filename = _param(header, "name")
        header = part.get("content-disposition")
        if header is not None:
            disposition = str(header).split(";")[0].strip().lower() or None
            filename = _param(header, "filename") or filename
    except Exception:
        ctype = "application/octet-stream"
    return _Part(part, ctype, charset, filename, disposition)


def _walk(msg: Message, defects: list[str]) -> Iterator[_Part]:
    """Every leaf part, depth first, without recursion and within MAX_DEPTH/MAX_PARTS."""
    stack: list[tuple[Message, int]] = [(msg, 0)]
    count = 0
    while stack:
        part, depth = stack.pop()
        count += 1
        if count > MAX_PARTS:
            defects.append(f"more than {MAX_PARTS} parts; the rest were not read")
            return
        info = _part_info(part)
        children = part.get_payload()
        if info.ctype.startswith("multipart/") and isinstance(children, list):
            if depth >= MAX_DEPTH:
                defects.append(f"parts nested over {MAX_DEPTH} deep were not read")
                continue
            stack.extend(
                (child, depth + 1) for child in reversed(children) if isinstance(child, Message)
            )
            continue
        yield info


def _read_parts(
    msg: Message, defects: list[str], attachment_max_bytes: int, *, keep_files: bool
) -> tuple[str, tuple[Attachment, ...]]:
    plain: str | None = None
    html: str | None = None
    attachments: list[Attachment] = []
    try:
        for defect in msg.defects:
            defects.append(type(defect).__name__)
        for info in _walk(msg, defects):
            for defect in getattr(info.part, "defects", ()):
                defects.append(type(defect).__name__)
            ctype = info.ctype
            is_attachment = info.disposition == "attachment" or info.filename is not None
            if ctype == "text/plain" and not is_attachment and plain is None:
                plain = _text_of(info, defects)
            elif ctype == "text/html" and not is_attachment and html is None:
                html = _text_of(info, defects, limit=MAX_HTML_BYTES)
            elif ctype.startswith("multipart/"):
                continue  # an empty or unreadable multipart
            elif not (ctype.startswith("text/") and not is_attachment):
                attachments.append(
                    _attachment(info, len(attachments), attachment_max_bytes, keep_files)
                )
    except RecursionError:
        defects.append("MIME parts nested too deep to read")
    body = plain if plain is not None and (plain.strip() or html is None) else None
    if body is None and html is not None:
        body = html_to_text(html, defects)
    body = body or ""
    over = len(body) - MAX_BODY_CHARS
    text = trim_quoted(clean_text(body[:MAX_BODY_CHARS], multiline=True).strip("\n"))
    if over > 0:  # cut before cleaning: a 50 MB body must not cost seconds
        defects.append("body cut")
        text += f"\n\n[… {over:,} more characters cut]"
    return text, tuple(attachments)


def _payload(info: _Part) -> bytes:
    try:
        if info.ctype.startswith("message/"):
            inner = info.part.get_payload()
            if isinstance(inner, list) and inner and isinstance(inner[0], Message):
                return inner[0].as_bytes(policy=policy.SMTP)
        data = info.part.get_payload(decode=True)
    except Exception:
        return b""
    return data if isinstance(data, bytes) else b""


def _text_of(info: _Part, defects: list[str], limit: int | None = None) -> str:
    data = _payload(info)
    if limit is not None and len(data) > limit:
        data = data[:limit]
    return decode_text(data, info.charset or "utf-8", defects)


def decode_text(data: bytes, charset: str, defects: list[str]) -> str:
    """Bytes in a declared charset that may be unknown or a lie: the best readable text."""
    name = charset.strip().lower()[:40]
    known = True
    try:
        b"a".decode(name)  # refuses unknown names and rot13, base64, hex ... (not text codecs)
    except LookupError:
        known = False
    except ValueError:
        pass  # a real codec; one byte is just not enough for it
    if known:
        try:
            return data.decode(name)
        except (UnicodeDecodeError, ValueError, LookupError):
            defects.append(f"text not valid {name}")
    else:
        defects.append(f"unknown charset {name!r}")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def html_to_text(html: str, defects: list[str]) -> str:
    """HTML as readable text (lists, paragraphs, tables), scripts and styles dropped."""
    try:
        from inscriptis import get_text  # type: ignore[import-untyped]

        return str(get_text(html))
    except Exception as error:
        defects.append(f"HTML not readable ({type(error).__name__})")
        return re.sub(r"<[^>]*>", " ", html)


def _attachment(info: _Part, index: int, max_bytes: int, keep_files: bool) -> Attachment:
    name = safe_filename(
        decode_words(info.filename or "", []), fallback=f"attachment-{index + 1}", ctype=info.ctype
    )
    data = _payload(info)
    keep = keep_files and len(data) <= max_bytes
    return Attachment(
        name=name, content_type=info.ctype[:255], size=len(data), data=data if keep else None
    )


# ---------------------------------------------------------------- file names


def safe_filename(name: str, *, fallback: str = "attachment", ctype: str = "") -> str:
    """A file name that stays inside the folder it is written to, on any system.

    No folder parts (``../../.bashrc`` -> ``bashrc``, ``C:\\x`` -> ``x``), no leading dots,
    no control, bidi or reserved characters, no Windows device names (``CON`` -> ``_CON``),
    at most MAX_NAME_BYTES bytes of UTF-8 with the extension kept.
    """
    name = unicodedata.normalize("NFC", clean_title(name, 1000))
    name = re.split(r"[/\\]", name)[-1]
    name = _UNSAFE_NAME_CHARS.sub("_", re.sub(r"\s+", " ", name))
    name = "".join(c for c in name if unicodedata.category(c) not in ("Cf", "Cs", "Co", "Cn"))
    name = name.strip(" .")
    if not name or set(name) <= {"_"}:
        ext = mimetypes.guess_extension(ctype) if ctype else None
        name = fallback + (ext or "")
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    if stem.split(".")[0].strip().upper() in _DEVICE_NAMES or name.upper() in _DEVICE_NAMES:
        name = "_" + name
        stem = "_" + stem if dot else name
    if len(name.encode()) > MAX_NAME_BYTES:
        ext = ext[:16] if dot else ""
        room = MAX_NAME_BYTES - len(ext.encode()) - (1 if ext else 0)
        stem = stem.encode()[:room].decode("utf-8", "ignore").rstrip(" .") or fallback
        name = f"{stem}.{ext}" if ext else stem
    return name


# ---------------------------------------------------------------- body


def trim_quoted(text: str) -> str:
    """Cut what is clearly not the new message: a trailing quoted block (with its "On ...
    wrote:" line), an Outlook "Original Message", and a signature after a "-- " line.
    Interleaved answers and unmarked text stay as they are; a body that would vanish stays."""
    lines = text.split("\n")
    end = len(lines)
    while end and not lines[end - 1].strip():
        end -= 1
    start_quote = end
    while start_quote and (
        lines[start_quote - 1].startswith(">") or not lines[start_quote - 1].strip()
    ):
        start_quote -= 1
    if start_quote < end and any(line.startswith(">") for line in lines[start_quote:end]):
        cut = start_quote
        before = cut
        while before and not lines[before - 1].strip():
            before -= 1
        if before and (
            _ATTRIBUTION.match(lines[before - 1]) or lines[before - 1].rstrip().endswith("wrote:")
        ):
            cut = before - 1
        end = cut
    for index in range(end):
        if _ORIGINAL.match(lines[index]):
            end = index
            break
    for index in range(end - 1, -1, -1):
        if lines[index] == "-- ":
            end = index
            break
    kept = "\n".join(lines[:end]).rstrip()
    return kept if kept.strip() else text.rstrip()
