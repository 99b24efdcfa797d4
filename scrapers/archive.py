"""WARC/1.1 capture of every fetch: the raw response and the request that produced it.

:class:`CaptureArchive` appends gzip-compressed WARC records (one gzip member per record)
to files under ``settings.warc_dir``. Each writer owns its files — the name carries the
time, the process id and a random tag — and rotates to a new file past ``max_file_bytes``.
What is stored is what crossed the wire: the status line and headers as received (with
their original casing) and the body before content-decoding; only ``Transfer-Encoding`` is
renamed, because httpx hands over de-chunked bytes (ADR 0032).

Crash safety (ADR 0032): a capture's records are built in memory, appended with one
``write`` loop on an ``O_APPEND`` descriptor and ``fsync``-ed before :meth:`write` returns,
so every offset handed out is durable. While a writer has a file open it holds an
``flock`` on ``<file>.lock``; a lock file that nobody holds belongs to a killed writer, and
:func:`recover_warc_files` (run when an archive opens) cuts that file back to its last
complete gzip member and removes the lock. A crash therefore costs at most the capture that
was being written, never the readability of earlier ones.
"""

from __future__ import annotations

import datetime
import fcntl
import hashlib
import io
import os
import secrets
import threading
import zlib
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO, NamedTuple

from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from core.errors import InputError
from scrapers.http import FetchResult

DEFAULT_MAX_FILE_BYTES = 256 * 1024 * 1024
_SOFTWARE = "clausewatch/0.1 (warcio)"


@dataclass(frozen=True)
class ArchivedCapture:
    """Where a capture's response record landed and how to recognise its content."""

    path: Path
    offset: int
    length: int
    sha256: str
    payload_digest: str
    record_id: str
    request_record_id: str


class CaptureRead(NamedTuple):
    """A response record read back: its HTTP headers and its content-decoded body."""

    headers: list[tuple[str, str]]
    body: bytes


def _warc_date(moment: datetime.datetime) -> str:
    utc = moment.astimezone(datetime.UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond:06d}Z"


def _archived_headers(headers: tuple[tuple[str, str], ...]) -> list[tuple[str, str]]:
    # The body we hold is de-chunked; leaving "Transfer-Encoding: chunked" would make WARC
    # readers try to de-chunk it again. The renamed header keeps the evidence.
    return [
        ("X-Clausewatch-Orig-Transfer-Encoding", value)
        if name.lower() == "transfer-encoding"
        else (name, value)
        for name, value in headers
    ]


def complete_prefix_length(path: Path) -> int:
    """Bytes of ``path`` made of complete gzip members (the readable part of a WARC file)."""
    good = 0
    offset = 0
    inflate = zlib.decompressobj(31)
    pending = b""
    with path.open("rb") as handle:
        while True:
            if not pending:
                pending = handle.read(1 << 20)
                if not pending:
                    break
            try:
                inflate.decompress(pending)
            except zlib.error:
                break
            if inflate.eof:
                used = len(pending) - len(inflate.unused_data)
                offset += used
                good = offset
                pending = inflate.unused_data
                inflate = zlib.decompressobj(31)
            else:
                offset += len(pending)
                pending = b""
    return good


def recover_warc_files(directory: Path) -> list[Path]:
    """Cut WARC files left by killed writers back to their complete records; returns them."""
    repaired: list[Path] = []
    if not directory.is_dir():
        return repaired
    for lock_path in sorted(directory.glob("*.warc.gz.lock")):
        warc_path = lock_path.with_suffix("")
        with lock_path.open("a") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue  # a live writer still owns it
            if warc_path.exists():
                keep = complete_prefix_length(warc_path)
                if keep < warc_path.stat().st_size:
                    with warc_path.open("r+b") as handle:
                        handle.truncate(keep)
                        os.fsync(handle.fileno())
                    repaired.append(warc_path)
            lock_path.unlink(missing_ok=True)
    return repaired


