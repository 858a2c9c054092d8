"""The vault: encrypted logins, payment cards and notes. Only ciphertext reaches the database.

Unlocking reads the header, derives the wrapping key (Argon2id, slow on purpose), unwraps the
data key, checks the encrypted manifest against the stored (id, revision) pairs and decrypts
every item. The decrypted documents live only in the returned ``OpenVault``.

Write discipline (SECURITY.md): every write locks the manifest row inside its own write
transaction (BEGIN IMMEDIATE on SQLite, a row lock on PostgreSQL), re-reads the manifest and
the stored (id, revision) pairs, refuses to sign over a vault that disagrees with its manifest,
writes, and signs a manifest built from what the database holds, never from memory. The open
vault in memory changes only after the commit (an ``after_commit`` hook on the session), so a
failed or rolled-back write leaves it exactly as it was.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from operator import itemgetter
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, event, insert, select
from sqlalchemy.orm import Session

from vadesk.db.fastread import vault_rows, vault_rows_by_id
from vadesk.db.models import VaultHeader as HeaderRow
from vadesk.db.models import VaultItem, VaultManifest
from vadesk.domain import vault_crypto as vc
from vadesk.domain.clock import utcnow
from vadesk.domain.text import clean_text
from vadesk.domain.vault_items import validate, validate_numbered
from vadesk.errors import ConflictError, InvalidInputError, NotFoundError, VadeskError
from vadesk.services import vault_state

if TYPE_CHECKING:
    from vadesk.services.store import StoreLike

log = logging.getLogger(__name__)


class VaultMissing(VadeskError):
    """No vault was created yet."""


class VaultStale(VadeskError):
    """The vault's data key was replaced elsewhere (rotated) since this copy was unlocked."""


class VaultRolledBack(VadeskError):
    """The database holds an older vault than the one this user last opened."""


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
    header_digest: str = ""
    """Hash of the wrapped key it was unlocked from: tells a rotated key from damage."""
    manifest_digest: str = ""
    locked: bool = False

    def __repr__(self) -> str:
        return f"OpenVault({self.vault_id!r}, {len(self.items)} items)"

    def lock(self) -> None:
        """Drop the key and every decrypted field."""
        self.locked = True
        self.key.wipe()
        self.items.clear()
        self.revisions.clear()
        self.search.clear()


# ------------------------------------------------------------------ reading rows safely


def _header(session: Session) -> HeaderRow:
    row = session.scalar(select(HeaderRow).limit(1))
    if row is None:
        raise VaultMissing("There is no vault yet; create one first (vadesk vault init).")
    return row


def exists(session: Session) -> bool:
    return session.scalar(select(HeaderRow.id).limit(1)) is not None


def _int(value: object, what: str) -> int:
    if type(value) is not int:
        raise vc.VaultDamaged(f"its {what} is not a number")
    return value


def _bytes(value: object, what: str) -> bytes:
    if isinstance(value, memoryview):
        value = value.tobytes()
    if type(value) is not bytes:
        raise vc.VaultDamaged(f"its {what} is not binary data")
    return value


def _to_domain(row: HeaderRow) -> vc.VaultHeader:
    """The header row checked for type before any of it is used (SQLite stores any type)."""
    if type(row.vault_id) is not str or not row.vault_id.isprintable():
        raise vc.VaultDamaged("its header has no valid vault id")
    return vc.VaultHeader(
        vault_id=row.vault_id,
        format_version=_int(row.format_version, "format version"),
        kdf=vc.KdfParams(
            _int(row.kdf_opslimit, "key derivation cost"),
            _int(row.kdf_memlimit, "key derivation memory"),
        ),
        salt=_bytes(row.salt, "salt"),
        wrapped_key=_bytes(row.wrapped_key, "wrapped key"),
    )


def _header_digest(header: vc.VaultHeader) -> str:
    return hashlib.sha256(header.salt + header.wrapped_key).hexdigest()


