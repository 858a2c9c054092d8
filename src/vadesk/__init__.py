"""vadesk: a terminal workspace for freelance virtual assistants."""

__version__ = "0.1.0"
