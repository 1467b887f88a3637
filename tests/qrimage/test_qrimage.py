"""QR images: PNG, SVG and terminal rendering read back; photos, PDFs and bad files."""

from __future__ import annotations

import io
import re
import struct
import subprocess
import sys
import zlib
from pathlib import Path
from xml.etree import ElementTree

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageDraw

from tests.cose.support import Issuer
from vic.contexts.errors import InputTooLargeError, ParsingError, UsageError
from vic.vc import base45
from vic.vc.qrcose import encode_cose_barcode, verify_cose_barcode
from vic.vc.qrimage import (
    MAX_FILE_BYTES,
    qr_matrix,
    qr_mode,
    qr_version,
    read_qr_image,
    read_qr_pdf,
    render_png,
    render_svg,
    render_terminal,
)

# A realistic VC1 text length (docs/qr.md: 304 characters fit V10 at M).
SAMPLE = "VC1-R" + "8B0$A:2T+NX.3%K" * 20


def png_bytes(text: str, **options: object) -> bytes:
    out = io.BytesIO()
    render_png(text, out, **options)  # type: ignore[arg-type]
    return out.getvalue()


def encode(image: Image.Image, fmt: str, **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, format=fmt, **options)
    return out.getvalue()


def expect(code: str, call: object, *args: object, **kwargs: object) -> None:
    with pytest.raises(ParsingError) as info:
        call(*args, **kwargs)  # type: ignore[operator]
    assert info.value.code == code, info.value


# --- modes and versions --------------------------------------------------------------------------


def test_base45_text_uses_alphanumeric_mode() -> None:
    assert qr_mode(SAMPLE) == "alphanumeric"
    assert qr_mode("VIC1:" + base45.encode(bytes(range(256)))) == "alphanumeric"
    assert qr_mode("vc1-r lower case") == "byte"
    assert qr_mode("鄂L12345") == "byte"


def test_versions_match_the_alphanumeric_capacity_table() -> None:
    # ISO/IEC 18004 table 7 (alphanumeric): V1-M 20, V9-M 262, V10-M 311, V40-L 4296 characters.
    assert qr_version("A" * 20, "M") == 1
    assert qr_version("A" * 21, "M") == 2
    assert qr_version("A" * 262, "M") == 9
    assert qr_version("A" * 263, "M") == 10
    assert qr_version("A" * 311, "M") == 10
    assert qr_version("A" * 312, "M") == 11
    assert qr_version("A" * 4296, "L") == 40
    assert qr_version("A" * 304) == 10  # the default is M
    # Byte mode would need a larger symbol for the same text.
    assert qr_version("a" * 304, "M") > 10


def test_error_correction_levels() -> None:
    versions = [qr_version(SAMPLE, ecc) for ecc in "LMQH"]
    assert versions == sorted(versions)
    assert versions[0] < versions[-1]
    for ecc, version in zip("LMQH", versions, strict=True):
        data = png_bytes(SAMPLE, ecc=ecc, scale=3)
        with Image.open(io.BytesIO(data)) as image:
            assert image.size == ((17 + 4 * version + 8) * 3,) * 2
        assert read_qr_image(data) == SAMPLE


def test_bad_arguments() -> None:
    with pytest.raises(UsageError) as info:
        qr_version(SAMPLE, "X")
    assert info.value.code == "INVALID_ECC"
    with pytest.raises(UsageError) as info:
        qr_version("A" * 4297, "L")
    assert info.value.code == "QR_CAPACITY_EXCEEDED"
    with pytest.raises(UsageError) as info:
        qr_version("")
    assert info.value.code == "EMPTY_QR_TEXT"
    with pytest.raises(UsageError) as info:
        render_png(SAMPLE, io.BytesIO(), scale=0)
    assert info.value.code == "INVALID_SCALE"


# --- PNG round trips -----------------------------------------------------------------------------


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=base45.ALPHABET, min_size=50, max_size=400))
def test_png_round_trip(text: str) -> None:
    assert read_qr_image(png_bytes(text)) == text


def test_png_file_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "mark.png"
    render_png(SAMPLE, path, scale=4)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert read_qr_image(path) == SAMPLE
    assert read_qr_image(str(path)) == SAMPLE