def _store_header(row: HeaderRow, header: vc.VaultHeader, now: datetime) -> None:
    row.vault_id = header.vault_id
    row.format_version = header.format_version
    row.kdf_opslimit = header.kdf.opslimit
    row.kdf_memlimit = header.kdf.memlimit
    row.salt = header.salt
    row.wrapped_key = header.wrapped_key
    row.updated_at = now


def _manifest_row(session: Session, vault_id: str, *, lock: bool) -> VaultManifest | None:
    """The manifest row, locked against other vault writers (``lock``) or readers' share."""
    query = (
        select(VaultManifest)
        .where(VaultManifest.vault_id == vault_id)
        .with_for_update(read=not lock)
        .execution_options(populate_existing=True)
    )
    return session.execute(query).scalar_one_or_none()


def _manifest_fields(row: VaultManifest) -> tuple[int, bytes]:
    return _int(row.revision, "manifest revision"), _bytes(row.ciphertext, "manifest")


def _stored_revisions(session: Session, vault_id: str) -> dict[str, int]:
    rows = session.execute(
        select(VaultItem.id, VaultItem.revision).where(VaultItem.vault_id == vault_id)
    ).all()
    stored: dict[str, int] = {}
    for item_id, revision in rows:
        if type(item_id) is not str or type(revision) is not int:
            raise vc.VaultDamaged(f"item {vc.short_id(item_id)} has a bad id or revision")
        stored[item_id] = revision
    return stored


# ------------------------------------------------------------------ memory after commit

_PENDING = "vadesk.vault.pending"
_HOOKED = "vadesk.vault.hooked"


def after_commit(session: Session, apply: Callable[[], None]) -> None:
    """Run ``apply`` once the session's transaction has committed; drop it on rollback."""
    info = session.info
    if not info.get(_HOOKED):
        info[_HOOKED] = True
        event.listen(session, "after_commit", _run_pending)
        event.listen(session, "after_rollback", _drop_pending)
    info.setdefault(_PENDING, []).append(apply)


def _run_pending(session: Session) -> None:
    for apply in session.info.pop(_PENDING, []):
        try:
            apply()
        except Exception:  # the commit stands; memory is re-read at the next unlock
            log.exception("updating the open vault after a commit failed")


def _drop_pending(session: Session) -> None:
    session.info.pop(_PENDING, None)


# ------------------------------------------------------------------ unlock


def unlock(session: Session, passphrase: vc.Secret, *, accept_older: bool = False) -> OpenVault:
    """Check range → header → passphrase → manifest → each item; each failure names itself.

    A manifest older than the one this user last saw (a whole-vault rollback from an old
    copy) is refused unless ``accept_older``.
    """
    vault = _unlock_unchecked(session, passphrase)
    try:
        _check_not_older(vault, accept_older)
    except BaseException:
        vault.lock()
        raise
    return vault


def _unlock_unchecked(session: Session, passphrase: vc.Secret) -> OpenVault:
    header = _to_domain(_header(session))
    key = vc.unlock(header, passphrase)
    vault = OpenVault(header.vault_id, key, header_digest=_header_digest(header))
    try:
        _read_items(session, vault)
    except BaseException:
        vault.lock()  # a damaged vault leaves no key or half-read items behind
        raise
    return vault


def open_vault(store: StoreLike, passphrase: vc.Secret, *, accept_older: bool = False) -> OpenVault:
    """Unlock in a read transaction of its own; finishes a wipe a passphrase change left.

    The rollback check compares a snapshot with a mark another process may have raised
    after the snapshot began (SQLite readers do not block writers): before calling the
    vault older than last seen, look again in a fresh transaction.
    """
    finish_pending_wipe(store)
    with store.read() as session:
        vault = _unlock_unchecked(session, passphrase)
    try:
        for _ in range(5):
            try:
                _check_not_older(vault, accept_older)
                return vault
            except VaultRolledBack:
                with store.read() as session:
                    row = _manifest_row(session, vault.vault_id, lock=False)
                    if row is None or row.revision == vault.manifest_revision:
                        raise
                    _read_items(session, vault)  # a newer vault was committed meanwhile
        _check_not_older(vault, accept_older)
        return vault
    except BaseException:
        vault.lock()
        raise


