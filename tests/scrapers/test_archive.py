"""WARC capture: written from real fetches, read back with warcio, safe against a kill."""

from __future__ import annotations

import base64
import dataclasses
import datetime
import hashlib
import random
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from core.errors import InputError
from core.settings import get_settings
from scrapers.archive import (
    CaptureArchive,
    complete_prefix_length,
    read_capture,
    recover_warc_files,
)
from scrapers.http import FetchResult, PoliteClient
from tests.support.faults import Fault, FaultyReplayServer
from tests.support.mini_site import ENGLISH_PAGE

ClientFactory = Callable[..., PoliteClient]
STATEMENT = "/www.example.gov/statement"


def sha1_digest(data: bytes) -> str:
    return "sha1:" + base64.b32encode(hashlib.sha1(data).digest()).decode("ascii")


def all_records(path: Path) -> list[tuple[str, dict[str, str], bytes, bytes]]:
    """(type, WARC headers, raw payload, decoded payload) per record, digests verified."""
    found = []
    with path.open("rb") as handle:
        for record in ArchiveIterator(handle, check_digests="raise"):
            headers = dict(record.rec_headers.headers)
            raw = record.raw_stream.read()
            found.append((record.rec_type, headers, raw, b""))
    with path.open("rb") as handle:
        decoded = [r.content_stream().read() for r in ArchiveIterator(handle)]
    return [(t, h, raw, body) for (t, h, raw, _), body in zip(found, decoded, strict=True)]


def test_response_and_request_round_trip(
    replay: FaultyReplayServer, make_client: ClientFactory, tmp_path: Path
) -> None:
    result = make_client().fetch(replay.url + STATEMENT)
    with CaptureArchive(tmp_path / "warc") as archive:
        capture = archive.write(result)
    records = all_records(capture.path)
    assert [kind for kind, *_ in records] == ["warcinfo", "response", "request"]
    _, response, raw, body = records[1]
    assert raw == result.raw  # the gzip bytes as they crossed the wire
    assert body == ENGLISH_PAGE  # what the server had to say
    assert response["WARC-Payload-Digest"] == sha1_digest(result.raw) == capture.payload_digest
    assert response["WARC-Record-ID"] == capture.record_id
    assert response["WARC-Target-URI"] == replay.url + STATEMENT
    assert capture.sha256 == hashlib.sha256(ENGLISH_PAGE).hexdigest()
    _, request, _, _ = records[2]
    assert request["WARC-Concurrent-To"] == capture.record_id
    assert request["WARC-Record-ID"] == capture.request_record_id

    headers, read_body = read_capture(capture.path, capture.offset)
    assert read_body == ENGLISH_PAGE
    assert ("Content-Encoding", "gzip") in headers  # original casing kept
    assert dict(headers)["ETag"] == result.etag


