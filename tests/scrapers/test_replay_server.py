"""The replay server on its own, read with the standard library's plain HTTP client."""

from __future__ import annotations

import datetime
import gzip
import hashlib
import http.client
import time
from pathlib import Path

import pytest
import yaml

from clausewatch.demo.replay.server import ReplayServer
from tests.support.faults import Fault, FaultSet, FaultyReplayServer
from tests.support.mini_site import ENGLISH_PAGE, MiniSite


def raw_get(
    server: ReplayServer, path: str, headers: dict[str, str] | None = None
) -> tuple[int, http.client.HTTPMessage, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def test_serves_each_host_under_its_prefix_with_validators(replay: FaultyReplayServer) -> None:
    status, headers, body = raw_get(replay, "/www.example.gov/statement")
    assert status == 200
    assert body == ENGLISH_PAGE
    assert headers["ETag"] == '"' + hashlib.sha256(ENGLISH_PAGE).hexdigest() + '"'
    assert headers["Last-Modified"] == "Fri, 14 Nov 2025 00:00:00 GMT"
    assert replay.base_url("www.example.gov") == f"http://127.0.0.1:{replay.port}/www.example.gov"
    assert replay.request_log == [("GET", "/www.example.gov/statement", 200)]


def test_unknown_page_and_bare_root_are_404(replay: FaultyReplayServer) -> None:
    assert raw_get(replay, "/www.example.gov/nothing-here")[0] == 404
    assert raw_get(replay, "/")[0] == 404


def test_gzip_only_when_the_client_accepts_it(replay: FaultyReplayServer) -> None:
    status, headers, body = raw_get(
        replay, "/www.example.gov/statement", {"Accept-Encoding": "gzip"}
    )
    assert status == 200
    assert headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(body) == ENGLISH_PAGE


@pytest.mark.parametrize(
    ("conditional", "expected"),
    [
        ({"If-None-Match": "MATCHING"}, 304),
        ({"If-None-Match": 'W/"other", MATCHING'}, 304),
        ({"If-None-Match": '"stale"'}, 200),
        ({"If-Modified-Since": "Fri, 14 Nov 2025 00:00:00 GMT"}, 304),
        ({"If-Modified-Since": "Thu, 13 Nov 2025 23:59:59 GMT"}, 200),
        ({"If-None-Match": '"stale"', "If-Modified-Since": "Sat, 15 Nov 2025 00:00:00 GMT"}, 200),
    ],
)
def test_conditional_get(
    replay: FaultyReplayServer, conditional: dict[str, str], expected: int
) -> None:
    etag = raw_get(replay, "/www.example.gov/statement")[1]["ETag"]
    headers = {k: v.replace("MATCHING", etag) for k, v in conditional.items()}
    status, answer, body = raw_get(replay, "/www.example.gov/statement", headers)
    assert status == expected
    if expected == 304:
        assert body == b""
        assert answer["ETag"] == etag


def test_as_of_replays_publication_and_silent_edits(
    site: MiniSite, replay: FaultyReplayServer
) -> None:
    site.put("www.example.gov", "/later", b"<p>first wording</p>", since=datetime.date(2025, 12, 1))
    site.put(
        "www.example.gov", "/later", b"<p>edited wording</p>", since=datetime.date(2025, 12, 9)
    )
    assert raw_get(replay, "/www.example.gov/later")[0] == 404
    replay.as_of = datetime.date(2025, 12, 2)
    assert raw_get(replay, "/www.example.gov/later")[2] == b"<p>first wording</p>"
    replay.as_of = datetime.date(2025, 12, 10)
    assert raw_get(replay, "/www.example.gov/later")[2] == b"<p>edited wording</p>"


def test_fault_budgets_once_n_times_always(replay: FaultyReplayServer) -> None:
    path = "/www.example.gov/statement"
    replay.faults.once(Fault.server_error(), host="www.example.gov")
    assert [raw_get(replay, path)[0] for _ in range(2)] == [500, 200]
    replay.faults.flapping(3, path="/statement")
    assert [raw_get(replay, path)[0] for _ in range(4)] == [503, 503, 503, 200]
    rule = replay.faults.add(Fault.server_error(502))
    assert [raw_get(replay, path)[0] for _ in range(3)] == [502, 502, 502]
    replay.faults.remove(rule)
    assert raw_get(replay, path)[0] == 200


def test_fault_matches_only_its_host_and_path(replay: FaultyReplayServer) -> None:
    replay.faults.add(Fault.server_error(), host="www.example.go.kr", path="/briefing/*")
    assert raw_get(replay, "/www.example.go.kr/briefing/1")[0] == 500
    assert raw_get(replay, "/www.example.gov/statement")[0] == 200


def test_robots_txt_is_exempt_from_other_faults(replay: FaultyReplayServer) -> None:
    replay.faults.add(Fault.server_error())
    assert raw_get(replay, "/robots.txt")[0] == 200
    assert raw_get(replay, "/www.example.gov/robots.txt")[0] == 200
    replay.faults.add(Fault.server_error(503), path="/robots.txt")
    assert raw_get(replay, "/www.example.gov/robots.txt")[0] == 503


def test_robots_disallow_at_root_and_per_host(replay: FaultyReplayServer) -> None:
    assert raw_get(replay, "/robots.txt")[2] == b"User-agent: *\nDisallow:\n"
    replay.faults.add(Fault.robots_disallow(), host="www.example.gov", path="/News/*")
    assert b"Disallow: /www.example.gov/News/*" in raw_get(replay, "/robots.txt")[2]
    assert b"Disallow: /News/*" in raw_get(replay, "/www.example.gov/robots.txt")[2]
    assert b"Disallow: /News" not in raw_get(replay, "/www.example.go.kr/robots.txt")[2]


def test_too_many_requests_carries_retry_after(replay: FaultyReplayServer) -> None:
    replay.faults.once(Fault.too_many_requests("7"))
    status, headers, _ = raw_get(replay, "/www.example.gov/statement")
    assert (status, headers["Retry-After"]) == (429, "7")


def test_truncated_body_declares_more_than_it_sends(replay: FaultyReplayServer) -> None:
    replay.faults.once(Fault.truncated())
    with pytest.raises(http.client.IncompleteRead) as caught:
        raw_get(replay, "/www.example.gov/statement")
    assert 0 < len(caught.value.partial) < len(ENGLISH_PAGE)


def test_wrong_charset_reencodes_and_lies(replay: FaultyReplayServer) -> None:
    replay.faults.once(Fault.wrong_charset(declared="utf-8", actual="cp949"))
    status, headers, body = raw_get(replay, "/www.example.go.kr/briefing/1")
    assert status == 200
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert "핵협의그룹" in body.decode("cp949")
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")


@pytest.mark.parametrize(
    ("fault", "location"),
    [
        (Fault.redirect("http://localhost:{port}/{host}{path}"), "http://localhost:PORT/h/x"),
        (Fault.redirect_private(), "http://169.254.169.254/latest/meta-data/"),
        (Fault.redirect_loop(), "/h/x?_loop=1"),
    ],
)
def test_redirect_faults(
    site: MiniSite, replay: FaultyReplayServer, fault: Fault, location: str
) -> None:
    replay.faults.once(fault)
    status, headers, _ = raw_get(replay, "/h/x")
    assert status == 302
    assert headers["Location"] == location.replace("PORT", str(replay.port))


def test_oversized_and_gzip_bomb_bodies(replay: FaultyReplayServer) -> None:
    replay.faults.once(Fault.oversized(300_000))
    status, headers, body = raw_get(replay, "/www.example.gov/statement")
    assert (status, headers["Content-Length"], len(body)) == (200, "300000", 300_000)
    replay.faults.once(Fault.gzip_bomb(8 * 1024 * 1024))
    status, headers, body = raw_get(replay, "/www.example.gov/statement")
    assert headers["Content-Encoding"] == "gzip"
    assert len(body) < 64 * 1024
    assert len(gzip.decompress(body)) == 8 * 1024 * 1024


def test_stop_releases_a_slow_response_at_once(site: MiniSite) -> None:
    server = FaultyReplayServer(site)
    server.start()
    server.faults.add(Fault.slow(30.0))
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    connection.request("GET", "/www.example.gov/statement")
    response = connection.getresponse()
    assert response.status == 200  # headers arrive before the delay
    started = time.monotonic()
    server.stop()
    assert time.monotonic() - started < 5
    connection.close()


def test_write_sources_file(replay: FaultyReplayServer, tmp_path: Path) -> None:
    written = replay.write_sources_file(
        tmp_path / "conf" / "sources.yaml", {"us-dod": "www.defense.gov"}
    )
    assert yaml.safe_load(written.read_text()) == {
        "us-dod": {"base_url": f"{replay.url}/www.defense.gov"}
    }


def test_fault_set_rejects_an_empty_budget() -> None:
    with pytest.raises(ValueError):
        FaultSet().add(Fault.truncated(), times=0)
