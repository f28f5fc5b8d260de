"""The certificate as a document: the PDF in the reference style (A4 landscape, the
CJK font embedded, photo, the organisation's seal, the QR code), the PAdES signature
of the electronic copy, and the batch's print file.

The seal is drawn from the organisation's name (organisations have no seal image on
file): a red ring, the name along the upper arc, a star, and the purpose below. The QR
code (see qr.py) is drawn as a 1-bit image, one pixel per module, scaled without smoothing.
A name the font cannot draw is never printed with blank boxes: its line stays empty with
a note, and the issuing organisation writes it by hand and seals it [SD 6(2)]."""

from __future__ import annotations

import functools
import io
import math
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _
from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

from skilleval.core.pdf import FONT_NAME, missing_glyphs, register_fonts
from skilleval.core.qr import qr_image

from .models import Certificate, CertificateCopy
from .signing import KeyMaterial, load_key_material

PAGE = landscape(A4)
RED = colors.Color(0.78, 0.08, 0.08)
FRAME = colors.HexColor("#8A6D1E")
INK = colors.HexColor("#1A1A1A")
MUTED = colors.HexColor("#555555")
SIGNATURE_FIELD = "CertificateSignature"
SIGNATURE_BYTES = 8192


def verification_url(number: str, token: str = "") -> str:
    base = settings.SKILLEVAL_PUBLIC_BASE_URL.rstrip("/")
    url = base + reverse("certificate_verify", args=[number])
    return f"{url}#{token}" if token else url


def query_url() -> str:
    return settings.SKILLEVAL_PUBLIC_BASE_URL.rstrip("/") + reverse("certificates:query")


def level_display(certificate: Certificate) -> str:
    level = certificate.level
    if level is None:  # a proof of special vocational ability has no level
        return str(Certificate.Kind.SPECIAL.label)
    return f"{level.name}/{level.title}" if level.title else level.name


def certificate_title(certificate: Certificate) -> str:
    """The document's title: 职业技能等级证书, or 专项职业能力证书 for a proof of ability."""
    return str(certificate.get_kind_display())


def face_rows(certificate: Certificate) -> list[tuple[str, str]]:
    """The rows between the ID number and the certificate number: the occupation and level,
    or, on a proof, the special ability, its norm and the module passed."""
    if certificate.is_special and certificate.special_ability is not None:
        ability = certificate.special_ability
        return [(_("专项职业能力"), ability.name), (_("考核规范"), ability.norm_title),
                (_("考核模块"), _("%(m)s（合格）") % {"m": ability.module})]
    return [(_("职业（工种）"), certificate.occupation_display), (_("职业技能等级"), level_display(certificate))]


@dataclass
class Page:
    """What one certificate page shows."""

    certificate: Certificate
    copy: CertificateCopy | None
    electronic: bool

    @property
    def revision(self) -> int:
        return self.copy.revision if self.copy else self.certificate.revision


# ---------------------------------------------------------------------------------------------
# Drawing


def draw_qr(canvas: Canvas, text: str, x: float, y: float, size: float) -> None:
    """The QR code of `text` with its lower-left corner at (x, y), `size` wide: a 1-bit image
    of one pixel per module, drawn scaled without smoothing (no quiet zone: leave white
    space around it)."""
    canvas.drawImage(ImageReader(qr_image(text)), x, y, size, size)


def draw_seal(canvas: Canvas, cx: float, cy: float, radius: float, name: str, purpose: str) -> None:
    """A red round seal: the name along the upper arc (clockwise, letters upright towards
    the rim), a five-pointed star, and the purpose in a line below the star."""
    canvas.saveState()
    canvas.setStrokeColor(RED)
    canvas.setFillColor(RED)
    canvas.setStrokeAlpha(0.85)
    canvas.setFillAlpha(0.85)
    canvas.setLineWidth(radius * 0.06)
    canvas.circle(cx, cy, radius, stroke=1, fill=0)
    star = canvas.beginPath()
    outer, inner = radius * 0.28, radius * 0.11
    for k in range(10):
        r = outer if k % 2 == 0 else inner
        angle = math.radians(90 + k * 36)
        px, py = cx + r * math.cos(angle), cy + r * math.sin(angle)
        if k == 0:
            star.moveTo(px, py)
        else:
            star.lineTo(px, py)
    star.close()
    canvas.drawPath(star, stroke=0, fill=1)
    text = [ch for ch in name if not missing_glyphs(ch)][:24]
    if text:
        ring = radius * 0.72
        size = radius * 0.21
        step = math.degrees(size * 1.12 / ring)
        if step * (len(text) - 1) > 235:
            step = 235 / (len(text) - 1)
            size = math.radians(step) * ring / 1.12
        first = 90 + step * (len(text) - 1) / 2
        for i, ch in enumerate(text):
            angle = first - i * step
            theta = math.radians(angle)
            canvas.saveState()
            canvas.translate(cx + ring * math.cos(theta), cy + ring * math.sin(theta))
            canvas.rotate(angle - 90)
            canvas.setFont(FONT_NAME, size)
            canvas.drawCentredString(0, -size * 0.4, ch)
            canvas.restoreState()
    canvas.setFont(FONT_NAME, radius * 0.12)
    canvas.drawCentredString(cx, cy - radius * 0.5, purpose)
    canvas.restoreState()


