"""The polite client against a real replay server on loopback, one fault at a time."""

from __future__ import annotations

import datetime
import email.utils
import gzip
import itertools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest

from clausewatch.demo.replay.server import ReplayServer
from core.charset import decode_text
from core.errors import ConfigError, FetchError, RefusedError
from core.settings import get_settings
from scrapers.http import (
    HostEntry,
    HostRateLimiter,
    PoliteClient,
    is_public_address,
    resolve_addresses,
)
from tests.support.faults import Fault, FaultyReplayServer
from tests.support.mini_site import ENGLISH_PAGE, KOREAN_TEXT, MiniSite, SleepRecorder

ClientFactory = Callable[..., PoliteClient]
STATEMENT = "/www.example.gov/statement"
BRIEFING = "/www.example.go.kr/briefing/1"


def page_requests(replay: FaultyReplayServer) -> list[tuple[str, str, int]]:
    return [entry for entry in replay.request_log if not entry[1].endswith("robots.txt")]


# -- the ordinary path ---------------------------------------------------------------------


def test_fetch_keeps_wire_bytes_decoded_body_and_request(
    replay: FaultyReplayServer, make_client: ClientFactory
) -> None:
    result = make_client(user_agent="cw-test/1").fetch(replay.url + STATEMENT, source="test")
    assert (result.status, result.content_type) == (200, "text/html")
    assert result.body == ENGLISH_PAGE
    assert result.header("content-encoding") == "gzip"
    assert result.raw != result.body and gzip.decompress(result.raw) == result.body
    assert result.etag and result.last_modified == "Fri, 14 Nov 2025 00:00:00 GMT"
    assert result.request_line == "GET /www.example.gov/statement HTTP/1.1"
    assert ("User-Agent", "cw-test/1") in result.request_headers
    sent = dict(replay.request_records[-1].headers)
    assert sent["User-Agent"] == "cw-test/1"
    assert result.source == "test" and not result.not_modified and result.redirects == ()


@pytest.mark.parametrize("validator", ["etag", "last_modified"])
def test_conditional_get_returns_not_modified_without_body(
    replay: FaultyReplayServer, make_client: ClientFactory, validator: str
) -> None:
    client = make_client()
    first = client.fetch(replay.url + STATEMENT)
    again = client.fetch(replay.url + STATEMENT, **{validator: getattr(first, validator)})
    assert again.status == 304 and again.not_modified
    assert (again.body, again.raw) == (b"", b"")
    assert page_requests(replay)[-1] == ("GET", STATEMENT, 304)


def test_changed_page_answers_200_to_a_stale_validator(
    site: MiniSite, replay: FaultyReplayServer, make_client: ClientFactory
) -> None:
    client = make_client()
    first = client.fetch(replay.url + STATEMENT)
    site.put("www.example.gov", "/statement", b"<p>edited</p>", since=datetime.date(2025, 11, 10))
    again = client.fetch(replay.url + STATEMENT, etag=first.etag)
    assert again.status == 200 and again.body == b"<p>edited</p>" and again.etag != first.etag


def test_pdf_is_accepted_and_left_undecoded(
    replay: FaultyReplayServer, make_client: ClientFactory
) -> None:
    result = make_client().fetch(replay.url + "/www.example.gov/file.pdf")
    assert result.content_type == "application/pdf"
    assert result.body.startswith(b"%PDF-")


def test_other_content_types_are_refused(
    site: MiniSite, replay: FaultyReplayServer, make_client: ClientFactory
) -> None:
    site.put("www.example.gov", "/logo.png", b"\x89PNG....", content_type="image/png")
    with pytest.raises(FetchError, match="refused content type image/png"):
        make_client().fetch(replay.url + "/www.example.gov/logo.png")


def test_client_errors_are_not_retried(
    replay: FaultyReplayServer, make_client: ClientFactory
) -> None:
    with pytest.raises(FetchError) as caught:
        make_client().fetch(replay.url + "/www.example.gov/missing")
    assert caught.value.status == 404
    assert page_requests(replay) == [("GET", "/www.example.gov/missing", 404)]


# -- retries -------------------------------------------------------------------------------


