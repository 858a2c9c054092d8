"""The vault's envelope: Argon2id-wrapped data key, XChaCha20-Poly1305 items, a manifest.

Pure functions over bytes; no I/O. Every failure is a ``VaultError`` whose message is one
line fit for a user and never contains key material, plaintext or a passphrase.
"""

from __future__ import annotations

import gc
import hmac
import secrets
import string
import struct
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import nacl.exceptions
import nacl.pwhash.argon2id as argon2id
import nacl.secret
import nacl.utils
import orjson
from nacl._sodium import ffi as _ffi
from nacl._sodium import lib as _lib

from vadesk.errors import InvalidInputError, VadeskError

FORMAT_VERSION = 1
SALT_BYTES = argon2id.SALTBYTES  # 16
KEY_BYTES = nacl.secret.Aead.KEY_SIZE  # 32
NONCE_BYTES = nacl.secret.Aead.NONCE_SIZE  # 24
TAG_BYTES = nacl.secret.Aead.MACBYTES  # 16
WRAPPED_KEY_BYTES = NONCE_BYTES + KEY_BYTES + TAG_BYTES
PAD_BLOCK = 256
MIN_ITEM_BYTES = NONCE_BYTES + TAG_BYTES + PAD_BLOCK
MAX_OPS = 10
MAX_MEM = 1024**3
EXPORT_MAGIC = b"VADESK-EXPORT\x00"


class VaultError(VadeskError):
    """Base of every vault failure; str() is the one-line message."""


class WrongPassphrase(VaultError):
    def __init__(self) -> None:
        super().__init__("Wrong passphrase.")


class VaultHeaderInvalid(VaultError):
    pass


class KdfParamsRejected(VaultError):
    pass


DAMAGED_HINT = (
    "`vadesk vault verify` lists what is intact and `vadesk vault reseal` reopens it, "
    "or put back a backup from before the damage with `vadesk restore FILE`"
)
"""What a user can do about a damaged vault (names only commands that exist)."""


def short_id(item_id: object) -> str:
    """An item id fit for a message: the first 12 characters, or a placeholder."""
    return item_id[:12] if isinstance(item_id, str) and item_id.isprintable() else "(bad id)"


class ItemDamaged(VaultError):
    def __init__(self, item_id: object) -> None:
        super().__init__(
            f"Vault item {short_id(item_id)} is damaged or was tampered with; {DAMAGED_HINT}."
        )
        self.item_id = item_id if isinstance(item_id, str) else ""


class ManifestMismatch(VaultError):
    pass


class ManifestDamaged(VaultError):
    pass


class VaultDamaged(VaultError):
    """A header, manifest or item row of the wrong shape or type."""

    def __init__(self, what: str) -> None:
        super().__init__(f"The vault is damaged ({what}); {DAMAGED_HINT}.")


class Secret:
    """A passphrase or decrypted field: ``repr``/``str`` never show it (crash reports do)."""

    __slots__ = ("_value",)
    __hash__ = None  # type: ignore[assignment]

    def __init__(self, value: str | bytes) -> None:
        self._value = value

    def reveal(self) -> str | bytes:
        return self._value

    def text(self) -> str:
        """The value as text (a passphrase typed or read from stdin)."""
        value = self._value
        return value if isinstance(value, str) else value.decode("utf-8", "replace")

    def as_bytes(self) -> bytes:
        value = self._value
        return value.encode("utf-8") if isinstance(value, str) else bytes(value)

    def __repr__(self) -> str:
        return "'***'"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return "***"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Secret):
            return NotImplemented
        return hmac.compare_digest(self.as_bytes(), other.as_bytes())

    def __bool__(self) -> bool:
        return bool(self._value)