def _photo(certificate: Certificate) -> ImageReader | None:
    application = certificate.result.application if certificate.result_id else None
    photo = getattr(application, "photo", None)
    if not photo:
        return None
    try:
        with photo.open("rb") as handle:
            return ImageReader(io.BytesIO(handle.read()))
    except (OSError, ValueError):
        return None


def _field(canvas: Canvas, x: float, y: float, label: str, value: str, *, width: float) -> None:
    canvas.setFont(FONT_NAME, 11)
    canvas.setFillColor(MUTED)
    canvas.drawString(x, y, label)
    canvas.setFillColor(INK)
    canvas.setFont(FONT_NAME, 14)
    canvas.drawString(x + 32 * mm, y, value)
    canvas.setStrokeColor(colors.HexColor("#BBBBBB"))
    canvas.setLineWidth(0.4)
    canvas.line(x + 31 * mm, y - 2.2 * mm, x + width, y - 2.2 * mm)


def draw_certificate(canvas: Canvas, page: Page) -> None:
    """One certificate on one A4 landscape page."""
    certificate = page.certificate
    width, height = PAGE
    canvas.setFillColor(colors.HexColor("#FFFDF6"))
    canvas.rect(0, 0, width, height, stroke=0, fill=1)
    canvas.setStrokeColor(FRAME)
    canvas.setLineWidth(2.2)
    canvas.rect(8 * mm, 8 * mm, width - 16 * mm, height - 16 * mm)
    canvas.setLineWidth(0.6)
    canvas.rect(11 * mm, 11 * mm, width - 22 * mm, height - 22 * mm)

    canvas.setFillColor(RED)
    canvas.setFont(FONT_NAME, 30)
    canvas.drawCentredString(width / 2, height - 38 * mm, certificate_title(certificate))
    canvas.setFillColor(MUTED)
    canvas.setFont(FONT_NAME, 9.5)
    canvas.drawCentredString(width / 2, height - 45 * mm, "SPECIAL VOCATIONAL ABILITY CERTIFICATE"
                             if certificate.is_special else "VOCATIONAL SKILL LEVEL CERTIFICATE")
    canvas.setFont(FONT_NAME, 8.5)
    marker = _("电子证书") if page.electronic else _("纸质证书")
    if page.revision > 1:
        marker += _(" · 补发（第%(r)d版）") % {"r": page.revision}
    canvas.drawRightString(width - 16 * mm, height - 18 * mm, marker)

    # Photo
    px, py, pw, ph = 30 * mm, height - 108 * mm, 35 * mm, 49 * mm
    image = _photo(certificate)
    if image is not None:
        canvas.drawImage(image, px, py, pw, ph, preserveAspectRatio=True, anchor="c", mask="auto")
    else:
        canvas.setStrokeColor(colors.HexColor("#999999"))
        canvas.setDash(3, 2)
        canvas.rect(px, py, pw, ph)
        canvas.setDash()
        canvas.setFillColor(MUTED)
        canvas.setFont(FONT_NAME, 10)
        canvas.drawCentredString(px + pw / 2, py + ph / 2, _("照片"))

    # QR code: the verification link with the signed token after "#"
    qx, qy, qs = 29 * mm, 22 * mm, 39 * mm
    token = page.copy.token if page.copy else ""
    url = verification_url(certificate.number, token)
    draw_qr(canvas, url, qx, qy, qs)
    canvas.linkURL(url, (qx, qy, qx + qs, qy + qs), relative=0)
    canvas.setFillColor(MUTED)
    canvas.setFont(FONT_NAME, 8)
    canvas.drawCentredString(qx + qs / 2, qy - 4.5 * mm, _("扫码核验证书真伪"))

    # Fields
    x, top, field_width = 88 * mm, height - 66 * mm, 170 * mm
    unprintable = missing_glyphs(certificate.name)
    rows = [
        (_("姓　　名"), "" if unprintable else certificate.name),
        (_("证件类型"), certificate.id_type.name),
        (_("证件号码"), certificate.id_number),
        *face_rows(certificate),
        (_("证书编号"), certificate.number),
        (_("发证日期"), f"{certificate.issued_on:%Y年%m月%d日}"),
    ]
    for i, (label, value) in enumerate(rows):
        _field(canvas, x, top - i * 11 * mm, label, value, width=field_width)
    if unprintable:
        canvas.setFillColor(RED)
        canvas.setFont(FONT_NAME, 8)
        canvas.drawString(x + 80 * mm, top + 0.5 * mm,
                          _("（姓名含无法打印的字，由发证机构用黑色签字笔正楷填写并加盖印章）"))

    # Organisations and the seal
    oy = 36 * mm
    canvas.setFillColor(INK)
    canvas.setFont(FONT_NAME, 11)
    canvas.drawString(x, oy + 9 * mm, _("评价机构：%(o)s") % {"o": certificate.evaluation_organisation})
    canvas.drawString(x, oy, _("发证机构（印章）：%(o)s") % {"o": certificate.issuing_organisation})
    draw_seal(canvas, x + 130 * mm, oy + 8 * mm, 19 * mm, certificate.issuing_organisation,
              _("专项职业能力考核专用章") if certificate.is_special else _("职业技能等级认定专用章"))

    canvas.setFillColor(MUTED)
    canvas.setFont(FONT_NAME, 7.5)
    rule = (_("证书编号为“ZX”、机构备案号、年份和6位序列号。") if certificate.is_special
            else _("证书编号依据《职业技能等级证书编码规则（试行）》编制。"))
    canvas.drawString(x, 17 * mm, _("本证书信息可扫描二维码或登录 %(u)s 免费查询核验。") % {"u": query_url()} + rule)


