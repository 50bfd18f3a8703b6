"""Start-up checks: a data folder or database that cannot be used stops a server with a line."""

import pytest

from community.db import make_engine
from community.schema import upgrade
from community.settings import load_settings
from community.storage import StorageProblem, check_storage

# Maps a file, truncates it under the mapping and touches the lost page: a real
# SIGBUS, which is how a -shm file the file system cannot back kills a process.
SIGBUS_PROBE = """
import mmap, os, sys
path = sys.argv[1] + "-probe"
with open(path, "wb") as fh:
    fh.write(b"x" * mmap.PAGESIZE)
fd = os.open(path, os.O_RDWR)
mapped = mmap.mmap(fd, mmap.PAGESIZE)
os.ftruncate(fd, 0)
mapped[0] = 1
"""


def settings_in(folder):
    return load_settings({}, data_dir=str(folder), secret_key="k")


def make_database(settings):
    engine = make_engine(settings.effective_database_url)
    upgrade(engine)
    engine.dispose()


def test_a_usable_folder_and_database_pass(tmp_path):
    s = settings_in(tmp_path / "data")
    make_database(s)
    check_storage(s)
    assert sorted(p.name for p in (tmp_path / "data").iterdir() if p.name.startswith(".")) == []


def test_a_data_folder_that_is_a_file_is_refused(tmp_path):
    (tmp_path / "data").write_text("not a folder")
    with pytest.raises(StorageProblem) as info:
        check_storage(settings_in(tmp_path / "data"))
    assert "not writable" in str(info.value) and "\n" not in str(info.value)


def test_an_unusable_shm_file_is_refused_with_the_reason(tmp_path):
    s = settings_in(tmp_path / "data")
    make_database(s)
    shm = tmp_path / "data" / "kith.db-shm"
    shm.unlink(missing_ok=True)
    shm.mkdir()  # where SQLite must map its index
    with pytest.raises(StorageProblem) as info:
        check_storage(s)
    message = str(info.value)
    assert "cannot be used" in message and "\n" not in message


def test_a_crash_of_the_database_check_is_reported_not_suffered(tmp_path):
    s = settings_in(tmp_path / "data")
    with pytest.raises(StorageProblem) as info:
        check_storage(s, probe=SIGBUS_PROBE)
    assert "SIGBUS" in str(info.value) and "-shm" in str(info.value)


def test_too_little_free_space_is_refused(tmp_path):
    s = load_settings({}, data_dir=str(tmp_path / "data"), inbound_max_bytes=2**60)
    with pytest.raises(StorageProblem) as info:
        check_storage(s)
    assert "free" in str(info.value)
