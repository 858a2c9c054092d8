"""The vault: encrypted logins, payment cards and notes. Only ciphertext reaches the database.

Unlocking reads the header, derives the wrapping key (Argon2id, slow on purpose), unwraps the
data key, checks the encrypted manifest against the stored (id, revision) pairs and decrypts
every item. The decrypted documents live only in the returned ``OpenVault``.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from operator import itemgetter
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from vadesk.db.fastread import vault_rows
from vadesk.db.models import VaultHeader as HeaderRow
from vadesk.db.models import VaultItem, VaultManifest
from vadesk.domain import vault_crypto as vc
from vadesk.domain.clock import utcnow
from vadesk.errors import InvalidInputError, NotFoundError, VadeskError

KINDS = ("login", "card", "note")
SECRET_FIELDS = frozenset({"password", "totp", "number", "cvc", "note", "notes"})
"""Fields shown masked until revealed, and never logged."""


class VaultMissing(VadeskError):
    """No vault was created yet."""


def kdf_for(name: str) -> vc.KdfParams:
    return vc.KdfParams.interactive() if name == "interactive" else vc.KdfParams.moderate()


@dataclass
class OpenVault:
    """An unlocked vault: the data key and the decrypted items, in memory only."""

    vault_id: str
    key: vc.DataKey
    items: dict[str, dict[str, Any]] = field(default_factory=dict)
    revisions: dict[str, int] = field(default_factory=dict)
    manifest_revision: int = 0
    search: dict[str, tuple[dict[str, Any], str, str]] = field(default_factory=dict, repr=False)
    """Per item: (the document it was made from, lower-case text to search, sort key)."""

    def __repr__(self) -> str:
        return f"OpenVault({self.vault_id!r}, {len(self.items)} items)"

    def lock(self) -> None:
        """Drop the key and every decrypted field."""
        self.key.wipe()
        self.items.clear()
        self.revisions.clear()
        self.search.clear()


def _header(session: Session) -> HeaderRow:
    row = session.scalar(select(HeaderRow).limit(1))
    if row is None:
        raise VaultMissing("There is no vault yet; create one first (vadesk vault init).")
    return row


def exists(session: Session) -> bool:
    return session.scalar(select(HeaderRow.id).limit(1)) is not None


def _to_domain(row: HeaderRow) -> vc.VaultHeader:
    return vc.VaultHeader(
        vault_id=row.vault_id,
        format_version=row.format_version,
        kdf=vc.KdfParams(row.kdf_opslimit, row.kdf_memlimit),
        salt=bytes(row.salt),
        wrapped_key=bytes(row.wrapped_key),
    )


def _store_header(row: HeaderRow, header: vc.VaultHeader, now: datetime) -> None:
    row.vault_id = header.vault_id
    row.format_version = header.format_version
    row.kdf_opslimit = header.kdf.opslimit
    row.kdf_memlimit = header.kdf.memlimit
    row.salt = header.salt
    row.wrapped_key = header.wrapped_key
    row.updated_at = now


def init(session: Session, passphrase: vc.Secret, kdf: vc.KdfParams) -> OpenVault:
    """Create the vault (once); returns it unlocked and empty."""
    if exists(session):
        raise InvalidInputError("A vault already exists; unlock it, or change its passphrase.")
    header, key = vc.create_vault(passphrase, kdf)
    now = utcnow()
    row = HeaderRow()
    _store_header(row, header, now)
    session.add(row)
    vault = OpenVault(header.vault_id, key)
    _write_manifest(session, vault)
    return vault


def unlock(session: Session, passphrase: vc.Secret) -> OpenVault:
    """Check range → header → passphrase → manifest → each item; each failure names itself."""
    header = _to_domain(_header(session))
    key = vc.unlock(header, passphrase)
    vault = OpenVault(header.vault_id, key)
    try:
        _read_items(session, vault)
    except BaseException:
        vault.lock()  # a damaged vault leaves no key or half-read items behind
        raise
    return vault


def _read_items(session: Session, vault: OpenVault) -> None:
    """Manifest, then every item; bulk reads through the DB-API with the collector paused."""
    key = vault.key
    with vc.gc_paused():
        manifest_row = session.get(VaultManifest, vault.vault_id)
        if manifest_row is None:
            raise vc.ManifestDamaged("The vault's manifest is missing; restore a backup.")
        manifest = vc.decrypt_manifest(
            key, vault.vault_id, manifest_row.revision, bytes(manifest_row.ciphertext)
        )
        rows = vault_rows(session, vault.vault_id)
        vault.revisions = {item_id: revision for item_id, revision, _ in rows}
        vc.check_manifest(manifest, vault.revisions)
        reader = vc.ItemReader(key, vault.vault_id)
        try:
            vault.items = reader.read_many(rows)
        finally:
            reader.close()
    vault.manifest_revision = manifest_row.revision


def _write_manifest(session: Session, vault: OpenVault) -> None:
    vault.manifest_revision += 1
    blob = vc.encrypt_manifest(
        vault.key, vault.vault_id, dict(vault.revisions), vault.manifest_revision
    )
    row = session.get(VaultManifest, vault.vault_id)
    if row is None:
        session.add(
            VaultManifest(
                vault_id=vault.vault_id, revision=vault.manifest_revision, ciphertext=blob
            )
        )
    else:
        row.revision = vault.manifest_revision
        row.ciphertext = blob
    session.flush()


def validate(document: dict[str, Any]) -> dict[str, Any]:
    kind = document.get("kind")
    if kind not in KINDS:
        raise InvalidInputError(f"Item kind must be one of: {', '.join(KINDS)}.")
    if not str(document.get("name", "")).strip():
        raise InvalidInputError("A vault item needs a name.")
    cards = document.get("cards")
    if isinstance(cards, str):
        parts = [p.strip().lstrip("#") for p in cards.replace(";", ",").split(",") if p.strip()]
        if not all(p.isdigit() for p in parts):
            raise InvalidInputError(
                "Linked cards are card numbers separated by commas, e.g. 12, 40."
            )
        document = {**document, "cards": [int(p) for p in parts]}
    if kind == "card" and document.get("number"):
        number = str(document["number"])
        if not vc.luhn_valid(number):
            raise InvalidInputError("That card number fails the Luhn check; check the digits.")
    return {k: v for k, v in document.items() if v not in (None, "")}


def save_item(
    session: Session, vault: OpenVault, document: dict[str, Any], item_id: str | None = None
) -> str:
    """Add (no id) or replace an item; the manifest moves in the same transaction."""
    document = validate(document)
    now = utcnow()
    if item_id is None:
        item_id = secrets.token_hex(16)
        revision = 1
        row = VaultItem(
            id=item_id, vault_id=vault.vault_id, revision=revision, updated_at=now, ciphertext=b""
        )
        session.add(row)
    else:
        found = session.get(VaultItem, item_id)
        if found is None or item_id not in vault.items:
            raise NotFoundError("That vault item no longer exists; it was deleted elsewhere.")
        row = found
        revision = row.revision + 1
        row.revision = revision
        row.updated_at = now
    row.ciphertext = vc.encrypt_item(vault.key, vault.vault_id, item_id, revision, document)
    session.flush()
    vault.items[item_id] = document
    vault.revisions[item_id] = revision
    _write_manifest(session, vault)
    return item_id


def delete_item(session: Session, vault: OpenVault, item_id: str) -> None:
    session.execute(delete(VaultItem).where(VaultItem.id == item_id))
    vault.items.pop(item_id, None)
    vault.revisions.pop(item_id, None)
    vault.search.pop(item_id, None)
    _write_manifest(session, vault)


def change_passphrase(session: Session, old: vc.Secret, new: vc.Secret, kdf: vc.KdfParams) -> None:
    """Re-wrap the data key under a new passphrase; items are not touched."""
    row = _header(session)
    header = vc.rewrap(_to_domain(row), old, new, kdf)
    _store_header(row, header, utcnow())
    session.flush()


def rotate_key(
    session: Session, vault: OpenVault, passphrase: vc.Secret, kdf: vc.KdfParams
) -> OpenVault:
    """A new data key: every item and the manifest are re-encrypted under it.

    ``vault`` stays open: lock it once the transaction has committed (until then it is
    the one that matches the database).
    """
    row = _header(session)
    vc.unlock(_to_domain(row), passphrase)  # the passphrase must still be right
    header, key = vc.create_vault(passphrase, kdf, vault_id=vault.vault_id)
    _store_header(row, header, utcnow())
    fresh = OpenVault(vault.vault_id, key, manifest_revision=vault.manifest_revision)
    for item_id, document in vault.items.items():
        stored = session.get(VaultItem, item_id)
        assert stored is not None
        stored.revision += 1
        stored.updated_at = utcnow()
        stored.ciphertext = vc.encrypt_item(key, vault.vault_id, item_id, stored.revision, document)
        fresh.items[item_id] = document
        fresh.revisions[item_id] = stored.revision
    session.flush()
    _write_manifest(session, fresh)
    return fresh


def checkpoint(store: Any) -> None:
    """Fold the WAL into the database so an old wrapped key does not linger in -wal."""
    store.db.checkpoint()


def for_card(
    vault: OpenVault, card_id: int, client: str | None
) -> list[tuple[str, dict[str, Any]]]:
    """Items linked to the card, then the rest of its client's items."""
    linked = [(i, d) for i, d in vault.items.items() if card_id in d.get("cards", [])]
    ids = {i for i, _ in linked}
    rest = [(i, d) for i, d in matching(vault, client=client) if i not in ids] if client else []
    return sorted(linked, key=lambda p: str(p[1].get("name", "")).lower()) + rest


