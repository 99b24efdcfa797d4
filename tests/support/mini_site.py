"""A small site of a few pages for the scraper tests, and a stand-in for ``time.sleep``."""

from __future__ import annotations

import datetime

from clausewatch.demo.replay.server import ReplayResponse

ENGLISH_PAGE = (
    b"<html><head><meta charset='utf-8'><title>Joint statement</title></head><body>"
    b"<h1>Joint statement of the test consultative group</h1>"
    b"<p>The two sides reaffirmed their joint planning and execution.</p>"
    b"</body></html>"
)
KOREAN_TEXT = "한미 양국은 핵협의그룹 회의에서 공동 기획과 실행을 재확인하였다."
KOREAN_PAGE = (
    f"<html><head><title>보도자료</title></head><body><p>{KOREAN_TEXT}</p></body></html>"
).encode()


class MiniSite:
    """A few pages per host; a page can change from a date on (silent edits)."""

    def __init__(self) -> None:
        self.pages: dict[tuple[str, str], list[tuple[datetime.date, ReplayResponse]]] = {}

    def put(
        self,
        host: str,
        path: str,
        body: bytes,
        *,
        since: datetime.date = datetime.date(2000, 1, 1),
        content_type: str = "text/html; charset=utf-8",
        headers: dict[str, str] | None = None,
    ) -> None:
        """Serve ``body`` at ``host`` + ``path`` from ``since`` on."""
        versions = self.pages.setdefault((host, path), [])
        versions.append((since, ReplayResponse(200, body, content_type, dict(headers or {}))))
        versions.sort(key=lambda item: item[0])

    def get(self, host: str, path_and_query: str, as_of: datetime.date) -> ReplayResponse | None:
        """The latest version published on or before ``as_of``."""
        live = [
            page for since, page in self.pages.get((host, path_and_query), []) if since <= as_of
        ]
        return live[-1] if live else None


class SleepRecorder:
    """Stands in for time.sleep in the retry loop: records the waits, waits nothing."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