def test_server_errors_retry_with_growing_backoff_then_give_up(
    replay: FaultyReplayServer, make_client: ClientFactory, sleeps: SleepRecorder
) -> None:
    replay.faults.add(Fault.server_error(), path="/statement")
    with pytest.raises(FetchError, match="HTTP 500 after 4 attempts") as caught:
        make_client(max_retries=3, backoff_base=0.01).fetch(replay.url + STATEMENT)
    assert caught.value.status == 500
    assert [status for _, _, status in page_requests(replay)] == [500] * 4
    # Equal jitter: attempt n waits between half and all of base * 2**n.
    for attempt, wait in enumerate(sleeps.waits):
        assert 0.01 * 2**attempt / 2 <= wait <= 0.01 * 2**attempt
    assert len(sleeps.waits) == 3


def test_flapping_host_succeeds_after_its_failures(
    replay: FaultyReplayServer, make_client: ClientFactory
) -> None:
    replay.faults.flapping(2, path="/statement")
    result = make_client(max_retries=2).fetch(replay.url + STATEMENT)
    assert result.status == 200
    assert [status for _, _, status in page_requests(replay)] == [503, 503, 200]


def test_retry_after_seconds_is_honoured(
    replay: FaultyReplayServer, make_client: ClientFactory, sleeps: SleepRecorder
) -> None:
    replay.faults.once(Fault.too_many_requests("3"), path="/statement")
    assert make_client().fetch(replay.url + STATEMENT).status == 200
    assert sleeps.waits == [3.0]


def test_retry_after_http_date_is_honoured(
    replay: FaultyReplayServer, make_client: ClientFactory, sleeps: SleepRecorder
) -> None:
    later = datetime.datetime.now(datetime.UTC) + datetime.timedelta(seconds=30)
    replay.faults.once(Fault.too_many_requests(email.utils.format_datetime(later, usegmt=True)))
    make_client().fetch(replay.url + STATEMENT)
    assert len(sleeps.waits) == 1 and 25 <= sleeps.waits[0] <= 30


def test_retry_after_beyond_the_cap_gives_up_at_once(
    replay: FaultyReplayServer, make_client: ClientFactory, sleeps: SleepRecorder
) -> None:
    replay.faults.add(Fault.too_many_requests("3600"), path="/statement")
    with pytest.raises(FetchError, match="retry after 3600 s") as caught:
        make_client(retry_after_cap=60).fetch(replay.url + STATEMENT)
    assert caught.value.status == 429
    assert sleeps.waits == [] and len(page_requests(replay)) == 1


@pytest.mark.parametrize(
    ("fault", "error"),
    [(Fault.slow(5.0), "ReadTimeout"), (Fault.truncated(), "RemoteProtocolError")],
)
def test_slow_and_truncated_responses_are_retried(
    replay: FaultyReplayServer, make_client: ClientFactory, fault: Fault, error: str
) -> None:
    replay.faults.once(fault, path="/statement")
    assert make_client(read_timeout=0.2).fetch(replay.url + STATEMENT).body == ENGLISH_PAGE
    replay.faults.add(fault, path="/statement")
    with pytest.raises(FetchError, match=f"{error} after 2 attempts"):
        make_client(read_timeout=0.2, max_retries=1).fetch(replay.url + STATEMENT)


def test_connection_refused_is_retried_then_reported(make_client: ClientFactory) -> None:
    with FaultyReplayServer(MiniSite()) as gone:
        url = gone.url + STATEMENT
    with pytest.raises(FetchError, match="ConnectError after 3 attempts"):
        make_client(respect_robots=False).fetch(url)


# -- bodies --------------------------------------------------------------------------------


@pytest.mark.parametrize("declare_length", [True, False])
def test_oversized_body_is_refused(
    replay: FaultyReplayServer, make_client: ClientFactory, declare_length: bool
) -> None:
    replay.faults.add(Fault.oversized(2_000_000, declare_length=declare_length), path="/statement")
    with pytest.raises(FetchError, match=r"(exceeds|larger than) .*65536"):
        make_client(max_body_bytes=65536).fetch(replay.url + STATEMENT)


def test_gzip_bomb_is_stopped_while_inflating(
    replay: FaultyReplayServer, make_client: ClientFactory
) -> None:
    replay.faults.add(Fault.gzip_bomb(32 * 1024 * 1024), path="/statement")
    with pytest.raises(FetchError, match="after decompression"):
        make_client(max_body_bytes=1024 * 1024).fetch(replay.url + STATEMENT)


