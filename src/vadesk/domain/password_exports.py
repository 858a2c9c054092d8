"""Password managers' export files, read into vault items (pure: bytes in, plain records out).

Each reader follows the layout its tool publishes: LastPass CSV, Bitwarden JSON and CSV,
KeePassXC CSV (KDBX files are opened by the service and handed over as `KeepassEntry`),
1Password CSV, and the password CSVs of Chrome and Firefox. A row that cannot become an item
is skipped with its reason; a file that is not what it claims to be fails as a whole. Nothing
here ever puts a secret into a message.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from vadesk.domain.text import clean_text
from vadesk.errors import InvalidInputError

SOURCES = ("lastpass", "bitwarden", "keepassxc", "1password", "chrome", "firefox")
LASTPASS_NOTE_URL = "http://sn"
MAX_FIELD = 100_000


@dataclass(frozen=True)
class ExportedItem:
    """One item as the export had it, before it is given a client."""

    label: str
    """How messages name it: ``entry 12 'Acme bank'`` (never a secret)."""
    folder: str
    """The folder or group path ("Clients/Acme"), "" when none."""
    document: dict[str, Any] = field(repr=False)
    """A vault item without its client: kind, name and the kind's fields."""


@dataclass(frozen=True)
class SkippedRow:
    label: str
    reason: str


@dataclass(frozen=True)
class ExportContents:
    items: tuple[ExportedItem, ...]
    skipped: tuple[SkippedRow, ...]


@dataclass(frozen=True)
class KeepassEntry:
    """What the service reads out of a KDBX file for one entry."""

    title: str
    username: str
    password: str = field(repr=False)
    url: str
    notes: str = field(repr=False)
    otp: str = field(repr=False)
    group: str


class _Rows:
    """Collects items and skips, numbering entries as a person counts them."""

    def __init__(self) -> None:
        self.items: list[ExportedItem] = []
        self.skipped: list[SkippedRow] = []

    @staticmethod
    def label(number: int, name: str) -> str:
        shown = clean_text(name)[:40]
        return f"entry {number} {shown!r}" if shown else f"entry {number}"

    def add(self, number: int, folder: str, document: dict[str, Any]) -> None:
        document = {k: v for k, v in document.items() if v not in (None, "")}
        for key in ("notes", "note"):  # Windows line endings in free text; secrets untouched
            if isinstance(document.get(key), str):
                document[key] = document[key].replace("\r\n", "\n")
        name = str(document.get("name", "")).strip()
        if not name:
            name = _name_from(document)
            document["name"] = name
        label = self.label(number, name)
        too_long = [k for k, v in document.items() if isinstance(v, str) and len(v) > MAX_FIELD]
        if too_long:
            self.skip(label, f"its {too_long[0]} is longer than {MAX_FIELD:,} characters")
            return
        self.items.append(ExportedItem(label, _folder(folder), document))

    def skip(self, label: str, reason: str) -> None:
        self.skipped.append(SkippedRow(label, reason))

    def result(self) -> ExportContents:
        return ExportContents(tuple(self.items), tuple(self.skipped))


def _name_from(document: Mapping[str, Any]) -> str:
    url = str(document.get("url", ""))
    host = urlsplit(url if "//" in url else f"//{url}").hostname if url else None
    return host or str(document.get("username", "")) or "(untitled)"


def _folder(path: str) -> str:
    parts = [p.strip() for p in path.replace("\\", "/").split("/") if p.strip()]
    if parts and parts[0].lower() == "root":  # KeePassXC's top group
        parts = parts[1:]
    return "/".join(parts)


def _join_notes(*parts: str) -> str:
    return "\n".join(p for p in parts if p and p.strip())


def _login(
    name: str, url: str, username: str, password: str, totp: str, notes: str
) -> dict[str, Any]:
    return {
        "kind": "login",
        "name": name.strip(),
        "url": url.strip(),
        "username": username,
        "password": password,
        "totp": totp.strip(),
        "notes": notes,
    }


