"""The `rok-mnd` adapter: recorded pages and the site's quirks."""

from __future__ import annotations

import zlib

import pytest

from core.errors import ParseError
from scrapers.base import Attachment
from scrapers.rok_mnd import RokMnd, attachment_kind, read_attachment
from tests.support.recorded_pages import check_fixture, fixture_names

SLUG = "rok-mnd"


@pytest.mark.parametrize("name", fixture_names(SLUG))
def test_recorded_page(name: str) -> None:
    check_fixture(SLUG, name)


@pytest.mark.parametrize(
    ("name", "kind"),
    [("240610_보도자료.hwp", "hwp"), ("release.PDF", "pdf"), ("a.hwpx", "hwpx"), ("file", "other")],
)
def test_attachment_kind(name: str, kind: str) -> None:
    assert attachment_kind(name) == kind


def test_hwp_attachment_is_named_unsupported() -> None:
    hwp = Attachment("240610_보도자료.hwp", "https://www.mnd.go.kr/f?fileSeq=1", "hwp")
    with pytest.raises(
        ParseError, match=r"HWP attachments are not supported.*240610_보도자료\.hwp"
    ):
        read_attachment(b"\xd0\xcf\x11\xe0", hwp)


def _pdf_with_text(text: str) -> bytes:
    """A minimal one-page PDF showing ``text`` in Helvetica (written by hand, byte offsets
    computed, so pypdf reads it without repairs)."""
    stream = zlib.compress(f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode())
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return out


def test_pdf_attachment_text_is_read() -> None:
    pdf = Attachment("release.pdf", "https://www.mnd.go.kr/f?fileSeq=2", "pdf")
    assert read_attachment(_pdf_with_text("The NCG met in Seoul."), pdf) == [
        "The NCG met in Seoul."
    ]


def test_broken_pdf_is_parse_error() -> None:
    pdf = Attachment("release.pdf", "https://www.mnd.go.kr/f?fileSeq=3", "pdf")
    with pytest.raises(ParseError):
        read_attachment(b"%PDF-1.4 truncated", pdf)


def test_listing_takes_the_number_from_a_script_link() -> None:
    page = (
        b"<div class='board_list'><ul><li><div class='title'>"
        b"<a href=\"javascript:jf_view('I_8576246','O_20123');\">Release</a></div>"
        b"<div class='date'>2024.06.10</div></li></ul></div>"
    )
    url = "https://www.mnd.go.kr/user/boardList.action?boardId=I_8576246&siteId=mndEN&id=x"
    items = RokMnd().parse_listing(page, url)
    assert [i.url for i in items] == [
        "https://www.mnd.go.kr/user/boardList.action?command=view&boardId=I_8576246"
        "&boardSeq=O_20123&siteId=mndEN&id=mndEN_020600000000"
    ]
