"""First start and odd places: missing files and folders, read-only places, concurrent starts."""

from __future__ import annotations

from pathlib import Path

import pytest

from vadesk.config import Settings
from vadesk.errors import DatabaseError
from vadesk.services import board
from vadesk.services.store import open_store


def test_read_only_open_of_a_missing_file_is_refused_and_creates_nothing(tmp_path: Path) -> None:
    path = tmp_path / "nowhere" / "vadesk.db"
    with pytest.raises(DatabaseError, match=r"No vadesk database at .*vadesk\.db; check --db"):
        open_store(Settings(user="me"), f"sqlite:///{path}", create=False)
    assert not path.parent.exists()


def test_read_only_open_in_an_existing_folder_leaves_the_folder_empty(tmp_path: Path) -> None:
    with pytest.raises(DatabaseError, match="nothing was created"):
        open_store(Settings(user="me"), f"sqlite:///{tmp_path / 'typo.db'}", create=False)
    assert list(tmp_path.iterdir()) == []


def test_read_only_open_of_an_existing_database_reads_it(sqlite_url: str) -> None:
    store = open_store(Settings(user="me"), sqlite_url)
    with store.write() as s:
        board.create_card(s, "kept")
    store.close()
    again = open_store(Settings(user="me"), sqlite_url, create=False)
    try:
        with again.read() as s:
            assert [c.title for c in board.list_cards(s)] == ["kept"]
    finally:
        again.close()


def test_new_database_in_a_missing_folder_is_refused_not_created(tmp_path: Path) -> None:
    path = tmp_path / "Dcouments" / "vadesk.db"
    with pytest.raises(DatabaseError, match=r"Folder .*Dcouments does not exist") as info:
        open_store(Settings(user="me"), f"sqlite:///{path}")
    assert "\n" not in str(info.value)
    assert not path.parent.exists()


def test_default_database_folder_is_created_on_first_start(isolated_paths: Path) -> None:
    folder = isolated_paths / "xdg_data_home" / "vadesk"
    assert not folder.exists()
    store = open_store(Settings(user="me"))
    try:
        assert store.db.path == folder / "vadesk.db"
        assert store.db.path.exists()
    finally:
        store.close()