def _canvas(buffer: io.BytesIO, title: str) -> Canvas:
    register_fonts()
    canvas = Canvas(buffer, pagesize=PAGE, initialFontName=FONT_NAME, pageCompression=1, lang="zh-CN")
    canvas.setTitle(title)
    canvas.setAuthor("企业技能人才自主评价平台")
    canvas.setCreator("skilleval")
    canvas.setSubject(_("职业技能等级证书"))
    return canvas


def render_pages(pages: Iterable[Page], *, title: str) -> bytes:
    """One PDF with a page per certificate (the batch's print file). Streams are written
    compressed and binary (reportlab's ASCII85 wrapping only makes files larger and slower)."""
    buffer = io.BytesIO()
    previous = rl_config.useA85
    rl_config.useA85 = 0
    try:
        canvas = _canvas(buffer, title)
        for page in pages:
            draw_certificate(canvas, page)
            canvas.showPage()
        canvas.save()
    finally:
        rl_config.useA85 = previous
    return buffer.getvalue()


def render_certificate(certificate: Certificate, copy: CertificateCopy | None, *, electronic: bool) -> bytes:
    title = f"{certificate_title(certificate)} {certificate.number}"
    return render_pages([Page(certificate=certificate, copy=copy, electronic=electronic)], title=title)


# ---------------------------------------------------------------------------------------------
# PAdES


@functools.lru_cache(maxsize=8)
def _pdf_signer(kid: str):
    from asn1crypto import keys as asn1_keys
    from asn1crypto import x509 as asn1_x509
    from cryptography.hazmat.primitives import serialization
    from pyhanko.sign import signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    material = load_key_material(kid)
    certificate = asn1_x509.Certificate.load(material.pdf_certificate.public_bytes(serialization.Encoding.DER))
    key = asn1_keys.PrivateKeyInfo.load(material.pdf_key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return signers.SimpleSigner(signing_cert=certificate, signing_key=key,
                                cert_registry=SimpleCertificateStore.from_certs([certificate]))


def sign_pdf(pdf: bytes, material: KeyMaterial, *, number: str) -> bytes:
    """Certify the PDF (PAdES baseline B, DocMDP "no changes"): any later change to the
    file shows as such in a PDF reader."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko.sign.signers.pdf_signer import PdfSignatureMetadata

    meta = PdfSignatureMetadata(
        field_name=SIGNATURE_FIELD, subfilter=fields.SigSeedSubFilter.PADES, md_algorithm="sha256",
        reason=_("职业技能等级电子证书 %(n)s") % {"n": number}, name=_("企业技能人才自主评价平台"),
        certify=True, docmdp_permissions=fields.MDPPerm.NO_CHANGES)
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    signer = _pdf_signer(material.kid)
    output = _outside_event_loop(signers.sign_pdf, writer, meta, signer=signer, bytes_reserved=SIGNATURE_BYTES)
    return output.getvalue()


def _outside_event_loop(func, *args, **kwargs):
    """pyHanko's synchronous API runs its own event loop; when the caller's thread already
    runs one (an async server, Playwright's sync API in the browser tests) it signs in a
    short-lived thread instead. Nothing in the signing touches the database."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return func(*args, **kwargs)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(func, *args, **kwargs).result()


def electronic_pdf(certificate: Certificate, copy: CertificateCopy, material: KeyMaterial) -> bytes:
    return sign_pdf(render_certificate(certificate, copy, electronic=True), material, number=certificate.number)


def zip_files(files: Iterable[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for name, content in files:
            archive.writestr(name, content)
    return buffer.getvalue()


def pdf_filename(certificate: Certificate, *, electronic: bool = True) -> str:
    kind = "electronic" if electronic else "print"
    return f"certificate-{certificate.number}-{kind}.pdf"