def test_signed_barcode_through_png() -> None:
    issuer = Issuer.did_web()
    text = encode_cose_barcode(issuer.mark(), issuer.key, issuer.kid)
    read = read_qr_image(png_bytes(text, ecc="Q"))
    assert verify_cose_barcode(read, issuer.resolver()).credential == issuer.mark()


# --- SVG -----------------------------------------------------------------------------------------


def svg_matrix(svg: bytes) -> list[list[bool]]:
    """Rebuild the module matrix from our SVG's single path (``M x y h w v1 h-w z`` runs)."""
    root = ElementTree.fromstring(svg)
    ns = "{http://www.w3.org/2000/svg}"
    assert root.tag == f"{ns}svg"
    size = int(root.get("viewBox", "").split()[2])
    rect = root.find(f"{ns}rect")
    assert rect is not None
    assert rect.get("fill") == "#ffffff"
    path = root.find(f"{ns}path")
    assert path is not None
    assert path.get("fill") == "#000000"
    matrix = [[False] * size for _ in range(size)]
    for x, y, width in re.findall(r"M(\d+) (\d+)h(\d+)v1h-\d+z", path.get("d", "")):
        for dx in range(int(width)):
            matrix[int(y)][int(x) + dx] = True
    return matrix


def test_svg_is_xml_and_draws_the_symbol(tmp_path: Path) -> None:
    path = tmp_path / "mark.svg"
    render_svg(SAMPLE, path, ecc="M", scale=5)
    svg = path.read_bytes()
    root = ElementTree.fromstring(svg)
    size = len(qr_matrix(SAMPLE))
    assert root.get("width") == str(size * 5)
    assert root.get("viewBox") == f"0 0 {size} {size}"
    matrix = svg_matrix(svg)
    assert matrix == qr_matrix(SAMPLE)
    # Rasterize the SVG's geometry and scan it.
    image = Image.new("L", (size * 4, size * 4), 255)
    draw = ImageDraw.Draw(image)
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            if dark:
                draw.rectangle((x * 4, y * 4, x * 4 + 3, y * 4 + 3), fill=0)
    assert read_qr_image(encode(image, "PNG")) == SAMPLE


# --- terminal ------------------------------------------------------------------------------------


def terminal_matrix(rendered: str, *, invert: bool) -> list[list[bool]]:
    top = {" ": False, "▀": True, "▄": False, "█": True}
    bottom = {" ": False, "▀": False, "▄": True, "█": True}
    rows: list[list[bool]] = []
    for line in rendered.splitlines():
        rows.append([top[c] != invert for c in line])
        rows.append([bottom[c] != invert for c in line])
    return rows


@pytest.mark.parametrize("invert", [True, False])
def test_terminal_rendering(invert: bool) -> None:
    rendered = render_terminal(SAMPLE, "M", invert=invert)
    assert set(rendered) <= set(" ▀▄█\n")
    expected = qr_matrix(SAMPLE, border=2)
    matrix = terminal_matrix(rendered, invert=invert)
    assert matrix[: len(expected)] == expected
    assert all(not dark for dark in matrix[len(expected) :][0])  # the padding row is light
    scale = 6
    image = Image.new("L", (len(matrix[0]) * scale, len(matrix) * scale), 255)
    draw = ImageDraw.Draw(image)
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            if dark:
                draw.rectangle((x * scale, y * scale, (x + 1) * scale - 1, (y + 1) * scale - 1), 0)
    assert read_qr_image(encode(image, "PNG")) == SAMPLE


# --- photos --------------------------------------------------------------------------------------


def test_jpeg_downscaled_reads() -> None:
    with Image.open(io.BytesIO(png_bytes(SAMPLE, scale=6))) as image:
        smaller = image.convert("RGB").resize(
            (int(image.width * 0.85), int(image.height * 0.85)), Image.Resampling.BILINEAR
        )
    jpeg = encode(smaller, "JPEG", quality=70)
    assert jpeg[:3] == b"\xff\xd8\xff"
    assert read_qr_image(jpeg) == SAMPLE


