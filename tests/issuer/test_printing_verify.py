"""The printed sticker end to end: sign, print, render the page, scan the QR, verify."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.authority import Authority, clock
from vic.vc.barcode import encode_barcode
from vic.vc.cborld import Registry
from vic.vc.printing import render_signed_mark_pdf
from vic.vc.qrimage import read_qr_image
from vic.verifier import Status, verify_credential

pytestmark = pytest.mark.skipif(
    shutil.which("pdftoppm") is None,
    reason="pdftoppm not installed (Debian: apt-get install poppler-utils)",
)


def test_the_qr_scanned_from_the_printed_page_verifies(tmp_path: Path) -> None:
    authority = Authority()
    mark = authority.mark()
    text = encode_barcode(mark, Registry())
    pdf = render_signed_mark_pdf(
        mark,
        barcode_text=text,
        authority_name={"zh-CN": "襄阳市公安局交通管理局车辆管理所", "en": "Xiangyang VAO"},
        mark_number="0000000077",
    )
    (tmp_path / "mark.pdf").write_bytes(pdf)
    subprocess.run(
        [
            "pdftoppm",
            "-r",
            "200",
            "-png",
            "-singlefile",
            str(tmp_path / "mark.pdf"),
            str(tmp_path / "page"),
        ],
        check=True,
        timeout=60,
    )
    scanned = read_qr_image(tmp_path / "page.png")
    assert scanned == text
    result = verify_credential(
        scanned, trust=authority.trust(), clock=clock, check_status_lists=False
    )
    assert result.status is Status.VALID, result.to_dict()
    tampered = scanned[:-3] + ("AAA" if not scanned.endswith("AAA") else "BBB")
    assert verify_credential(tampered, trust=authority.trust(), clock=clock).status in (
        Status.INVALID_PROOF,
        Status.MALFORMED,
    )
