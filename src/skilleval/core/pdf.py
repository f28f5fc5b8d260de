"""PDF building blocks shared by every document the system prints: the embedded
CJK font, paragraph styles that wrap Chinese text, bordered form tables and a
document builder with page numbers.

The font is vendored (core/fonts/wqy-microhei.ttc, WenQuanYi Micro Hei,
Apache-2.0) and embedded as a subset in every PDF, so a document never depends
on the reader's fonts. `missing_glyphs` tells which characters it cannot draw
(rare name characters are written by hand on certificates [SD 6(2)])."""

from __future__ import annotations

import functools
import io
import unicodedata
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Table, TableStyle

FONT_DIR = Path(__file__).resolve().parent / "fonts"
FONT_FILE = FONT_DIR / "wqy-microhei.ttc"
FONT_NAME = "WenQuanYiMicroHei"

PAGE_SIZE = A4
MARGIN = 16 * mm
FRAME_WIDTH = PAGE_SIZE[0] - 2 * MARGIN
GRID = colors.black
LABEL_BACKGROUND = colors.HexColor("#F2F2F2")


@functools.cache
def _font() -> TTFont:
    # The .ttc holds "Micro Hei" (index 0) and "Micro Hei Mono" (index 1).
    return TTFont(FONT_NAME, str(FONT_FILE), subfontIndex=0)


@functools.cache
def register_fonts() -> str:
    """Register the CJK font with reportlab (once) and return its name. The font has
    no bold or italic face: every variant maps to the regular one."""
    pdfmetrics.registerFont(_font())
    pdfmetrics.registerFontFamily(FONT_NAME, normal=FONT_NAME, bold=FONT_NAME, italic=FONT_NAME,
                                  boldItalic=FONT_NAME)
    return FONT_NAME


@functools.cache
def _covered() -> frozenset[int]:
    return frozenset(_font().face.charToGlyph)


def missing_glyphs(text: str) -> set[str]:
    """The characters of `text` the embedded font cannot draw (control characters
    such as line breaks are ignored)."""
    covered = _covered()
    return {ch for ch in text or "" if ord(ch) not in covered and unicodedata.category(ch) != "Cc"}


# ---------------------------------------------------------------------------------------------
# Styles and cells


@functools.cache
def styles() -> dict[str, ParagraphStyle]:
    """Paragraph styles in the CJK font. `wordWrap="CJK"` lets a line break between
    any two Chinese characters, so long Chinese text wraps inside its cell."""
    font = register_fonts()
    base = ParagraphStyle("body", fontName=font, fontSize=10, leading=15, wordWrap="CJK", alignment=TA_LEFT)
    return {
        "body": base,
        "title": ParagraphStyle("title", parent=base, fontSize=18, leading=26, alignment=TA_CENTER,
                                spaceAfter=4 * mm),
        "subtitle": ParagraphStyle("subtitle", parent=base, fontSize=11, leading=16, alignment=TA_CENTER,
                                   spaceAfter=3 * mm),
        "section": ParagraphStyle("section", parent=base, fontSize=11, leading=16),
        "cell": ParagraphStyle("cell", parent=base, fontSize=9, leading=13),
        "cell_center": ParagraphStyle("cell_center", parent=base, fontSize=9, leading=13, alignment=TA_CENTER),
        "label": ParagraphStyle("label", parent=base, fontSize=9, leading=13, alignment=TA_CENTER),
        "small": ParagraphStyle("small", parent=base, fontSize=8, leading=11),
        "right": ParagraphStyle("right", parent=base, alignment=TA_RIGHT),
        "letter": ParagraphStyle("letter", parent=base, fontSize=11, leading=20, firstLineIndent=22),
    }


def para(text: Any, style: str = "cell") -> Paragraph:
    """A paragraph of user text: escaped (it is never markup) with line breaks kept."""
    value = "" if text is None else str(text)
    return Paragraph(escape(value).replace("\r\n", "\n").replace("\n", "<br/>"), styles()[style])


Cell = tuple[int, int]  # (column, row), as reportlab addresses table cells