@pytest.mark.parametrize(
    ("declared", "actual", "encoding"),
    [("utf-8", "cp949", "cp949"), ("euc-kr", "utf-8", "utf-8"), ("iso-8859-1", "cp949", "cp949")],
)
def test_wrong_declared_charset_still_reads_korean(
    replay: FaultyReplayServer,
    make_client: ClientFactory,
    declared: str,
    actual: str,
    encoding: str,
) -> None:
    replay.faults.once(Fault.wrong_charset(declared=declared, actual=actual))
    result = make_client().fetch(replay.url + BRIEFING)
    # The client hands over the bytes; parsing reads them by their content.
    decoded = decode_text(result.body)
    assert KOREAN_TEXT in decoded.text
    assert decoded.codec == encoding


# -- refusals ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url", ["http://elsewhere.example/x", "file:///etc/passwd", "ftp://127.0.0.1/x", "http:///x"]
)
def test_urls_outside_the_allowlist_are_refused_before_any_request(
    replay: FaultyReplayServer, make_client: ClientFactory, url: str
) -> None:
    with pytest.raises(RefusedError) as caught:
        make_client().fetch(url)
    assert caught.value.exit_code == 2
    assert replay.request_log == []


def test_loopback_is_refused_unless_trusted(
    replay: FaultyReplayServer, make_client: ClientFactory
) -> None:
    with pytest.raises(RefusedError, match=r"resolves to a refused address 127\.0\.0\.1"):
        make_client(trusted_hosts=[]).fetch(replay.url + STATEMENT)
    assert replay.request_log == []