def _read_items(session: Session, vault: OpenVault) -> None:
    """Manifest, then every item; bulk reads through the DB-API with the collector paused.

    The manifest row is read with a share lock (PostgreSQL), so no vault writer commits
    between it and the items; SQLite's read transaction is a snapshot already.
    """
    key = vault.key
    with vc.gc_paused():
        manifest_row = _manifest_row(session, vault.vault_id, lock=False)
        if manifest_row is None:
            raise vc.ManifestDamaged(f"The vault's manifest is missing; {vc.DAMAGED_HINT}.")
        revision, blob = _manifest_fields(manifest_row)
        manifest = vc.decrypt_manifest(key, vault.vault_id, revision, blob)
        rows = vault_rows(session, vault.vault_id)
        revisions = {}
        for item_id, item_revision, _ in rows:
            if type(item_id) is not str or type(item_revision) is not int:
                raise vc.VaultDamaged(f"item {vc.short_id(item_id)} has a bad id or revision")
            revisions[item_id] = item_revision
        vc.check_manifest(manifest, revisions)
        reader = vc.ItemReader(key, vault.vault_id)
        try:
            vault.items = reader.read_many(rows)
        finally:
            reader.close()
        vault.revisions = revisions
    vault.manifest_revision = revision
    vault.manifest_digest = vault_state.digest(blob)
    vault.search.clear()


def _check_not_older(vault: OpenVault, accept_older: bool) -> None:
    digest = vault.manifest_digest
    seen = vault_state.seen(vault.vault_id)
    if seen is not None and not accept_older:
        if vault.manifest_revision < seen.revision:
            raise VaultRolledBack(
                "This vault is older than the one you last opened (revision "
                f"{vault.manifest_revision}, last seen {seen.revision}): restored from a "
                "backup? If you restored it on purpose, accept it with `vadesk vault unlock "
                "--accept-older`; otherwise find out what replaced the database first."
            )
        if vault.manifest_revision == seen.revision and digest != seen.digest:
            raise VaultRolledBack(
                "This vault differs from the one you last opened at the same revision: a "
                "copy from another database? If that is intended, accept it with `vadesk "
                "vault unlock --accept-older`."
            )
    vault_state.remember(vault.vault_id, vault.manifest_revision, digest, force=accept_older)


# ------------------------------------------------------------------ writes


@dataclass
class _Locked:
    """What a write read inside its own transaction, under the manifest lock."""

    row: VaultManifest
    revision: int
    stored: dict[str, int]


def _lock(session: Session, vault: OpenVault) -> _Locked:
    """Lock the manifest, re-read it and the stored pairs, and check they agree."""
    if vault.locked:
        raise vc.VaultError("The vault is locked; unlock it first.")
    row = _manifest_row(session, vault.vault_id, lock=True)
    if row is None:
        raise vc.ManifestDamaged(f"The vault's manifest is missing; {vc.DAMAGED_HINT}.")
    revision, blob = _manifest_fields(row)
    try:
        manifest = vc.decrypt_manifest(vault.key, vault.vault_id, revision, blob)
    except vc.ManifestDamaged:
        if _header_digest(_to_domain(_header(session))) != vault.header_digest:
            raise VaultStale(
                "The vault's key was changed elsewhere (rotated) since you unlocked it; "
                "nothing was saved. Lock the vault and unlock it again."
            ) from None
        raise
    stored = _stored_revisions(session, vault.vault_id)
    vc.check_manifest(manifest, stored)
    return _Locked(row, revision, stored)