class CaptureArchive:
    """Thread-safe writer of WARC/1.1 capture records; raises OSError when the disk fails."""

    def __init__(
        self,
        directory: Path,
        *,
        max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
        prefix: str = "clausewatch",
    ) -> None:
        self.directory = directory
        self.max_file_bytes = max_file_bytes
        self.prefix = prefix
        self._lock = threading.Lock()
        self._fd: int | None = None
        self._lock_handle: IO[str] | None = None
        self._path: Path | None = None
        self._size = 0
        self._captures_in_file = 0
        self.directory.mkdir(parents=True, exist_ok=True)
        self.repaired = recover_warc_files(self.directory)

    def __enter__(self) -> CaptureArchive:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def current_path(self) -> Path | None:
        """The file being appended to, if one is open."""
        return self._path

    def write(self, result: FetchResult) -> ArchivedCapture:
        """Append the response and request records of ``result`` durably; returns where."""
        records, response_length, ids = self._build(result)
        with self._lock:
            full = self._size + len(records) > self.max_file_bytes
            # A capture bigger than the limit still goes into a fresh file rather than nowhere.
            if self._fd is None or (full and self._captures_in_file > 0):
                self._rotate()
            assert self._fd is not None and self._path is not None
            offset = self._size
            self._append(records)
            self._captures_in_file += 1
            path = self._path
        return ArchivedCapture(
            path=path,
            offset=offset,
            length=response_length,
            sha256=hashlib.sha256(result.body).hexdigest(),
            payload_digest=ids[2],
            record_id=ids[0],
            request_record_id=ids[1],
        )

    def close(self) -> None:
        """Close the current file and release its lock (a clean close needs no recovery)."""
        with self._lock:
            self._close_current()

    # -- internals -----------------------------------------------------------------------

    def _build(self, result: FetchResult) -> tuple[bytes, int, tuple[str, str, str]]:
        buffer = io.BytesIO()
        writer = WARCWriter(buffer, gzip=True, warc_version="WARC/1.1")
        date = _warc_date(result.fetched_at)
        protocol = "HTTP/1.1" if result.http_version.upper() != "HTTP/1.0" else "HTTP/1.0"
        response = writer.create_warc_record(
            result.final_url,
            "response",
            payload=io.BytesIO(result.raw),
            length=len(result.raw),
            http_headers=StatusAndHeaders(
                f"{result.status} {result.reason}".strip(),
                _archived_headers(result.headers),
                protocol=protocol,
            ),
            warc_headers_dict={"WARC-Date": date},
        )
        writer.write_record(response)
        response_length = buffer.tell()
        response_id = str(response.rec_headers.get_header("WARC-Record-ID"))
        request = writer.create_warc_record(
            result.final_url,
            "request",
            payload=io.BytesIO(b""),
            length=0,
            http_headers=StatusAndHeaders(
                result.request_line, list(result.request_headers), is_http_request=True
            ),
            warc_headers_dict={"WARC-Date": date, "WARC-Concurrent-To": response_id},
        )
        writer.write_record(request)
        if result.redirects:
            chain = "".join(f"via: {r.status} {r.url} -> {r.location}\n" for r in result.redirects)
            metadata = writer.create_warc_record(
                result.final_url,
                "metadata",
                payload=io.BytesIO(chain.encode("utf-8")),
                length=len(chain.encode("utf-8")),
                warc_content_type="application/warc-fields",
                warc_headers_dict={"WARC-Date": date, "WARC-Concurrent-To": response_id},
            )
            writer.write_record(metadata)
        request_id = str(request.rec_headers.get_header("WARC-Record-ID"))
        digest = str(response.rec_headers.get_header("WARC-Payload-Digest"))
        return buffer.getvalue(), response_length, (response_id, request_id, digest)

    def _rotate(self) -> None:
        self._close_current()
        stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%d%H%M%S")
        name = f"{self.prefix}-{stamp}-{os.getpid()}-{secrets.token_hex(4)}.warc.gz"
        path = self.directory / name
        lock_handle = (self.directory / (name + ".lock")).open("a")
        fcntl.flock(lock_handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        self._lock_handle = lock_handle
        self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_EXCL, 0o644)
        self._path = path
        self._size = 0
        self._captures_in_file = 0
        directory_fd = os.open(self.directory, os.O_RDONLY)
        try:
            os.fsync(directory_fd)
        finally:
            os.close(directory_fd)
        self._append(self._warcinfo(name))

    def _warcinfo(self, name: str) -> bytes:
        buffer = io.BytesIO()
        writer = WARCWriter(buffer, gzip=True, warc_version="WARC/1.1")
        record = writer.create_warcinfo_record(
            name, {"software": _SOFTWARE, "format": "WARC File Format 1.1"}
        )
        writer.write_record(record)
        return buffer.getvalue()

    def _append(self, data: bytes) -> None:
        assert self._fd is not None
        view = memoryview(data)
        while view:
            written = os.write(self._fd, view)
            view = view[written:]
        os.fsync(self._fd)
        self._size += len(data)

    def _close_current(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
        if self._lock_handle is not None:
            lock_path = Path(self._lock_handle.name)
            lock_path.unlink(missing_ok=True)
            self._lock_handle.close()
            self._lock_handle = None


def read_capture(path: Path, offset: int) -> CaptureRead:
    """The HTTP headers and decoded body of the response record at ``offset`` in ``path``;
    raises InputError when the file or record is missing or unreadable."""
    try:
        with Path(path).open("rb") as handle:
            handle.seek(offset)
            record = next(iter(ArchiveIterator(handle)), None)
            if record is None or record.rec_type != "response" or record.http_headers is None:
                raise InputError(f"no response record at offset {offset}", path=str(path))
            headers = [(str(k), str(v)) for k, v in record.http_headers.headers]
            body = record.content_stream().read()
    except OSError as exc:
        raise InputError(f"cannot read WARC file: {exc}", path=str(path)) from exc
    except InputError:
        raise
    except Exception as exc:
        # warcio raises a zoo of types (ArchiveLoadFailed, zlib.error, ValueError) on damage.
        raise InputError(
            f"unreadable WARC record at offset {offset}: {exc}", path=str(path)
        ) from exc
    return CaptureRead(headers=headers, body=bytes(body))
