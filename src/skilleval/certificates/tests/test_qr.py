"""The certificate QR encoder gives, module for module, the symbol reportlab's reference
encoder gives for the same text, error-correction level and mask pattern."""

import random
import string

import pytest
from reportlab.graphics.barcode import qrencoder as rq

from .. import qr


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