def test_warcio_check_accepts_the_file(
    replay: FaultyReplayServer, make_client: ClientFactory, tmp_path: Path
) -> None:
    client = make_client()
    first = client.fetch(replay.url + STATEMENT)
    with CaptureArchive(tmp_path / "warc") as archive:
        archive.write(first)
        capture = archive.write(client.fetch(replay.url + STATEMENT, etag=first.etag))
    warcio = Path(sys.executable).with_name("warcio")
    checked = subprocess.run(
        [str(warcio), "check", "-v", str(capture.path)], capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    headers, body = read_capture(capture.path, capture.offset)
    assert body == b"" and headers  # the 304 is evidence too


def test_redirect_chain_is_kept_as_metadata(
    replay: FaultyReplayServer, make_client: ClientFactory, tmp_path: Path
) -> None:
    replay.faults.once(Fault.redirect("/{host}/statement"), path="/old")
    result = make_client().fetch(replay.url + "/www.example.gov/old")
    with CaptureArchive(tmp_path / "warc") as archive:
        capture = archive.write(result)
    kinds = [(kind, raw) for kind, _, raw, _ in all_records(capture.path)]
    assert kinds[-1][0] == "metadata"
    assert (
        f"302 {replay.url}/www.example.gov/old -> {replay.url}{STATEMENT}" in kinds[-1][1].decode()
    )


def test_dechunked_transfer_encoding_header_is_renamed(tmp_path: Path) -> None:
    result = fake_result(headers=(("Transfer-Encoding", "chunked"), ("Content-Type", "text/plain")))
    with CaptureArchive(tmp_path / "warc") as archive:
        capture = archive.write(result)
    headers, body = read_capture(capture.path, capture.offset)
    assert body == b"hello"
    assert ("X-Clausewatch-Orig-Transfer-Encoding", "chunked") in headers
    assert not any(name.lower() == "transfer-encoding" for name, _ in headers)


def test_files_rotate_by_size(tmp_path: Path) -> None:
    with CaptureArchive(tmp_path / "warc", max_file_bytes=2_000) as archive:
        bodies = [random.Random(n).randbytes(1500) for n in range(3)]  # incompressible
        captures = [archive.write(fake_result(raw=body)) for body in bodies]
    assert len({c.path for c in captures}) == 3
    for body, capture in zip(bodies, captures, strict=True):
        assert read_capture(capture.path, capture.offset).body == body


def test_the_settings_warc_dir_is_under_the_data_dir(_isolated_settings: Path) -> None:
    with CaptureArchive(get_settings().warc_dir) as archive:
        capture = archive.write(fake_result())
    assert capture.path.parent == _isolated_settings / "warc"


def test_bad_locations_raise_input_error(tmp_path: Path) -> None:
    with CaptureArchive(tmp_path / "warc") as archive:
        capture = archive.write(fake_result())
    with pytest.raises(InputError):
        read_capture(capture.path, capture.offset + 7)
    with pytest.raises(InputError):
        read_capture(tmp_path / "missing.warc.gz", 0)
    with pytest.raises(InputError, match="no response record"):
        read_capture(capture.path, 0)  # the warcinfo record


KILLED_WRITER = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    sys.path.insert(0, sys.argv[2])
    from tests.scrapers.test_archive import fake_result
    from scrapers.archive import CaptureArchive
    archive = CaptureArchive(Path(sys.argv[1]))
    capture = archive.write(fake_result(raw=b"kept"))
    print(capture.path, capture.offset, flush=True)
    records, _, _ = archive._build(fake_result(raw=b"lost" * 5000))
    os.write(archive._fd, records[: len(records) // 2])
    os.kill(os.getpid(), signal.SIGKILL)
    """
)


def test_a_killed_writer_leaves_a_file_that_recovery_repairs(tmp_path: Path) -> None:
    directory = tmp_path / "warc"
    done = subprocess.run(
        [sys.executable, "-c", KILLED_WRITER, str(directory), str(Path.cwd())],
        capture_output=True,
        text=True,
        cwd=Path(__file__).parents[2],
    )
    assert done.returncode == -9, done.stderr
    path_text, offset_text = done.stdout.split()
    path, offset = Path(path_text), int(offset_text)
    assert complete_prefix_length(path) < path.stat().st_size  # a torn record at the end

    with CaptureArchive(directory) as archive:  # opening an archive runs the recovery
        assert archive.repaired == [path]
        later = archive.write(fake_result(raw=b"after"))
    assert later.path != path
    assert [kind for kind, *_ in all_records(path)] == ["warcinfo", "response", "request"]
    assert read_capture(path, offset).body == b"kept"
    assert not path.with_name(path.name + ".lock").exists()


def test_recovery_leaves_a_live_writer_alone(tmp_path: Path) -> None:
    with CaptureArchive(tmp_path / "warc") as archive:
        archive.write(fake_result())
        assert recover_warc_files(tmp_path / "warc") == []
        assert archive.current_path is not None
        assert archive.current_path.with_name(archive.current_path.name + ".lock").exists()


def fake_result(
    *,
    raw: bytes = b"hello",
    headers: tuple[tuple[str, str], ...] = (("Content-Type", "text/plain"),),
) -> FetchResult:
    """A FetchResult as if ``raw`` had been fetched plainly from an example URL."""
    result = FetchResult(
        url="http://www.example.gov/a",
        final_url="http://www.example.gov/a",
        status=200,
        reason="OK",
        http_version="HTTP/1.1",
        headers=(*headers, ("Content-Length", str(len(raw)))),
        raw=raw,
        body=raw,
        content_type="text/plain",
        etag=None,
        last_modified=None,
        not_modified=False,
        fetched_at=datetime.datetime(2025, 11, 14, 9, 30, tzinfo=datetime.UTC),
        redirects=(),
        request_line="GET /a HTTP/1.1",
        request_headers=(("Host", "www.example.gov"),),
    )
    return dataclasses.replace(result)
