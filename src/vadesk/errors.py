"""Errors a user can cause or fix; each message is one sentence that says what to do."""


class VadeskError(Exception):
    """Base class: ``str(error)`` is a one-line message fit for a user."""


class ConfigError(VadeskError):
    """The settings file or an option is wrong."""


class DatabaseError(VadeskError):
    """The database cannot be opened or used."""


class DatabaseNewerError(DatabaseError):
    """The database was written by a newer vadesk."""


class NotADatabaseError(DatabaseError):
    """The file is not a vadesk database."""


class NotFoundError(VadeskError):
    """A card, lane, client or entry named by the user does not exist."""


class ConflictError(VadeskError):
    """Someone else changed the record since it was read."""


class InvalidInputError(VadeskError):
    """A value typed or passed by the user is not acceptable."""