def _fresh_documents(
    session: Session, vault: OpenVault, stored: dict[str, int], skip: set[str]
) -> dict[str, dict[str, Any]]:
    """Items written by someone else since this vault was read (decrypted, for memory)."""
    changed = [i for i, r in stored.items() if i not in skip and vault.revisions.get(i) != r]
    if not changed:
        return {}
    reader = vc.ItemReader(vault.key, vault.vault_id)
    try:
        return reader.read_many(vault_rows_by_id(session, changed))
    finally:
        reader.close()


def _sign(
    session: Session,
    vault: OpenVault,
    locked: _Locked,
    entries: dict[str, int],
    changed: dict[str, dict[str, Any]],
) -> None:
    """Write the new manifest; after the commit, memory takes the database's state."""
    revision = locked.revision + 1
    blob = vc.encrypt_manifest(vault.key, vault.vault_id, entries, revision)
    locked.row.revision = revision
    locked.row.ciphertext = blob
    session.flush()
    digest = vault_state.digest(blob)

    def apply() -> None:
        vault_state.remember(vault.vault_id, revision, digest)
        if vault.locked:
            return
        for item_id in [i for i in vault.items if i not in entries]:
            vault.items.pop(item_id, None)
            vault.search.pop(item_id, None)
        vault.items.update(changed)
        vault.revisions = dict(entries)
        vault.manifest_revision = revision

    after_commit(session, apply)


def init(session: Session, passphrase: vc.Secret, kdf: vc.KdfParams) -> OpenVault:
    """Create the vault (once); returns it unlocked and empty."""
    if exists(session):
        raise InvalidInputError("A vault already exists; unlock it, or change its passphrase.")
    header, key = vc.create_vault(passphrase, kdf)
    row = HeaderRow()
    _store_header(row, header, utcnow())
    session.add(row)
    vault = OpenVault(
        header.vault_id, key, header_digest=_header_digest(header), manifest_revision=1
    )
    blob = vc.encrypt_manifest(key, header.vault_id, {}, 1)
    session.add(VaultManifest(vault_id=header.vault_id, revision=1, ciphertext=blob))
    session.flush()
    digest = vault_state.digest(blob)
    after_commit(session, lambda: vault_state.remember(header.vault_id, 1, digest))
    return vault


def save_item(
    session: Session, vault: OpenVault, document: dict[str, Any], item_id: str | None = None
) -> str:
    """Add (no id) or replace an item; the manifest moves in the same transaction."""
    document = validate(document)
    locked = _lock(session, vault)
    now = utcnow()
    if item_id is None:
        item_id = secrets.token_hex(16)
        revision = 1
        session.add(
            VaultItem(
                id=item_id,
                vault_id=vault.vault_id,
                revision=revision,
                updated_at=now,
                ciphertext=vc.encrypt_item(vault.key, vault.vault_id, item_id, revision, document),
            )
        )
    else:
        if item_id not in locked.stored:
            raise NotFoundError("That vault item no longer exists; it was deleted elsewhere.")
        if vault.revisions.get(item_id) != locked.stored[item_id]:
            raise ConflictError(
                "This item was changed elsewhere since the vault was opened; nothing was "
                "saved. Lock and unlock the vault to see the change, then edit again."
            )
        row = session.get(VaultItem, item_id)
        assert row is not None  # it is in locked.stored, read in this transaction
        revision = locked.stored[item_id] + 1
        row.revision = revision
        row.updated_at = now
        row.ciphertext = vc.encrypt_item(vault.key, vault.vault_id, item_id, revision, document)
    session.flush()
    entries = {**locked.stored, item_id: revision}
    changed = _fresh_documents(session, vault, locked.stored, {item_id})
    changed[item_id] = document
    _sign(session, vault, locked, entries, changed)
    return item_id


def delete_item(session: Session, vault: OpenVault, item_id: str) -> None:
    locked = _lock(session, vault)
    session.execute(delete(VaultItem).where(VaultItem.id == item_id))
    entries = {i: r for i, r in locked.stored.items() if i != item_id}
    changed = _fresh_documents(session, vault, entries, set())
    _sign(session, vault, locked, entries, changed)