@dataclass(frozen=True)
class KdfParams:
    opslimit: int
    memlimit: int

    @classmethod
    def interactive(cls) -> KdfParams:
        return cls(argon2id.OPSLIMIT_INTERACTIVE, argon2id.MEMLIMIT_INTERACTIVE)

    @classmethod
    def moderate(cls) -> KdfParams:
        return cls(argon2id.OPSLIMIT_MODERATE, argon2id.MEMLIMIT_MODERATE)

    def validate(self) -> None:
        """Refuse costs below INTERACTIVE or above 10 ops / 1 GiB, before any work is done."""
        low = KdfParams.interactive()
        if not low.opslimit <= self.opslimit <= MAX_OPS:
            raise KdfParamsRejected(
                f"Vault header asks for {self.opslimit} Argon2id passes (allowed "
                f"{low.opslimit}-{MAX_OPS}); it may have been tampered with."
            )
        if not low.memlimit <= self.memlimit <= MAX_MEM:
            raise KdfParamsRejected(
                f"Vault header asks for {self.memlimit // 1024**2} MiB of Argon2id memory "
                f"(allowed {low.memlimit // 1024**2}-{MAX_MEM // 1024**2}); it may have been "
                "tampered with."
            )


@dataclass(frozen=True)
class VaultHeader:
    """What the database keeps in clear: ids, costs, salt and the wrapped data key."""

    vault_id: str
    format_version: int
    kdf: KdfParams
    salt: bytes
    wrapped_key: bytes

    def __repr__(self) -> str:
        return f"VaultHeader({self.vault_id!r}, v{self.format_version}, {self.kdf})"


class DataKey:
    """The 32-byte data key, in memory only; ``wipe`` zeroes it."""

    __slots__ = ("_box", "_key")

    def __init__(self, key: bytes) -> None:
        self._key = bytearray(key)
        self._box: nacl.secret.Aead | None = None

    def box(self) -> nacl.secret.Aead:
        if self._box is None:
            if not any(self._key):
                raise VaultError("The vault is locked; unlock it first.")
            self._box = nacl.secret.Aead(bytes(self._key))
        return self._box

    def raw(self) -> bytes:
        """The key bytes, for libsodium calls in this module only."""
        if not any(self._key):
            raise VaultError("The vault is locked; unlock it first.")
        return bytes(self._key)

    def wipe(self) -> None:
        self._box = None
        for i in range(len(self._key)):
            self._key[i] = 0

    def __repr__(self) -> str:
        return "DataKey(***)"

    __str__ = __repr__


def _header_ad(vault_id: str, version: int, kdf: KdfParams, salt: bytes) -> bytes:
    return b"|".join(
        [
            b"vadesk-key",
            str(version).encode(),
            vault_id.encode(),
            str(kdf.opslimit).encode(),
            str(kdf.memlimit).encode(),
            salt,
        ]
    )


def _derive(passphrase: Secret, salt: bytes, kdf: KdfParams) -> nacl.secret.Aead:
    key = argon2id.kdf(KEY_BYTES, passphrase.as_bytes(), salt, kdf.opslimit, kdf.memlimit)
    return nacl.secret.Aead(key)


def _wrap(key: bytes, passphrase: Secret, kdf: KdfParams, vault_id: str) -> VaultHeader:
    kdf.validate()
    salt = nacl.utils.random(SALT_BYTES)
    wrapped = _derive(passphrase, salt, kdf).encrypt(
        key, _header_ad(vault_id, FORMAT_VERSION, kdf, salt)
    )
    return VaultHeader(vault_id, FORMAT_VERSION, kdf, salt, bytes(wrapped))


def create_vault(
    passphrase: Secret, kdf: KdfParams | None = None, vault_id: str | None = None
) -> tuple[VaultHeader, DataKey]:
    """A new random data key wrapped under ``passphrase``."""
    key = nacl.utils.random(KEY_BYTES)
    header = _wrap(key, passphrase, kdf or KdfParams.moderate(), vault_id or uuid.uuid4().hex)
    return header, DataKey(key)


