"""QR codes, the one encoder every document and page uses: reportlab's QR encoder with two
of its slow parts done faster (certificates are printed by the thousand): the Reed-Solomon error-correction codewords (log/antilog tables and a shift
register instead of polynomial objects) and the placing of the data bits (positions
computed once per version). The symbol is the same, module for module, as reportlab's
for the same mask pattern (a test compares them). One fixed mask pattern is used: any of
the eight is valid, and scoring all eight is most of the encoder's remaining time."""

from __future__ import annotations

import functools
from itertools import zip_longest

from PIL import Image, ImageOps
from reportlab.graphics.barcode import qrencoder as rq

MASK = 2
LEVEL = rq.QRErrorCorrectLevel.M

_EXP = [0] * 512
_LOG = [0] * 256
_value = 1
for _i in range(255):
    _EXP[_i] = _value
    _LOG[_value] = _i
    _value <<= 1
    if _value & 0x100:
        _value ^= 0x11D
for _i in range(255, 512):
    _EXP[_i] = _EXP[_i - 255]


@functools.cache
def _generator_logs(count: int) -> tuple[int, ...]:
    """The logs of the generator polynomial's coefficients after the leading 1."""
    generator = [1]
    for i in range(count):
        product = [0] * (len(generator) + 1)
        for j, coefficient in enumerate(generator):
            product[j] ^= coefficient
            if coefficient:
                product[j + 1] ^= _EXP[_LOG[coefficient] + i]
        generator = product
    return tuple(_LOG[c] for c in generator[1:])


def error_correction(data: list[int], count: int) -> list[int]:
    logs = _generator_logs(count)
    remainder = [0] * count
    for byte in data:
        factor = byte ^ remainder[0]
        remainder = remainder[1:] + [0]
        if factor:
            base = _LOG[factor]
            remainder = [r ^ _EXP[base + g] for r, g in zip(remainder, logs, strict=True)]
    return remainder


def _codewords(version: int, level: int, data_list: list) -> list[int]:
    """reportlab's QRCode.createData, with the error correction above."""
    blocks = rq.QRRSBlock.getRSBlocks(version, level)
    buffer = rq.QRBitBuffer()
    for data in data_list:
        data.write(buffer, version)
    capacity = sum(block.dataCount for block in blocks) * 8
    if buffer.getLengthInBits() > capacity:
        raise ValueError("QR code length overflow")
    if buffer.getLengthInBits() + 4 <= capacity:
        buffer.put(0, 4)
    while buffer.getLengthInBits() % 8:
        buffer.putBit(False)
    pads = (rq.QRCode.PAD0, rq.QRCode.PAD1)
    k = 0
    while buffer.getLengthInBits() < capacity:
        buffer.put(pads[k % 2], 8)
        k += 1
    data_blocks, ec_blocks, offset = [], [], 0
    for block in blocks:
        chunk = buffer.buffer[offset:offset + block.dataCount]
        offset += block.dataCount
        data_blocks.append(chunk)
        ec_blocks.append(error_correction(chunk, block.totalCount - block.dataCount))
    return [byte for group in (zip_longest(*data_blocks), zip_longest(*ec_blocks)) for row in group
            for byte in row if byte is not None]


@functools.lru_cache(maxsize=40)
def _positions(version: int) -> tuple[tuple[int, int], ...]:
    code = rq.QRCode(version, LEVEL)
    code.moduleCount = version * 4 + 17
    return tuple(code._dataPosIterator())


class _QRCode(rq.QRCode):
    def mapData(self, data, maskPattern):  # noqa: N802,N803 (reportlab's names)
        mask = rq.QRUtil.getMask(maskPattern)
        bits = [(byte >> shift) & 1 for byte in data for shift in range(7, -1, -1)]
        modules = self.modules
        for index, (col, row) in enumerate(_positions(self.version)):
            dark = index < len(bits) and bits[index] == 1
            modules[row][col] = dark ^ bool(mask(row, col))


def modules(text: str, *, mask: int = MASK) -> list[list[bool]]:
    """The QR symbol of `text` (error correction level M) as rows of dark/light modules."""
    code = _QRCode(None, LEVEL)
    code.addData(text)
    code.version = code.calculate_version()
    code.dataCache = _codewords(code.version, LEVEL, code.dataList)
    code.makeImpl(False, mask)
    return code.modules


def qr_image(text: str, *, module_pixels: int = 1, quiet_modules: int = 0) -> Image.Image:
    """A 1-bit image of the symbol, `module_pixels` per module, with a quiet zone of
    `quiet_modules` modules around it (PDFs scale a one-pixel image without smoothing)."""
    rows = modules(text)
    count = len(rows)
    image = Image.new("1", (count, count), 255)
    image.putdata([0 if dark else 255 for row in rows for dark in row])
    if quiet_modules:
        image = ImageOps.expand(image, border=quiet_modules, fill=255)
    if module_pixels > 1:
        image = image.resize((image.width * module_pixels, image.height * module_pixels), Image.Resampling.NEAREST)
    return image


def qr_svg(text: str, size: int = 180) -> str:
    """The symbol as an inline SVG document `size` pixels wide, with a four-module quiet zone."""
    rows = modules(text)
    side = len(rows) + 8
    path = "".join(f"M{c + 4},{r + 4}h1v1h-1z" for r, row in enumerate(rows) for c, dark in enumerate(row) if dark)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" viewBox="0 0 {side} {side}" '
            f'shape-rendering="crispEdges"><rect width="{side}" height="{side}" fill="#fff"/>'
            f'<path d="{path}" fill="#000"/></svg>')