def test_allowed_hosts_setting_trusts_loopback(
    replay: FaultyReplayServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLAUSEWATCH_ALLOWED_HOSTS", f"{replay.allowed_host}, other.example")
    monkeypatch.setenv("CLAUSEWATCH_RATE_LIMIT_PER_HOST", "1000")
    get_settings.cache_clear()
    with PoliteClient.from_settings(get_settings()) as client:
        assert client.fetch(replay.url + STATEMENT).status == 200


def test_redirect_to_another_host_is_checked_against_the_allowlist(
    replay: FaultyReplayServer, make_client: ClientFactory
) -> None:
    to_localhost = Fault.redirect("http://localhost:{port}/{host}{path}")
    replay.faults.add(to_localhost, host="www.example.gov")
    with pytest.raises(RefusedError, match="host localhost is not an allowed"):
        make_client().fetch(replay.url + STATEMENT)
    assert page_requests(replay) == [("GET", STATEMENT, 302)]

    # The same redirect followed once the operator allows the other host.
    replay.faults.clear()
    replay.faults.once(to_localhost)
    result = make_client(trusted_hosts=[replay.allowed_host, f"localhost:{replay.port}"]).fetch(
        replay.url + STATEMENT
    )
    assert result.final_url == f"http://localhost:{replay.port}{STATEMENT}"
    assert [(r.status, r.location) for r in result.redirects] == [(302, result.final_url)]
    assert result.body == ENGLISH_PAGE


def test_redirect_to_a_metadata_address_is_refused_without_connecting(
    replay: FaultyReplayServer, make_client: ClientFactory
) -> None:
    replay.faults.add(Fault.redirect_private("http://169.254.169.254/latest/meta-data/"))
    with pytest.raises(RefusedError, match=r"169\.254\.169\.254 is not an allowed"):
        make_client().fetch(replay.url + STATEMENT)
    # Even when a misconfigured source lists the address, the address policy still refuses,
    # and it does so before dialling: a connect attempt would end as a ConnectTimeout.
    client = make_client(
        allowed_hosts=[replay.allowed_host, "169.254.169.254"], connect_timeout=0.2
    )
    with pytest.raises(RefusedError, match=r"resolves to a refused address 169\.254\.169\.254"):
        client.fetch(replay.url + STATEMENT)


def test_a_name_resolving_to_a_private_address_is_refused(
    replay: FaultyReplayServer, make_client: ClientFactory
) -> None:
    asked: list[str] = []

    def resolver(host: str, port: int) -> list[str]:
        asked.append(host)
        return ["10.0.0.1"] if host == "intranet.example" else resolve_addresses(host, port)

    replay.faults.add(Fault.redirect_private("http://intranet.example/secret"))
    client = make_client(allowed_hosts=[replay.allowed_host, "intranet.example"], resolver=resolver)
    with pytest.raises(RefusedError, match=r"intranet\.example resolves to a refused address 10"):
        client.fetch(replay.url + STATEMENT)
    assert "intranet.example" in asked


def test_redirect_loop_is_detected(replay: FaultyReplayServer, make_client: ClientFactory) -> None:
    replay.faults.add(Fault.redirect_loop(), path="/statement*")
    with pytest.raises(FetchError, match="redirect loop"):
        make_client().fetch(replay.url + STATEMENT)
    assert len(page_requests(replay)) == 2


def test_redirect_chains_are_bounded(
    replay: FaultyReplayServer, make_client: ClientFactory
) -> None:
    replay.faults.add(Fault.redirect("/{host}/hop1"), path="/statement")
    replay.faults.add(Fault.redirect("/{host}/hop2"), path="/hop1")
    replay.faults.add(Fault.redirect("/{host}/hop3"), path="/hop2")
    with pytest.raises(FetchError, match="more than 2 redirects"):
        make_client(max_redirects=2).fetch(replay.url + STATEMENT)
    assert len(page_requests(replay)) == 3


def test_robots_disallow_refuses_and_is_cached_per_origin(
    replay: FaultyReplayServer, make_client: ClientFactory
) -> None:
    replay.faults.add(Fault.robots_disallow(), host="www.example.gov", path="/statement")
    client = make_client()
    with pytest.raises(RefusedError, match=r"robots\.txt disallows"):
        client.fetch(replay.url + STATEMENT)
    assert client.fetch(replay.url + BRIEFING).status == 200
    assert replay.request_log == [("GET", "/robots.txt", 200), ("GET", BRIEFING, 200)]


def test_unavailable_robots_fails_the_fetch_without_caching(
    replay: FaultyReplayServer, make_client: ClientFactory
) -> None:
    rule = replay.faults.add(Fault.server_error(), path="/robots.txt")
    client = make_client(max_retries=0)
    with pytest.raises(FetchError, match=r"robots\.txt unavailable"):
        client.fetch(replay.url + STATEMENT)
    replay.faults.remove(rule)
    assert client.fetch(replay.url + STATEMENT).status == 200


# -- politeness ----------------------------------------------------------------------------


def test_rate_limit_spaces_concurrent_requests_to_one_host(
    replay: FaultyReplayServer, make_client: ClientFactory
) -> None:
    limiter = HostRateLimiter(20)  # one request every 50 ms
    clients = [make_client(rate_limiter=limiter) for _ in range(2)]
    urls = [replay.url + STATEMENT, replay.url + BRIEFING] * 3
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda i: clients[i % 2].fetch(urls[i]), range(len(urls))))
    arrivals = sorted(record.at for record in replay.request_records)
    assert len(arrivals) == 8  # two robots.txt (one per client) and six pages
    # Slots sit on a fixed 50 ms grid. A loaded machine can delay any arrival, the first
    # one included, so only the spread is checked: eight requests need seven intervals
    # (350 ms) with a limiter and a few milliseconds without one. The slack absorbs a
    # first arrival that is up to 60 ms late.
    assert arrivals[-1] - arrivals[0] >= 0.05 * 7 - 0.06


@pytest.mark.parametrize(
    ("calls", "expected_waits"),
    [
        ([("a", 0.0), ("a", 0.0), ("a", 0.0)], [0.0, 0.5, 1.0]),
        ([("a", 0.0), ("b", 0.0), ("a", 0.2)], [0.0, 0.0, 0.3]),
        ([("a", 0.0), ("a", 2.0)], [0.0, 0.0]),
    ],
)
def test_rate_limiter_reserves_slots_per_host(
    calls: list[tuple[str, float]], expected_waits: list[float]
) -> None:
    now = [0.0]
    limiter = HostRateLimiter(2, clock=lambda: now[0], sleep=lambda _s: None)
    waits = []
    for host, at in calls:
        now[0] = at
        waits.append(limiter.wait(host))
    assert waits == pytest.approx(expected_waits)


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("8.8.8.8", True),
        ("2001:4860:4860::8888", True),
        ("127.0.0.1", False),
        ("10.0.0.1", False),
        ("172.16.5.4", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),
        ("100.64.0.1", False),
        ("0.0.0.0", False),
        ("224.0.0.1", False),
        ("::1", False),
        ("fe80::1", False),
        ("fc00::1", False),
        ("::ffff:10.0.0.1", False),
    ],
)
def test_is_public_address(address: str, public: bool) -> None:
    assert is_public_address(address) is public