def unlock(header: VaultHeader, passphrase: Secret) -> DataKey:
    """Ranges first, then shape, then the (slow) key derivation and unwrap."""
    header.kdf.validate()
    if header.format_version != FORMAT_VERSION:
        raise VaultHeaderInvalid(
            f"Vault format {header.format_version} is unknown to this vadesk; upgrade vadesk."
        )
    if len(header.salt) != SALT_BYTES:
        raise VaultHeaderInvalid(
            "Vault header is damaged (bad salt length); restore a backup (`vadesk restore FILE`)."
        )
    if len(header.wrapped_key) != WRAPPED_KEY_BYTES:
        raise VaultHeaderInvalid(
            "Vault header is damaged (bad key length); restore a backup (`vadesk restore FILE`)."
        )
    try:
        key = _derive(passphrase, header.salt, header.kdf).decrypt(
            header.wrapped_key,
            _header_ad(header.vault_id, header.format_version, header.kdf, header.salt),
        )
    except (nacl.exceptions.CryptoError, ValueError):
        raise WrongPassphrase() from None
    return DataKey(key)


def rewrap(
    header: VaultHeader, old: Secret, new: Secret, kdf: KdfParams | None = None
) -> VaultHeader:
    """Same data key under a new passphrase (and a new salt)."""
    key = unlock(header, old)
    try:
        return _wrap(bytes(key._key), new, kdf or header.kdf, header.vault_id)
    finally:
        key.wipe()


def _pad(data: bytes) -> bytes:
    """ISO/IEC 7816-4 padding to a multiple of PAD_BLOCK, so sizes leak little."""
    data += b"\x80"
    return data + b"\x00" * (-len(data) % PAD_BLOCK)


def _unpad(data: bytes) -> bytes:
    end = data.rstrip(b"\x00")
    if not end.endswith(b"\x80"):
        raise ValueError("bad padding")
    return end[:-1]


def _item_ad(vault_id: str, item_id: str, revision: int) -> bytes:
    return f"vadesk-item|v{FORMAT_VERSION}|{vault_id}|{item_id}|{revision}".encode()


def encrypt_item(
    key: DataKey, vault_id: str, item_id: str, revision: int, document: Mapping[str, Any]
) -> bytes:
    return bytes(key.box().encrypt(_pad(dumps(document)), _item_ad(vault_id, item_id, revision)))


def dumps(value: Any) -> bytes:
    """JSON exactly as unlock will parse it (orjson: no NaN, no lone surrogates)."""
    try:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
    except TypeError:
        raise InvalidInputError(
            "That item holds a value that cannot be stored (text that is not valid Unicode, "
            "or a number out of range); check its fields."
        ) from None


def loads(text: bytes | str) -> Any:
    """The one JSON parser for everything the vault reads (strict; depth-limited by orjson)."""
    return orjson.loads(text)


def _open_xchacha(blob: bytes, ad: bytes, key: bytes) -> bytes:
    """XChaCha20-Poly1305 decrypt through libsodium's C function.

    PyNaCl's Python-level wrapper (argument checks, fresh buffers per call) costs several
    times more than the cipher itself; unlocking 10,000 items must stay under 100 ms.
    Lengths were checked by the caller; a bad tag raises CryptoError like PyNaCl does.
    """
    length = len(blob) - NONCE_BYTES - TAG_BYTES
    out = _ffi.new("unsigned char[]", length)
    out_len = _ffi.new("unsigned long long *")
    rc = _lib.crypto_aead_xchacha20poly1305_ietf_decrypt(
        out,
        out_len,
        _ffi.NULL,
        blob[NONCE_BYTES:],
        len(blob) - NONCE_BYTES,
        ad,
        len(ad),
        blob[:NONCE_BYTES],
        key,
    )
    if rc != 0:
        raise nacl.exceptions.CryptoError("decryption failed")
    return bytes(_ffi.buffer(out, out_len[0]))


@contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection inside: for bulk reads that allocate many acyclic objects.

    Reading 10,000 items creates ~100,000 objects, which would set the collector off over and
    over for nothing (a third of the unlock time here); none of them can form a cycle.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class ItemReader:
    """Decrypts many items of one vault with reused buffers: unlocking 10,000 items is hot.

    Same checks and errors as ``decrypt_item``; orjson parses (several times faster than json).
    """

    def __init__(self, key: DataKey, vault_id: str) -> None:
        self._raw = key.raw()
        self._prefix = f"vadesk-item|v{FORMAT_VERSION}|{vault_id}|".encode()
        self._size = 16384
        self._out = _ffi.new("unsigned char[]", self._size)
        self._out_len = _ffi.new("unsigned long long *")

    def read(self, item_id: str, revision: int, blob: bytes) -> dict[str, Any]:
        return self.read_many([(item_id, revision, blob)])[item_id]

    def read_many(self, rows: Sequence[tuple[str, int, bytes]]) -> dict[str, dict[str, Any]]:
        """Every row's document by item id; the first damaged item raises ``ItemDamaged``.

        One tight loop (no call per item beyond libsodium's), then the JSON texts are parsed
        as one array: one orjson call instead of 10,000 saves a quarter of the time. Each
        text is one object we wrote, so the array has exactly one dict per row; anything else
        (only possible with the key) falls back to per-item parsing, which names the item.
        """
        decrypt, buffer, null = (
            _lib.crypto_aead_xchacha20poly1305_ietf_decrypt,
            _ffi.buffer,
            _ffi.NULL,
        )
        prefix, raw, out_len = self._prefix, self._raw, self._out_len
        texts: list[bytes] = []
        append = texts.append
        for item_id, revision, blob in rows:
            if type(blob) is not bytes or type(revision) is not int or type(item_id) is not str:
                raise ItemDamaged(item_id)
            size = len(blob) - NONCE_BYTES - TAG_BYTES
            if size < PAD_BLOCK or size % PAD_BLOCK:
                raise ItemDamaged(item_id)
            if size > self._size:
                self._size = size
                self._out = _ffi.new("unsigned char[]", size)
            ad = prefix + f"{item_id}|{revision}".encode()
            if decrypt(
                self._out,
                out_len,
                null,
                blob[NONCE_BYTES:],
                size + TAG_BYTES,
                ad,
                len(ad),
                blob[:NONCE_BYTES],
                raw,
            ):
                raise ItemDamaged(item_id)
            try:
                append(_unpad(buffer(self._out, out_len[0])[:]))
            except ValueError:
                raise ItemDamaged(item_id) from None
        try:
            documents = orjson.loads(b"[" + b",".join(texts) + b"]")
        except orjson.JSONDecodeError:
            documents = None
        if (
            type(documents) is list
            and len(documents) == len(rows)
            and all(type(d) is dict for d in documents)
        ):
            return {row[0]: document for row, document in zip(rows, documents, strict=True)}
        result = {}
        for (item_id, _, _), text in zip(rows, texts, strict=True):
            try:
                document = orjson.loads(text)
            except orjson.JSONDecodeError:
                raise ItemDamaged(item_id) from None
            if type(document) is not dict:
                raise ItemDamaged(item_id)
            result[item_id] = document
        return result

    def close(self) -> None:
        self._raw = b""
        _ffi.memmove(self._out, bytes(self._size), self._size)


def decrypt_item(
    key: DataKey | bytes, vault_id: str, item_id: str, revision: int, blob: bytes
) -> dict[str, Any]:
    """One item; ``key`` may be the raw key when decrypting many in a row."""
    raw = key if isinstance(key, bytes) else key.raw()
    if type(blob) is not bytes or type(revision) is not int or type(item_id) is not str:
        raise ItemDamaged(item_id)
    # PyNaCl raises ValueError, not CryptoError, on some short inputs: check length first.
    if len(blob) < MIN_ITEM_BYTES or (len(blob) - NONCE_BYTES - TAG_BYTES) % PAD_BLOCK:
        raise ItemDamaged(item_id)
    try:
        plain = _open_xchacha(blob, _item_ad(vault_id, item_id, revision), raw)
        document = loads(_unpad(plain))
    except (nacl.exceptions.CryptoError, ValueError):
        raise ItemDamaged(item_id) from None
    if not isinstance(document, dict):
        raise ItemDamaged(item_id)
    return document


def _manifest_ad(vault_id: str, revision: int) -> bytes:
    return f"vadesk-manifest|v{FORMAT_VERSION}|{vault_id}|{revision}".encode()


def encrypt_manifest(
    key: DataKey, vault_id: str, entries: Mapping[str, int], manifest_revision: int
) -> bytes:
    plain = dumps(dict(entries))
    return bytes(key.box().encrypt(_pad(plain), _manifest_ad(vault_id, manifest_revision)))


