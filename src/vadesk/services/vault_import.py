"""Moving in from a password manager: its export, given clients, through the vault's strict,
all-or-nothing import path (`vault.import_documents`).

The export is read once, from memory; nothing of it is written anywhere but into encrypted
vault items. Rows that cannot become items are reported with their reason and left out; a
folder that matches no client stops the whole import (nothing is guessed silently).
"""

from __future__ import annotations

import io
import os
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from vadesk.db.models import Client
from vadesk.domain import password_exports as px
from vadesk.domain.text import clean_text
from vadesk.domain.vault_crypto import Secret
from vadesk.domain.vault_items import validate
from vadesk.errors import InvalidInputError, NotFoundError
from vadesk.services import vault as vaults


@dataclass(frozen=True)
class ImportReport:
    counts: dict[str, int]
    """Items per kind (login, card, note) imported, or that would be with ``dry_run``."""
    clients: tuple[str, ...]
    skipped: tuple[px.SkippedRow, ...]
    dry_run: bool
    unchanged: int = 0
    """Items the vault already held exactly (a second run of the same import adds nothing)."""

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def read_export(
    source: str,
    data: bytes,
    *,
    kdbx_passphrase: Secret | None = None,
    keyfile: Path | None = None,
) -> px.ExportContents:
    """The items of an export; a KDBX file is opened with its own passphrase and/or key file."""
    if source == "keepassxc" and px.is_kdbx(data):
        return px.read_keepass_entries(_kdbx_entries(data, kdbx_passphrase, keyfile))
    return px.read_export(source, data)


def _kdbx_entries(
    data: bytes, passphrase: Secret | None, keyfile: Path | None
) -> list[px.KeepassEntry]:
    from pykeepass import PyKeePass  # type: ignore[import-untyped]
    from pykeepass.exceptions import (  # type: ignore[import-untyped]
        CredentialsError,
        HeaderChecksumError,
        PayloadChecksumError,
    )

    try:
        database = PyKeePass(
            io.BytesIO(data),
            password=passphrase.text() if passphrase is not None else None,
            keyfile=str(keyfile) if keyfile is not None else None,
        )
    except CredentialsError:
        raise InvalidInputError(
            "Wrong passphrase or key file for this KeePass database; try again."
        ) from None
    except (HeaderChecksumError, PayloadChecksumError):
        raise InvalidInputError("This KeePass database is damaged; export it again.") from None
    except Exception as error:  # construct's parse errors share no narrower base
        raise InvalidInputError(
            f"Cannot open this KeePass database ({type(error).__name__}); check the file."
        ) from None
    entries = []
    for entry in database.entries or []:
        group = entry.group
        path = "/".join(p for p in (group.path if group is not None else []) if p)
        entries.append(
            px.KeepassEntry(
                title=entry.title or "",
                username=entry.username or "",
                password=entry.password or "",
                url=entry.url or "",
                notes=entry.notes or "",
                otp=entry.otp or "",
                group=path,
            )
        )
    return entries


def _client_names(session: Session) -> dict[str, str]:
    return {name.lower(): name for name in session.scalars(select(Client.name))}


def _folder_client(folder: str, clients: dict[str, str]) -> str | None:
    """A folder matches a client by its whole path or its last part ("Clients/Acme" → Acme)."""
    if not folder:
        return None
    return clients.get(folder.lower()) or clients.get(folder.rsplit("/", 1)[-1].lower())


def import_export(
    session: Session,
    vault: vaults.OpenVault,
    contents: px.ExportContents,
    *,
    client: str | None = None,
    client_from_folder: bool = False,
    dry_run: bool = False,
) -> ImportReport:
    """Give every item its client, validate each (skipping with the reason), then import all
    that passed in one go. Clients are read inside this transaction, not before it."""
    if (client is None) == (not client_from_folder):
        raise InvalidInputError("Say whose items these are: --client NAME or --client-from-folder.")
    clients = _client_names(session)
    if client is not None:
        name = clients.get(client.strip().lower())
        if name is None:
            raise NotFoundError(
                f"No client named {client!r}; add it with `vadesk client add` first."
            )
        owners = {item.label: name for item in contents.items}
    else:
        owners = {}
        unknown: Counter[str] = Counter()
        for item in contents.items:
            owner = _folder_client(item.folder, clients)
            if owner is None:
                unknown[item.folder or "(no folder)"] += 1
            else:
                owners[item.label] = owner
        if unknown:
            listed = ", ".join(
                f"{clean_text(folder)[:60]!r} ({count})"
                for folder, count in sorted(unknown.items())
            )
            raise InvalidInputError(
                f"Folders that match no client: {listed}. Add those clients (`vadesk client "
                "add NAME`) or rename the folders, or use --client NAME. Nothing was imported."
            )
    documents: list[dict[str, Any]] = []
    skipped = list(contents.skipped)
    for item in contents.items:
        document = dict(item.document, client=owners[item.label])
        try:
            documents.append(validate(document))
        except InvalidInputError as error:
            message = str(error).rstrip(".")
            skipped.append(px.SkippedRow(item.label, message[0].lower() + message[1:]))
    if dry_run:
        vaults.refresh(session, vault)
        present = vaults.present_documents(vault, documents)
    elif documents:
        present = vaults.import_new_documents(session, vault, documents)[1]
    else:
        present = []
    left_out = set(present)
    new = [doc for i, doc in enumerate(documents) if i not in left_out]
    counts = Counter(str(d["kind"]) for d in new)
    return ImportReport(
        counts={kind: counts.get(kind, 0) for kind in ("login", "card", "note")},
        clients=tuple(sorted({str(d["client"]) for d in new})),
        skipped=tuple(skipped),
        dry_run=dry_run,
        unchanged=len(present),
    )


def shred(path: Path) -> None:
    """Overwrite the export with zeros, flush it to disk, then remove it.

    On SSDs and copy-on-write file systems the old blocks may survive; this is the best a
    program can do, and the reminder says so."""
    size = path.stat().st_size
    with path.open("r+b", buffering=0) as handle:
        chunk = b"\0" * min(size, 1 << 20) if size else b""
        written = 0
        while written < size:
            part = chunk[: size - written]
            handle.write(part)
            written += len(part)
        os.fsync(handle.fileno())
    path.unlink()
