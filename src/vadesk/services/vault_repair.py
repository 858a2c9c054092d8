"""The vault's way back: ``verify`` says what is intact, ``reseal`` re-signs over it.

Tamper detection must not become a lock-out by our own bug (SECURITY.md): verify changes
nothing; reseal re-signs the manifest over the items that decrypt, only if the vault is still
what the user confirmed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete
from sqlalchemy.orm import Session

from vadesk.db.fastread import vault_rows
from vadesk.db.models import VaultItem, VaultManifest
from vadesk.domain import vault_crypto as vc
from vadesk.errors import ConflictError
from vadesk.services import vault_state
from vadesk.services.vault import (
    _header,
    _manifest_fields,
    _manifest_row,
    _stored_revisions,
    _to_domain,
    after_commit,
)


@dataclass(frozen=True)
class ItemCheck:
    """One stored or listed item as ``verify`` found it."""

    item_id: str
    status: str
    """ok, damaged (does not decrypt), missing (listed, not stored), added (stored, not
    listed), rolled back (older than listed), newer (newer than listed), or unlisted (decrypts;
    no readable manifest to check it against)."""
    revision: int | None
    listed: int | None
    kind: str | None = None
    name: str | None = None

    @property
    def decrypts(self) -> bool:
        return self.status not in ("damaged", "missing")


@dataclass(frozen=True)
class VerifyReport:
    vault_id: str
    manifest: str
    """ok, damaged or missing."""
    manifest_revision: int | None
    items: tuple[ItemCheck, ...]

    @property
    def intact(self) -> bool:
        return self.manifest == "ok" and all(i.status == "ok" for i in self.items)

    @property
    def problems(self) -> tuple[ItemCheck, ...]:
        return tuple(i for i in self.items if i.status != "ok")

    def signature(self) -> tuple[Any, ...]:
        """What reseal must find unchanged inside its transaction."""
        return (
            self.manifest,
            self.manifest_revision,
            tuple((i.item_id, i.status, i.revision) for i in self.items),
        )


def _verify(session: Session, vault_id: str, key: vc.DataKey) -> VerifyReport:
    row = session.get(VaultManifest, vault_id, populate_existing=True)
    manifest: dict[str, int] | None = None
    manifest_revision: int | None = None
    state = "missing"
    if row is not None:
        state = "damaged"
        if type(row.revision) is int:
            manifest_revision = row.revision
        try:
            revision, blob = _manifest_fields(row)
            manifest = vc.decrypt_manifest(key, vault_id, revision, blob)
            state = "ok"
        except vc.VaultError:
            manifest = None
    checks: list[ItemCheck] = []
    reader = vc.ItemReader(key, vault_id)
    try:
        for item_id, revision, blob in vault_rows(session, vault_id):
            good_id = type(item_id) is str
            good_revision = revision if type(revision) is int else None
            shown_id = item_id if good_id else vc.short_id(item_id)
            listed = manifest.get(item_id) if manifest is not None and good_id else None
            try:
                document = reader.read(item_id, revision, blob)
            except vc.VaultError:
                checks.append(ItemCheck(shown_id, "damaged", good_revision, listed))
                continue
            if manifest is None:
                status = "unlisted"
            elif listed is None:
                status = "added"
            elif revision < listed:
                status = "rolled back"
            elif revision > listed:
                status = "newer"
            else:
                status = "ok"
            name = document.get("name")
            checks.append(
                ItemCheck(
                    item_id,
                    status,
                    revision,
                    listed,
                    str(document.get("kind")),
                    name if isinstance(name, str) else None,
                )
            )
    finally:
        reader.close()
    stored_ids = {c.item_id for c in checks}
    for item_id, listed in sorted((manifest or {}).items()):
        if item_id not in stored_ids:
            checks.append(ItemCheck(item_id, "missing", None, listed))
    checks.sort(key=lambda c: (c.status == "ok", c.item_id))
    return VerifyReport(vault_id, state, manifest_revision, tuple(checks))


def verify(session: Session, passphrase: vc.Secret) -> VerifyReport:
    """What decrypts, what is missing, added or rolled back; changes nothing."""
    header = _to_domain(_header(session))
    key = vc.unlock(header, passphrase)
    try:
        return _verify(session, header.vault_id, key)
    finally:
        key.wipe()


def reseal(session: Session, passphrase: vc.Secret, expected: VerifyReport) -> VerifyReport:
    """Re-sign the manifest over the items that decrypt; remove the rows that do not.

    ``expected`` is the report the user confirmed; if the vault changed since, nothing is
    written. Call inside a write transaction.
    """
    header = _to_domain(_header(session))
    key = vc.unlock(header, passphrase)
    try:
        _manifest_row(session, header.vault_id, lock=True)
        report = _verify(session, header.vault_id, key)
        if report.signature() != expected.signature():
            raise ConflictError(
                "The vault changed while you were deciding; nothing was resealed. Run it again."
            )
        damaged = [c.item_id for c in report.items if c.status == "damaged"]
        if damaged:
            session.execute(delete(VaultItem).where(VaultItem.id.in_(damaged)))
        stored = _stored_revisions(session, header.vault_id)
        seen = vault_state.seen(header.vault_id)
        revision = max(report.manifest_revision or 0, seen.revision if seen else 0) + 1
        blob = vc.encrypt_manifest(key, header.vault_id, stored, revision)
        row = session.get(VaultManifest, header.vault_id)
        if row is None:
            session.add(VaultManifest(vault_id=header.vault_id, revision=revision, ciphertext=blob))
        else:
            row.revision = revision
            row.ciphertext = blob
        session.flush()
    finally:
        key.wipe()
    digest = vault_state.digest(blob)
    after_commit(
        session, lambda: vault_state.remember(header.vault_id, revision, digest, force=True)
    )
    return report
