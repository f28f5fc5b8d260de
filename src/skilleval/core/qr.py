"""QR codes: a reportlab Drawing for PDFs and inline SVG for pages (reportlab's own
QR encoder, no extra dependency)."""

from __future__ import annotations

from reportlab.graphics import renderSVG
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing


def qr_drawing(data: str, size: float, *, level: str = "M") -> Drawing:
    """A square drawing `size` points wide holding the QR code of `data`."""
    widget = QrCodeWidget(data, barLevel=level)
    x0, y0, x1, y1 = widget.getBounds()
    width, height = x1 - x0, y1 - y0
    drawing = Drawing(size, size, transform=[size / width, 0, 0, size / height, 0, 0])
    drawing.add(widget)
    return drawing


def qr_svg(data: str, size: int = 180) -> str:
    """The QR code of `data` as an SVG document string, for embedding in a page."""
    svg = renderSVG.drawToString(qr_drawing(data, size))
    return svg[svg.index("<svg"):]