SEARCHED = ("name", "url", "username", "client", "holder")
"""The fields the vault filter looks in (never a secret)."""


def matching(
    vault: OpenVault, query: str = "", client: str | None = None
) -> list[tuple[str, dict[str, Any]]]:
    """Items whose name, URL, username or client match ``query``, sorted by name.

    The text searched is built once per item version (a keystroke in the filter then costs
    one substring test per item, not a string join).
    """
    needle = query.strip().lower()
    search = vault.search
    found: list[tuple[str, str, dict[str, Any]]] = []
    for item_id, doc in vault.items.items():
        if client is not None and doc.get("client") != client:
            continue
        entry = search.get(item_id)
        if entry is None or entry[0] is not doc:  # new, or replaced by a save
            hay = " ".join(str(doc.get(k, "")) for k in SEARCHED).lower()
            entry = search[item_id] = (doc, hay, str(doc.get("name", "")).lower())
        if needle and needle not in entry[1]:
            continue
        found.append((entry[2], item_id, doc))
    found.sort(key=itemgetter(0))
    return [(item_id, doc) for _, item_id, doc in found]


def export_client(vault: OpenVault, client: str, passphrase: vc.Secret, kdf: vc.KdfParams) -> bytes:
    documents = [doc for _, doc in matching(vault, client=client)]
    if not documents:
        raise InvalidInputError(f"The vault holds nothing for {client!r}.")
    return vc.export_bundle(passphrase, documents, kdf)


def import_bundle(session: Session, vault: OpenVault, data: bytes, passphrase: vc.Secret) -> int:
    documents: Iterable[dict[str, Any]] = vc.import_bundle(passphrase, data)
    count = 0
    for document in documents:
        save_item(session, vault, dict(document))
        count += 1
    return count