def decrypt_manifest(
    key: DataKey, vault_id: str, manifest_revision: int, blob: bytes
) -> dict[str, int]:
    damaged = ManifestDamaged(
        f"The vault's manifest is damaged or was tampered with; {DAMAGED_HINT}."
    )
    if type(blob) is not bytes or type(manifest_revision) is not int or len(blob) < MIN_ITEM_BYTES:
        raise damaged
    try:
        plain = key.box().decrypt(blob, _manifest_ad(vault_id, manifest_revision))
        entries = loads(_unpad(plain))
    except (nacl.exceptions.CryptoError, ValueError):
        raise damaged from None
    if type(entries) is not dict or not all(
        type(k) is str and type(v) is int for k, v in entries.items()
    ):
        raise damaged
    return entries


def check_manifest(manifest: Mapping[str, int], stored: Mapping[str, int]) -> None:
    """Items deleted, added or rolled back behind vadesk's back are named, not accepted."""
    if manifest == stored:  # the everyday case, in a fraction of a millisecond
        return
    missing = sorted(set(manifest) - set(stored))
    extra = sorted(set(stored) - set(manifest))
    older = sorted(i for i in set(manifest) & set(stored) if stored[i] < manifest[i])
    newer = sorted(i for i in set(manifest) & set(stored) if stored[i] > manifest[i])
    problems = []
    if missing:
        problems.append(f"{len(missing)} item(s) deleted behind vadesk's back ({_ids(missing)})")
    if extra:
        problems.append(f"{len(extra)} unknown item(s) added ({_ids(extra)})")
    if older:
        problems.append(f"{len(older)} item(s) rolled back to an old version ({_ids(older)})")
    if newer:
        problems.append(f"{len(newer)} item(s) newer than the manifest ({_ids(newer)})")
    if problems:
        raise ManifestMismatch(
            "Vault tampering detected: "
            + "; ".join(problems)
            + f". Nothing was changed; {DAMAGED_HINT}."
        )


def _ids(ids: list[str]) -> str:
    return ", ".join(short_id(i) for i in ids[:5]) + (" …" if len(ids) > 5 else "")


def export_bundle(
    passphrase: Secret, documents: list[dict[str, Any]], kdf: KdfParams | None = None
) -> bytes:
    """A self-contained encrypted file of some items, under its own passphrase."""
    kdf = kdf or KdfParams.moderate()
    kdf.validate()
    salt = nacl.utils.random(SALT_BYTES)
    head = EXPORT_MAGIC + struct.pack(">BIQ", FORMAT_VERSION, kdf.opslimit, kdf.memlimit) + salt
    plain = dumps(documents)
    return head + bytes(_derive(passphrase, salt, kdf).encrypt(_pad(plain), head))


def import_bundle(passphrase: Secret, data: bytes) -> list[Any]:
    """The documents of an export file, parsed strictly; the caller validates each one."""
    head_len = len(EXPORT_MAGIC) + struct.calcsize(">BIQ") + SALT_BYTES
    if len(data) < head_len + MIN_ITEM_BYTES or not data.startswith(EXPORT_MAGIC):
        raise VaultHeaderInvalid("Not a vadesk export file.")
    version, ops, mem = struct.unpack(">BIQ", data[len(EXPORT_MAGIC) : head_len - SALT_BYTES])
    if version != FORMAT_VERSION:
        raise VaultHeaderInvalid(f"Export format {version} is unknown to this vadesk.")
    kdf = KdfParams(ops, mem)
    kdf.validate()
    salt, head = data[head_len - SALT_BYTES : head_len], data[:head_len]
    try:
        plain = _derive(passphrase, salt, kdf).decrypt(data[head_len:], head)
    except (nacl.exceptions.CryptoError, ValueError):
        raise WrongPassphrase() from None
    try:
        documents = loads(_unpad(plain))
    except ValueError as error:
        reason = str(error).splitlines()[0][:80] if str(error) else "not JSON"
        raise VaultHeaderInvalid(
            f"The export file holds no valid JSON ({reason}); nothing was imported."
        ) from None
    if type(documents) is not list:
        raise VaultHeaderInvalid("The export file holds no list of items; nothing was imported.")
    return documents


