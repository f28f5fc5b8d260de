"""The QR encoder gives, module for module, the symbol reportlab's reference
encoder gives for the same text, error-correction level and mask pattern."""

import random
import string

import pytest
from reportlab.graphics.barcode import qrencoder as rq

from skilleval.core import qr


@pytest.mark.parametrize("length", [1, 30, 120, 290, 420, 700])
def test_the_symbol_matches_reportlabs(length):
    rng = random.Random(length)
    text = "https://cert.example.gov.cn/c/Y340100000012265000001#" + "".join(
        rng.choice(string.ascii_letters + string.digits + "-_.") for _n in range(length))
    reference = rq.QRCode(None, rq.QRErrorCorrectLevel.M)
    reference.addData(text)
    reference.version = reference.calculate_version()
    reference.makeImpl(False, qr.MASK)
    assert [[bool(m) for m in row] for row in qr.modules(text)] == [[bool(m) for m in row]
                                                                    for row in reference.modules]


def test_error_correction_of_a_known_codeword_block():
    # ISO/IEC 18004 Annex I: "01234567" as version 1-M; its ten error-correction codewords.
    data = [16, 32, 12, 86, 97, 128, 236, 17, 236, 17, 236, 17, 236, 17, 236, 17]
    assert qr.error_correction(data, 10) == [165, 36, 212, 193, 237, 54, 199, 135, 44, 85]


def test_image_and_svg_draw_every_dark_module_and_the_quiet_zone():
    text = "otpauth://totp/skilleval:hs_admin?secret=JBSWY3DPEHPK3PXP"
    rows = qr.modules(text)
    dark = sum(map(sum, rows))
    image = qr.qr_image(text, module_pixels=3, quiet_modules=4)
    assert image.size == ((len(rows) + 8) * 3,) * 2
    assert image.getpixel((3 * 4 - 1, 3 * 4 - 1)) == 255  # the quiet zone is white
    assert image.getpixel((3 * 4, 3 * 4)) == 0  # the finder pattern's corner is dark
    assert image.histogram()[0] == dark * 9
    assert qr.qr_svg(text).count("h1v1h-1z") == dark