def grid_table(rows: Sequence[Sequence[Any]], widths: Sequence[float], *, header_rows: int = 0,
               label_cells: Iterable[Cell] = (), spans: Iterable[tuple[Cell, Cell]] = (),
               min_row_heights: dict[int, float] | None = None, center_columns: Iterable[int] = ()) -> Table:
    """A bordered form table. Strings become wrapped paragraphs; the header rows (grey,
    centred) repeat on every page the table flows over; `label_cells` (col, row) are
    shaded like the printed form's captions; `center_columns` hold short codes (序号)."""
    centred = set(center_columns)
    cells: list[list[Any]] = []
    for r, row in enumerate(rows):
        line = []
        for c, value in enumerate(row):
            if isinstance(value, Flowable):
                line.append(value)
            else:
                style = "label" if r < header_rows else "cell_center" if c in centred else "cell"
                line.append(para(value, style))
        cells.append(line)
    heights = [min_row_heights.get(r, 0) for r in range(len(cells))] if min_row_heights else None
    table = Table(cells, colWidths=list(widths), repeatRows=header_rows, hAlign="CENTER", minRowHeights=heights)
    commands: list[tuple[Any, ...]] = [
        ("FONTNAME", (0, 0), (-1, -1), register_fonts()),
        ("GRID", (0, 0), (-1, -1), 0.6, GRID),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
    ]
    if header_rows:
        commands.append(("BACKGROUND", (0, 0), (-1, header_rows - 1), LABEL_BACKGROUND))
    for cell in label_cells:
        commands.append(("BACKGROUND", cell, cell, LABEL_BACKGROUND))
    for start, end in spans:
        commands.append(("SPAN", start, end))
    table.setStyle(TableStyle(commands))
    return table


def section_bar(text: str) -> Table:
    """A full-width shaded caption row (一、企业基本信息 ...) that joins the tables around it."""
    table = Table([[para(text, "section")]], colWidths=[FRAME_WIDTH], hAlign="CENTER")
    table.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), register_fonts()),
        ("GRID", (0, 0), (-1, -1), 0.6, GRID),
        ("BACKGROUND", (0, 0), (-1, -1), LABEL_BACKGROUND),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]))
    return table


def text_box(text: str, *, min_height: float = 16 * mm, empty: str = "") -> Table:
    """A full-width bordered box holding a long text: one row per paragraph, and a
    paragraph longer than a page splits inside its row."""
    lines = [line for line in (text or "").splitlines() if line.strip()] or [empty]
    table = Table([[para(line, "body")] for line in lines], colWidths=[FRAME_WIDTH], hAlign="CENTER",
                  splitInRow=1, minRowHeights=[min_height] if len(lines) == 1 else None)
    table.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), register_fonts()),
        ("BOX", (0, 0), (-1, -1), 0.6, GRID),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 6),
        ("RIGHTPADDING", (0, 0), (-1, -1), 6),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]))
    return table


# ---------------------------------------------------------------------------------------------
# The document


class _NumberedCanvas(Canvas):
    """Draws "第 n 页 共 N 页" and the document's footer label once the page count is known."""

    footer_label = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Start every page in the CJK font, so no unembedded base-14 font is ever referenced.
        kwargs["initialFontName"] = kwargs.get("initialFontName") or register_fonts()
        super().__init__(*args, **kwargs)
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:  # noqa: N802 (reportlab's name)
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for state in self._pages:
            self.__dict__.update(state)
            self._footer(total)
            super().showPage()
        super().save()

    def _footer(self, total: int) -> None:
        self.saveState()
        self.setFont(FONT_NAME, 8)
        self.setFillColor(colors.HexColor("#555555"))
        text = _("第 %(n)d 页 共 %(t)d 页") % {"n": self._pageNumber, "t": total}
        self.drawRightString(PAGE_SIZE[0] - MARGIN, 9 * mm, text)
        if self.footer_label:
            self.drawString(MARGIN, 9 * mm, self.footer_label)
        self.restoreState()


def build_pdf(flowables: list[Flowable], *, title: str, author: str = "", subject: str = "",
              footer: str = "") -> bytes:
    """Lay out `flowables` on A4 pages in the CJK font and return the PDF bytes."""
    register_fonts()
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer, pagesize=PAGE_SIZE, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
        bottomMargin=MARGIN + 4 * mm, title=title, author=author, subject=subject, creator="skilleval",
        initialFontName=FONT_NAME, lang="zh-CN",
    )
    canvas_class = type("_DocumentCanvas", (_NumberedCanvas,), {"footer_label": footer})
    document.build(flowables, canvasmaker=canvas_class)
    return buffer.getvalue()
