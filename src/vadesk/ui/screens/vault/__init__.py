"""The vault screens: create, unlock, browse, reveal, copy, edit, lock.

One module per part: ``screen`` (the list and details), ``unlock`` (create, unlock, check
and reseal), ``item_form`` (an item and the generator), ``keys`` (passphrase and data key).
"""

from vadesk.ui.screens.vault.common import FIELDS, LABELS, SecretDialog, clear_inputs
from vadesk.ui.screens.vault.item_form import GeneratorScreen, ItemForm
from vadesk.ui.screens.vault.keys import ChangePassphrase, RotateKey
from vadesk.ui.screens.vault.screen import VaultScreen, detail_keys, fingerprint
from vadesk.ui.screens.vault.unlock import PassphraseForm, ResealScreen

__all__ = [
    "FIELDS",
    "LABELS",
    "ChangePassphrase",
    "GeneratorScreen",
    "ItemForm",
    "PassphraseForm",
    "ResealScreen",
    "RotateKey",
    "SecretDialog",
    "VaultScreen",
    "clear_inputs",
    "detail_keys",
    "fingerprint",
]