def _text(data: bytes, what: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInputError(
            f"This {what} export is not UTF-8 text; export it again from the tool."
        ) from None


def _csv_rows(data: bytes, what: str, required: tuple[str, ...]) -> Iterator[dict[str, str]]:
    """Rows with lower-cased, trimmed column names; refuses a file without ``required``."""
    text = _text(data, what)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise InvalidInputError(f"This {what} export is empty.") from None
    except csv.Error as error:
        raise InvalidInputError(f"This {what} export is not readable CSV ({error}).") from None
    names = [h.strip().lower() for h in header]
    missing = [c for c in required if c not in names]
    if missing:
        raise InvalidInputError(
            f"This is not a {what} CSV export (no {missing[0]!r} column); check the file and "
            "the source name."
        )
    try:
        for values in reader:
            if not any(v.strip() for v in values):
                continue
            row = dict(zip(names, values, strict=False))
            yield {k: row.get(k, "") or "" for k in names}
    except csv.Error as error:
        raise InvalidInputError(
            f"This {what} export is not readable CSV near line {reader.line_num} ({error})."
        ) from None


# -- LastPass ------------------------------------------------------------------------------


def _lastpass_note(extra: str) -> tuple[str, dict[str, str]]:
    """LastPass's typed secure notes ("NoteType:Credit Card" then "Key:value" lines)."""
    lines = extra.replace("\r\n", "\n").split("\n")
    if not lines or not lines[0].startswith("NoteType:"):
        return "", {}
    note_type = lines[0].removeprefix("NoteType:").strip()
    values: dict[str, str] = {}
    last = ""
    for line in lines[1:]:
        key, sep, value = line.partition(":")
        if sep and key and key == key.strip() and last != "Notes":
            values[key] = value
            last = key
        elif last:
            values[last] += "\n" + line
    return note_type, values


_MONTHS = {
    m: i
    for i, m in enumerate(
        (
            "january",
            "february",
            "march",
            "april",
            "may",
            "june",
            "july",
            "august",
            "september",
            "october",
            "november",
            "december",
        ),
        1,
    )
}


def _expiry(month: str, year: str) -> str:
    month, year = month.strip(), year.strip()
    if not month and not year:
        return ""
    number = _MONTHS.get(month.lower()) or (int(month) if month.isdigit() else 0)
    if not 1 <= number <= 12 or not year.isdigit():
        return f"{month}/{year}".strip("/")
    return f"{number:02d}/{year[-2:]}"


def read_lastpass(data: bytes) -> ExportContents:
    rows = _Rows()
    for number, row in enumerate(_csv_rows(data, "LastPass", ("url", "username", "password")), 1):
        name, folder = row.get("name", ""), row.get("grouping", "")
        extra = row.get("extra", "")
        if row["url"].strip() == LASTPASS_NOTE_URL:
            note_type, values = _lastpass_note(extra)
            if note_type == "Credit Card":
                expiry = values.get("Expiration Date", "")
                month, _, year = expiry.partition(",")
                rows.add(
                    number,
                    folder,
                    {
                        "kind": "card",
                        "name": name,
                        "holder": values.get("Name on Card", "").strip(),
                        "number": values.get("Number", "").strip(),
                        "expiry": _expiry(month, year),
                        "cvc": values.get("Security Code", "").strip(),
                        "notes": values.get("Notes", "").strip(),
                    },
                )
            else:
                rows.add(number, folder, {"kind": "note", "name": name, "note": extra})
            continue
        rows.add(
            number,
            folder,
            _login(name, row["url"], row["username"], row["password"], row.get("totp", ""), extra),
        )
    return rows.result()


# -- Bitwarden -----------------------------------------------------------------------------


def _bitwarden_fields(fields: object) -> str:
    if not isinstance(fields, list):
        return ""
    lines = []
    for item in fields:
        if isinstance(item, dict) and (item.get("name") or item.get("value")):
            lines.append(f"{item.get('name') or ''}: {item.get('value') or ''}")
    return "\n".join(lines)


def _bitwarden_identity(identity: Mapping[str, Any]) -> str:
    order = (
        ("title", "Title"),
        ("firstName", "First name"),
        ("middleName", "Middle name"),
        ("lastName", "Last name"),
        ("company", "Company"),
        ("email", "Email"),
        ("phone", "Phone"),
        ("address1", "Address"),
        ("address2", "Address 2"),
        ("address3", "Address 3"),
        ("city", "City"),
        ("state", "State"),
        ("postalCode", "Postal code"),
        ("country", "Country"),
        ("ssn", "Social security number"),
        ("passportNumber", "Passport number"),
        ("licenseNumber", "Licence number"),
        ("username", "Username"),
    )
    return "\n".join(f"{label}: {identity[key]}" for key, label in order if identity.get(key))


def _s(value: object) -> str:
    return value if isinstance(value, str) else "" if value is None else str(value)


def read_bitwarden_json(data: bytes) -> ExportContents:
    try:
        document = json.loads(_text(data, "Bitwarden"))
    except json.JSONDecodeError as error:
        raise InvalidInputError(f"This Bitwarden export is not valid JSON ({error.msg}).") from None
    if not isinstance(document, dict) or not isinstance(document.get("items"), list):
        raise InvalidInputError("This is not a Bitwarden JSON export (no list of items).")
    if document.get("encrypted"):
        raise InvalidInputError(
            "This Bitwarden export is encrypted; export again choosing the .json format (not "
            "'.json (Encrypted)')."
        )
    folders = {
        _s(f.get("id")): _s(f.get("name"))
        for f in document.get("folders") or []
        if isinstance(f, dict)
    }
    rows = _Rows()
    for number, item in enumerate(document["items"], 1):
        if not isinstance(item, dict):
            rows.skip(_Rows.label(number, ""), "it is not an object")
            continue
        name = _s(item.get("name"))
        folder = folders.get(_s(item.get("folderId")), "")
        notes = _join_notes(_s(item.get("notes")), _bitwarden_fields(item.get("fields")))
        kind = item.get("type")
        if kind == 1:
            login = item.get("login") if isinstance(item.get("login"), dict) else {}
            assert isinstance(login, dict)
            uris = [
                _s(u.get("uri"))
                for u in login.get("uris") or []
                if isinstance(u, dict) and u.get("uri")
            ]
            more = "\n".join(f"Also: {u}" for u in uris[1:])
            rows.add(
                number,
                folder,
                _login(
                    name,
                    uris[0] if uris else "",
                    _s(login.get("username")),
                    _s(login.get("password")),
                    _s(login.get("totp")),
                    _join_notes(notes, more),
                ),
            )
        elif kind == 2:
            rows.add(number, folder, {"kind": "note", "name": name, "note": notes})
        elif kind == 3:
            card = item.get("card") if isinstance(item.get("card"), dict) else {}
            assert isinstance(card, dict)
            rows.add(
                number,
                folder,
                {
                    "kind": "card",
                    "name": name,
                    "holder": _s(card.get("cardholderName")),
                    "number": _s(card.get("number")).replace(" ", ""),
                    "expiry": _expiry(_s(card.get("expMonth")), _s(card.get("expYear"))),
                    "cvc": _s(card.get("code")),
                    "notes": _join_notes(
                        notes, f"Brand: {_s(card.get('brand'))}" if card.get("brand") else ""
                    ),
                },
            )
        elif kind == 4:
            identity = item.get("identity") if isinstance(item.get("identity"), dict) else {}
            assert isinstance(identity, dict)
            text = _join_notes(_bitwarden_identity(identity), notes)
            rows.add(number, folder, {"kind": "note", "name": name, "note": text})
        else:
            rows.skip(_Rows.label(number, name), f"Bitwarden item type {kind!r} is not supported")
    return rows.result()


def read_bitwarden_csv(data: bytes) -> ExportContents:
    rows = _Rows()
    required = ("type", "name", "login_password")
    for number, row in enumerate(_csv_rows(data, "Bitwarden", required), 1):
        name, folder = row["name"], row.get("folder", "")
        notes = _join_notes(row.get("notes", ""), row.get("fields", ""))
        kind = row["type"].strip().lower()
        if kind == "login":
            uris = [u for u in row.get("login_uri", "").split(",") if u.strip()]
            more = "\n".join(f"Also: {u.strip()}" for u in uris[1:])
            rows.add(
                number,
                folder,
                _login(
                    name,
                    uris[0] if uris else "",
                    row.get("login_username", ""),
                    row["login_password"],
                    row.get("login_totp", ""),
                    _join_notes(notes, more),
                ),
            )
        elif kind == "note":
            rows.add(number, folder, {"kind": "note", "name": name, "note": notes})
        else:
            rows.skip(_Rows.label(number, name), f"Bitwarden type {kind[:20]!r} is not supported")
    return rows.result()


# -- KeePassXC, 1Password, browsers --------------------------------------------------------


def read_keepassxc_csv(data: bytes) -> ExportContents:
    rows = _Rows()
    required = ("group", "title", "username", "password", "url", "notes")
    for number, row in enumerate(_csv_rows(data, "KeePassXC", required), 1):
        rows.add(
            number,
            row["group"],
            _login(
                row["title"],
                row["url"],
                row["username"],
                row["password"],
                row.get("totp", ""),
                row["notes"],
            ),
        )
    return rows.result()


def read_keepass_entries(entries: Iterable[KeepassEntry]) -> ExportContents:
    rows = _Rows()
    for number, entry in enumerate(entries, 1):
        if not any((entry.title, entry.username, entry.password, entry.url, entry.notes)):
            continue
        rows.add(
            number,
            entry.group,
            _login(entry.title, entry.url, entry.username, entry.password, entry.otp, entry.notes),
        )
    return rows.result()


def _pick(row: Mapping[str, str], *names: str) -> str:
    for name in names:
        if row.get(name):
            return row[name]
    return ""


def read_1password(data: bytes) -> ExportContents:
    rows = _Rows()
    for number, row in enumerate(_csv_rows(data, "1Password", ("title", "password")), 1):
        tags = [t.strip() for t in _pick(row, "tags").split(",") if t.strip()]
        rows.add(
            number,
            tags[0] if tags else "",
            _login(
                row["title"],
                _pick(row, "url", "urls", "website"),
                _pick(row, "username"),
                row["password"],
                _pick(row, "otpauth", "one-time password", "otp"),
                _pick(row, "notes", "notesplain"),
            ),
        )
    return rows.result()


def read_chrome(data: bytes) -> ExportContents:
    rows = _Rows()
    for number, row in enumerate(_csv_rows(data, "Chrome", ("url", "username", "password")), 1):
        rows.add(
            number,
            "",
            _login(
                row.get("name", ""),
                row["url"],
                row["username"],
                row["password"],
                "",
                _pick(row, "note", "notes"),
            ),
        )
    return rows.result()


def read_firefox(data: bytes) -> ExportContents:
    rows = _Rows()
    for number, row in enumerate(_csv_rows(data, "Firefox", ("url", "username", "password")), 1):
        rows.add(number, "", _login("", row["url"], row["username"], row["password"], "", ""))
    return rows.result()


def is_kdbx(data: bytes) -> bool:
    """A KeePass database file (its two signature words), rather than a CSV export."""
    return data[:8] in (b"\x03\xd9\xa2\x9a\x67\xfb\x4b\xb5", b"\x03\xd9\xa2\x9a\x66\xfb\x4b\xb5")


def read_export(source: str, data: bytes) -> ExportContents:
    """Read ``data`` as ``source`` exports it (KDBX files are for the service to open)."""
    if source == "lastpass":
        return read_lastpass(data)
    if source == "bitwarden":
        head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
        return read_bitwarden_json(data) if head in (b"{", b"[") else read_bitwarden_csv(data)
    if source == "keepassxc":
        if is_kdbx(data):
            raise InvalidInputError("A KDBX file must be opened with its passphrase first.")
        return read_keepassxc_csv(data)
    if source == "1password":
        return read_1password(data)
    if source == "chrome":
        return read_chrome(data)
    if source == "firefox":
        return read_firefox(data)
    raise InvalidInputError(f"Unknown source {source!r}; use one of: {', '.join(SOURCES)}.")