def import_documents(session: Session, vault: OpenVault, documents: Sequence[object]) -> int:
    """Validate every document first (naming the first bad one), then add all in one go."""
    cleaned = [validate_numbered(number, doc) for number, doc in enumerate(documents, 1)]
    return _import(session, vault, cleaned, skip_present=False)[0]


def _identity(document: dict[str, Any]) -> str:
    return json.dumps(document, sort_keys=True, ensure_ascii=False)


def import_new_documents(
    session: Session, vault: OpenVault, documents: Sequence[object]
) -> tuple[int, list[int]]:
    """Like `import_documents`, but leaves out documents the vault already holds exactly (so a
    second run of the same import adds nothing). Returns (added, indexes of those left out);
    what is present is read under the manifest lock, inside this transaction."""
    cleaned = [validate_numbered(number, doc) for number, doc in enumerate(documents, 1)]
    return _import(session, vault, cleaned, skip_present=True)


def present_documents(vault: OpenVault, documents: Sequence[dict[str, Any]]) -> list[int]:
    """Indexes of ``documents`` an open vault already holds (for a dry run; after `refresh`)."""
    have = {_identity(doc) for doc in vault.items.values()}
    return [i for i, doc in enumerate(documents) if _identity(doc) in have]


def _import(
    session: Session, vault: OpenVault, cleaned: list[dict[str, Any]], *, skip_present: bool
) -> tuple[int, list[int]]:
    locked = _lock(session, vault)
    now = utcnow()
    entries = dict(locked.stored)
    fresh = _fresh_documents(session, vault, locked.stored, set())
    present: list[int] = []
    if skip_present:
        current = {i: d for i, d in vault.items.items() if i in locked.stored}
        current.update(fresh)
        have = {_identity(doc) for doc in current.values()}
        for index, document in enumerate(cleaned):
            identity = _identity(document)
            if identity in have:
                present.append(index)
            have.add(identity)  # the same item twice in one file is added once
        skipped = set(present)
        cleaned = [doc for i, doc in enumerate(cleaned) if i not in skipped]
    added: dict[str, dict[str, Any]] = {}
    rows = []
    encrypt, key, vault_id = vc.encrypt_item, vault.key, vault.vault_id
    for document in cleaned:
        item_id = secrets.token_hex(16)
        rows.append(
            {
                "id": item_id,
                "vault_id": vault_id,
                "revision": 1,
                "updated_at": now,
                "ciphertext": encrypt(key, vault_id, item_id, 1, document),
            }
        )
        entries[item_id] = 1
        added[item_id] = document
    if rows:
        session.execute(insert(VaultItem), rows)
    fresh.update(added)
    _sign(session, vault, locked, entries, fresh)
    return len(rows), present