# ------------------------------------------------------------------ helpers for the UI


def luhn_valid(number: str) -> bool:
    digits = [c for c in number if c.isdigit()]
    if len(digits) < 12 or len(digits) > 19 or any(c not in "0123456789 -" for c in number):
        return False
    total = 0
    for i, c in enumerate(reversed(digits)):
        d = int(c)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def mask_card_number(number: str) -> str:
    digits = "".join(c for c in number if c.isdigit())
    return "•••• •••• •••• " + digits[-4:] if len(digits) >= 4 else "••••"


def generate_password(
    length: int = 20,
    *,
    lower: bool = True,
    upper: bool = True,
    digits: bool = True,
    symbols: bool = True,
) -> str:
    classes = [
        alphabet
        for alphabet, wanted in (
            (string.ascii_lowercase, lower),
            (string.ascii_uppercase, upper),
            (string.digits, digits),
            ("!#$%&*+-=?@^_~", symbols),
        )
        if wanted
    ]
    if not classes:
        raise ValueError("choose at least one kind of character")
    if length < len(classes):
        raise ValueError("too short for the chosen kinds of character")
    everything = "".join(classes)
    chars = [secrets.choice(alphabet) for alphabet in classes]
    chars += [secrets.choice(everything) for _ in range(length - len(chars))]
    secrets.SystemRandom().shuffle(chars)
    return "".join(chars)


WORDS = tuple(
    """able acid aged also area army away baby back ball band bank base bath bear beat been
    beer bell belt best bike bird blow blue boat body bomb bone book boom born boss both bowl
    bulk burn bush busy cake call calm came camp card care cart case cash cast cell chat chip
    city clay club coal coat code cold come cook cool cope copy core corn cost crew crop dark
    data date dawn days dead deal dear debt deep deny desk dial diet disc dish dock does done
    door dose down draw drew drop drum dual duck duke dust duty each earn ease east easy edge
    else even ever exit face fact fair fall farm fast fate fear feed feel feet fell felt file
    fill film find fine fire firm fish five flat flow food foot ford form fort four free frog
    from fuel full fund gain game gate gave gear gift girl give glad goal goes gold golf gone
    good gray grew grey grow gulf hair half hall hand hang hard harm hate have head hear heat
    held hell help herb here hero hill hint hire hold hole holy home hope horn host hour huge
    hung hunt hurt idea inch into iron item jazz join joke jump jury just keen keep kept kick
    kind king kiss knee knew know lack lady laid lake lamp land lane last late lawn lead leaf
    lean left lend lens less life lift like lime line link lion list live load loan lock long
    look lord lose loss lost loud love luck made mail main make male mall many mark mass meal
    mean meat meet menu mere mild milk mill mind mine mint miss mode mood moon more most move
    much must name navy near neck need news next nice nine none nose note odds okay once only
    open oral over pace pack page paid pain pair palm park part pass past path peak pick pink
    pipe plan play plot plug plus poem poet pole poll pond pool poor port pose post pour pray
    pull pure push quit race rail rain rank rare rate read real rear rely rent rest rice rich
    ride ring rise risk road rock role roll roof room root rope rose rule rush safe said sake
    sale salt same sand save seat seed seek seem seen self sell send sent ship shoe shop shot
    show shut sick side sign silk sing sink site size skin slip slow snow soft soil sold sole
    some song soon sort soul spin spot star stay step stop such suit sure swim tail take tale
    talk tall tank tape task team tear tech tell tend tent term test text than that them then
    they thin this tide tile time tiny tone tool tour town tree trip true tube tune turn twin
    type unit upon used user vast very vote wage wait wake walk wall want warm wash wave ways
    weak wear week well went were west what when whom wide wife wild will wind wine wing wire
    wise wish with wolf wood wool word wore work yard yarn year yoga zero zone""".split()  # noqa: SIM905
)


def generate_passphrase(words: int = 5, separator: str = "-") -> str:
    if words < 1:
        raise ValueError("at least one word")
    return separator.join(secrets.choice(WORDS) for _ in range(words))