def test_refusals_name_the_url_and_source(
    replay: FaultyReplayServer, make_client: ClientFactory
) -> None:
    url = replay.url + STATEMENT
    with pytest.raises(RefusedError) as caught:
        make_client(trusted_hosts=[]).fetch(url, source="us-dod")
    assert (caught.value.url, caught.value.source) == (url, "us-dod")
    assert str(caught.value).endswith(f"(us-dod, {url})")


@pytest.mark.parametrize(
    ("entry", "host", "port", "any_port"),
    [
        ("www.defense.gov", "www.defense.gov", None, False),
        ("127.0.0.1:8765", "127.0.0.1", 8765, False),
        ("LOCALHOST:*", "localhost", None, True),
        ("*.example.org:8443", "*.example.org", 8443, False),
        ("[::1]:8080", "::1", 8080, False),
        ("[::1]", "::1", None, False),
        ("::1", "::1", None, False),
    ],
)
def test_allowlist_entries_read_host_and_port(
    entry: str, host: str, port: int | None, any_port: bool
) -> None:
    assert HostEntry.parse(entry) == HostEntry(host, port, any_port)


@pytest.mark.parametrize("entry", ["127.0.0.1:", "127.0.0.1:0", "host:99999", "host:http", ":80"])
def test_malformed_allowlist_entries_are_config_errors(entry: str) -> None:
    with pytest.raises(ConfigError):
        HostEntry.parse(entry)


@pytest.mark.parametrize(
    ("entry", "url", "allowed"),
    [
        ("www.defense.gov", "https://www.defense.gov/x", True),
        ("www.defense.gov", "http://www.defense.gov/x", True),
        ("www.defense.gov", "https://www.defense.gov:8443/x", False),
        ("www.defense.gov", "http://www.defense.gov:443/x", False),
        ("127.0.0.1:8765", "http://127.0.0.1:8765/x", True),
        ("127.0.0.1:8765", "http://127.0.0.1:8766/x", False),
        ("127.0.0.1:*", "http://127.0.0.1:1/x", True),
        ("*.example.org", "https://a.example.org/x", True),
        ("*.example.org", "https://a.example.org:444/x", False),
    ],
)
def test_allowlist_checks_host_and_port(entry: str, url: str, allowed: bool) -> None:
    with PoliteClient([entry], trusted_hosts=[]) as client:
        if allowed:
            client.check_url(url)
        else:
            with pytest.raises(RefusedError):
                client.check_url(url)


class _CrawlDelayServer(ReplayServer):
    """A replay whose robots.txt asks every agent to wait ``delay`` seconds between requests."""

    delay = "2"

    def robots_txt(self) -> bytes:
        return f"User-agent: *\nCrawl-delay: {self.delay}\nDisallow:\n".encode()


def test_crawl_delay_spaces_requests_to_the_origin(
    site: MiniSite, make_client: Callable[..., PoliteClient]
) -> None:
    waits: list[float] = []
    limiter = HostRateLimiter(1000, clock=lambda: 0.0, sleep=waits.append)
    with _CrawlDelayServer(site, as_of=datetime.date(2025, 11, 14)) as server:
        client = make_client(rate_limiter=limiter)
        for _ in range(3):
            client.fetch(server.url + STATEMENT)
    # robots.txt, then three pages: each page waits the crawl delay after the one before.
    assert len(waits) == 3
    gaps = [later - earlier for earlier, later in itertools.pairwise(waits)]
    assert gaps == [pytest.approx(2.0), pytest.approx(2.0)]


def test_a_crawl_delay_over_the_cap_is_not_waited_out(
    site: MiniSite, make_client: Callable[..., PoliteClient]
) -> None:
    class Slow(_CrawlDelayServer):
        delay = "600"

    with Slow(site, as_of=datetime.date(2025, 11, 14)) as server:
        with pytest.raises(FetchError, match="crawl delay of 600 s"):
            make_client().fetch(server.url + STATEMENT)
        assert [p for _, p, _ in server.request_log] == ["/robots.txt"]