def import_bundle(
    session: Session, vault: OpenVault, data: bytes, passphrase: vc.Secret
) -> tuple[int, int]:
    """(added, already present): items this vault holds exactly are not added twice."""
    added, present = import_new_documents(session, vault, vc.import_bundle(passphrase, data))
    return added, len(present)


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

    The items come from the database, read under the manifest lock, not from memory.
    ``vault`` stays open: lock it once the transaction has committed, and use the returned
    vault from then on (until the commit, the old one is what the database holds).
    """
    row = _header(session)
    vc.unlock(_to_domain(row), passphrase).wipe()  # the passphrase must still be right
    locked = _lock(session, vault)
    reader = vc.ItemReader(vault.key, vault.vault_id)
    try:
        documents = reader.read_many(vault_rows(session, vault.vault_id))
    finally:
        reader.close()
    header, key = vc.create_vault(passphrase, kdf, vault_id=vault.vault_id)
    _store_header(row, header, utcnow())
    fresh = OpenVault(
        vault.vault_id,
        key,
        manifest_revision=locked.revision,
        header_digest=_header_digest(header),
    )
    now = utcnow()
    for item_id, document in documents.items():
        stored = session.get(VaultItem, item_id)
        assert stored is not None  # read in this transaction, under the lock
        revision = locked.stored[item_id] + 1
        stored.revision = revision
        stored.updated_at = now
        stored.ciphertext = vc.encrypt_item(key, vault.vault_id, item_id, revision, document)
        fresh.items[item_id] = document
        fresh.revisions[item_id] = revision
    session.flush()
    _sign(session, fresh, locked, dict(fresh.revisions), dict(fresh.items))
    return fresh


def refresh(session: Session, vault: OpenVault) -> None:
    """Bring an open vault up to what the database holds (after a conflict)."""
    row = _manifest_row(session, vault.vault_id, lock=False)
    if row is None:
        raise vc.ManifestDamaged(f"The vault's manifest is missing; {vc.DAMAGED_HINT}.")
    revision, blob = _manifest_fields(row)
    manifest = vc.decrypt_manifest(vault.key, vault.vault_id, revision, blob)
    stored = _stored_revisions(session, vault.vault_id)
    vc.check_manifest(manifest, stored)
    changed = _fresh_documents(session, vault, stored, set())
    for item_id in [i for i in vault.items if i not in stored]:
        vault.items.pop(item_id, None)
        vault.search.pop(item_id, None)
    vault.items.update(changed)
    vault.revisions = stored
    vault.manifest_revision = revision


# ------------------------------------------------------------------ passphrase change


def checkpoint(store: StoreLike) -> bool:
    """Fold the WAL into the database so an old wrapped key does not linger in -wal.

    False when another connection's read snapshot kept part of the WAL: the wipe is then
    finished at the next ``open_vault``.
    """
    done = store.db.checkpoint()
    vault_state.set_wipe_pending(store.display_url, not done)
    return done


def finish_pending_wipe(store: StoreLike) -> None:
    if store.is_sqlite and vault_state.wipe_pending(store.display_url):
        checkpoint(store)


WIPE_PENDING = (
    "The old passphrase's wrapped key is still in the database's write-ahead log because "
    "another program is reading the database; vadesk wipes it the next time the vault opens."
)


def for_card(
    vault: OpenVault, card_id: int, client: str | None
) -> list[tuple[str, dict[str, Any]]]:
    """Items linked to the card, then the rest of its client's items."""
    linked = [(i, d) for i, d in vault.items.items() if card_id in d.get("cards", [])]
    ids = {i for i, _ in linked}
    rest = [(i, d) for i, d in matching(vault, client=client) if i not in ids] if client else []
    return sorted(linked, key=lambda p: str(p[1].get("name", "")).lower()) + rest


def find_item(vault: OpenVault, ref: str) -> str:
    """The id of the item named by its id, an unambiguous id prefix, or its exact name.

    Like ``bw get`` and ``pass show``: names match case-insensitively; an ambiguous prefix or
    name lists the candidates instead of picking one.
    """
    if ref in vault.items:
        return ref
    by_prefix = [i for i in vault.items if ref and i.startswith(ref.lower())]
    if len(by_prefix) == 1:
        return by_prefix[0]
    wanted = ref.strip().casefold()
    by_name = [i for i, d in vault.items.items() if str(d.get("name", "")).casefold() == wanted]
    if len(by_name) == 1:
        return by_name[0]
    candidates = by_name or by_prefix
    if candidates:
        shown = "; ".join(
            f"{i[:12]} ({clean_text(str(vault.items[i].get('client') or '-'))[:20]}: "
            f"{clean_text(str(vault.items[i].get('name', '')))[:30]})"
            for i in sorted(candidates)[:8]
        )
        raise InvalidInputError(
            f"{clean_text(ref)[:40]!r} matches {len(candidates)} items: {shown}; give an id."
        )
    raise InvalidInputError(
        f"No vault item {clean_text(ref)[:40]!r}; `vadesk vault list` shows ids and names."
    )


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