def test_photo_like_scene_reads() -> None:
    """Rotated, on a grey textured background, with transparency flattened; WebP and GIF too."""
    with Image.open(io.BytesIO(png_bytes(SAMPLE, scale=5))) as image:
        code = image.convert("RGBA").rotate(17, expand=True, fillcolor=(255, 255, 255, 255))
    scene = Image.new("RGBA", (code.width + 300, code.height + 200), (120, 110, 100, 255))
    draw = ImageDraw.Draw(scene)
    for i in range(0, scene.width, 23):
        draw.line((i, 0, i - 200, scene.height), fill=(90, 85, 80, 255), width=3)
    scene.alpha_composite(code, (150, 100))
    assert read_qr_image(encode(scene.convert("RGB"), "JPEG", quality=80)) == SAMPLE
    assert read_qr_image(encode(scene.convert("RGB"), "WEBP", quality=80)) == SAMPLE
    assert read_qr_image(encode(scene.convert("P"), "GIF")) == SAMPLE


def test_large_jpeg_is_decoded_at_reduced_scale() -> None:
    """An 18-megapixel photo takes the JPEG draft path (DCT-domain downscaling) and still reads."""
    photo = Image.new("L", (4800, 3800), 235)
    with Image.open(io.BytesIO(png_bytes(SAMPLE, scale=12))) as qr:
        photo.paste(qr.convert("L"), (1900, 1200))
    data = encode(photo, "JPEG", quality=85)
    with Image.open(io.BytesIO(data)) as opened:
        opened.draft("L", (opened.width // 2, opened.height // 2))
        assert opened.size == (2400, 1900)  # what the reader decodes
    assert read_qr_image(data) == SAMPLE


def test_transparent_background_is_flattened_onto_white() -> None:
    with Image.open(io.BytesIO(png_bytes(SAMPLE, scale=4))) as image:
        gray = image.convert("L")
    rgba = Image.new("RGBA", gray.size, (0, 0, 0, 0))  # transparent black everywhere
    rgba.putalpha(gray.point(lambda v: 255 - v))  # opaque where the modules are dark
    assert read_qr_image(encode(rgba, "PNG")) == SAMPLE


def test_no_qr_found() -> None:
    blank = Image.new("L", (400, 300), 255)
    expect("NO_QR_FOUND", read_qr_image, encode(blank, "PNG"))
    noise = Image.effect_noise((300, 300), 80).convert("L")
    expect("NO_QR_FOUND", read_qr_image, encode(noise, "JPEG"))


def side_by_side(*texts: str) -> bytes:
    images = [Image.open(io.BytesIO(png_bytes(t, scale=4))).convert("L") for t in texts]
    canvas = Image.new("L", (sum(i.width for i in images), max(i.height for i in images)), 255)
    x = 0
    for image in images:
        canvas.paste(image, (x, 0))
        x += image.width
    return encode(canvas, "PNG")


def test_multiple_different_qr_codes() -> None:
    expect("MULTIPLE_QR_FOUND", read_qr_image, side_by_side(SAMPLE, "VIC1:OTHER CODE 123"))


def test_the_same_qr_twice_counts_once() -> None:
    assert read_qr_image(side_by_side(SAMPLE, SAMPLE)) == SAMPLE


# --- PDF -----------------------------------------------------------------------------------------


def pdf_with(pages: list[Image.Image], resolution: float = 150.0) -> bytes:
    first, *rest = [p.convert("RGB") for p in pages]
    return encode(first, "PDF", resolution=resolution, save_all=True, append_images=rest)


def a4_page(qr_png: bytes | None = None) -> Image.Image:
    page = Image.new("RGB", (1240, 1754), "white")  # A4 at 150 dpi
    draw = ImageDraw.Draw(page)
    draw.rectangle((100, 100, 1140, 180), fill=(30, 30, 120))
    if qr_png is not None:
        with Image.open(io.BytesIO(qr_png)) as qr:
            page.paste(qr.convert("RGB"), (400, 500))
    return page


def test_pdf_page_reads(tmp_path: Path) -> None:
    pdf = pdf_with([a4_page(png_bytes(SAMPLE, scale=4))])
    assert pdf[:5] == b"%PDF-"
    assert read_qr_pdf(pdf) == SAMPLE
    assert read_qr_pdf(pdf, page=0) == SAMPLE
    path = tmp_path / "mark.pdf"
    path.write_bytes(pdf)
    assert read_qr_pdf(path) == SAMPLE


def test_pdf_pages() -> None:
    pdf = pdf_with([a4_page(), a4_page(png_bytes(SAMPLE, scale=4)), a4_page()])
    assert read_qr_pdf(pdf) == SAMPLE  # the first page with a QR code answers
    assert read_qr_pdf(pdf, page=1) == SAMPLE
    expect("NO_QR_FOUND", read_qr_pdf, pdf, page=0)
    with pytest.raises(UsageError) as info:
        read_qr_pdf(pdf, page=3)
    assert info.value.code == "PAGE_OUT_OF_RANGE"
    expect("NO_QR_FOUND", read_qr_pdf, pdf_with([a4_page(), a4_page()]))


def test_pdf_with_two_codes_on_a_page() -> None:
    page = a4_page()
    with Image.open(io.BytesIO(side_by_side(SAMPLE, "VIC1:OTHER CODE 123"))) as both:
        page.paste(both.convert("RGB"), (50, 400))
    expect("MULTIPLE_QR_FOUND", read_qr_pdf, pdf_with([page]))


def test_bad_pdf() -> None:
    pdf = pdf_with([a4_page(png_bytes(SAMPLE, scale=4))])
    expect("INVALID_PDF", read_qr_pdf, b"%PDF-1.4 garbage")
    expect("INVALID_PDF", read_qr_pdf, pdf[:200])
    expect("INVALID_PDF", read_qr_pdf, png_bytes(SAMPLE))


# --- bad and hostile files -----------------------------------------------------------------------


def test_corrupted_bytes() -> None:
    data = png_bytes(SAMPLE)
    expect("INVALID_IMAGE", read_qr_image, b"")
    expect("INVALID_IMAGE", read_qr_image, b"not an image at all")
    expect("INVALID_IMAGE", read_qr_image, data[: len(data) // 2])
    damaged = bytearray(data)
    damaged[60:80] = bytes(20)  # inside the compressed image data
    expect("INVALID_IMAGE", read_qr_image, bytes(damaged))
    expect("INVALID_IMAGE", read_qr_image, b"%PDF-1.4\n")  # a PDF is not an image
    tiff = encode(Image.new("L", (10, 10)), "TIFF")  # not among the accepted formats
    expect("INVALID_IMAGE", read_qr_image, tiff)


def png_declaring(width: int, height: int) -> bytes:
    """A PNG whose header claims ``width`` x ``height`` (its pixel data is a few bytes)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body)
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0" * 100))
        + chunk(b"IEND", b"")
    )


def test_decompression_bomb_is_refused_before_decoding() -> None:
    with pytest.raises(InputTooLargeError):
        read_qr_image(png_declaring(100_000, 100_000))
    with pytest.raises(InputTooLargeError):
        read_qr_image(png_declaring(8_000, 7_000))  # 56 MP: over the 50 MP cap
    with pytest.raises(InputTooLargeError):
        read_qr_image(png_bytes(SAMPLE, scale=4), max_pixels=1000)


def test_file_size_cap(tmp_path: Path) -> None:
    with pytest.raises(InputTooLargeError):
        read_qr_image(b"\0" * (MAX_FILE_BYTES + 1))
    with pytest.raises(InputTooLargeError):
        read_qr_pdf(b"%PDF" + b"\0" * MAX_FILE_BYTES)
    big = tmp_path / "big.png"
    with big.open("wb") as handle:
        handle.truncate(MAX_FILE_BYTES + 1)
    with pytest.raises(InputTooLargeError):
        read_qr_image(big)


def test_missing_file(tmp_path: Path) -> None:
    expect("UNREADABLE_FILE", read_qr_image, tmp_path / "absent.png")
    expect("UNREADABLE_FILE", read_qr_pdf, tmp_path / "absent.pdf")


# --- import weight -------------------------------------------------------------------------------


def test_importing_the_qr_modules_loads_no_image_library() -> None:
    heavy = ("PIL", "qrcode", "zxingcpp", "pypdfium2", "pycose")
    code = (
        "import sys, verifier, vc.qrimage, vc.qrcose, vc.cose; "
        f"print(','.join(m for m in {heavy!r} if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == ""
