"""Hostile spreadsheets and uploads: each is refused with a message a clerk can act
on, and none raises anything but a DomainError (never a server error)."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from skilleval.core.errors import DomainError
from skilleval.core.files import check_upload
from skilleval.core.tabular import MAX_XLSX_UNCOMPRESSED, read_table


def workbook(rows) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def repacked(data: bytes, extra: dict[str, bytes]) -> bytes:
    """The workbook with members added, as a hand-crafted file would have them."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            dst.writestr(item, src.read(item.filename))
        for name, payload in extra.items():
            dst.writestr(name, payload)
    return out.getvalue()


def test_a_zip_bomb_is_refused_before_it_is_expanded():
    bomb = repacked(workbook([["姓名"], ["张三"]]), {"xl/media/padding.bin": b"\0" * (MAX_XLSX_UNCOMPRESSED + 1)})
    assert len(bomb) < 1024 * 1024  # a small file on the wire
    with pytest.raises(DomainError, match="解压后过大"):
        read_table(bomb, "名单.xlsx", required=["姓名"])


def test_a_workbook_with_macros_is_refused():
    macro = repacked(workbook([["姓名"], ["张三"]]), {"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0 macro"})
    with pytest.raises(DomainError, match="含有宏"):
        read_table(macro, "名单.xlsx", required=["姓名"])
    printer = repacked(workbook([["姓名"], ["张三"]]), {"xl/printerSettings/printerSettings1.bin": b"\0" * 64})
    assert read_table(printer, "名单.xlsx", required=["姓名"]).rows == [(2, {"姓名": "张三"})]


@pytest.mark.parametrize("payload", [b"", b"not a zip at all", b"PK\x03\x04broken", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"])
def test_files_that_are_not_workbooks_say_so(payload):
    with pytest.raises(DomainError):
        read_table(payload, "名单.xlsx", required=["姓名"])


def test_formulas_are_flagged_not_trusted_and_types_become_text():
    data = workbook([["姓名", "年限", "日期"], ["=HYPERLINK(\"http://evil\",\"张三\")", 3.0, 12345678901234567890]])
    table = read_table(data, "名单.xlsx", required=["姓名"], flag_formulas=True)
    assert table.formula_cells == [(2, "姓名")] and table.rows[0][1]["姓名"] == ""
    assert table.rows[0][1]["年限"] == "3"


def test_a_huge_sheet_stops_at_the_row_limit():
    data = workbook([["姓名"]] + [[f"考生{i}"] for i in range(60)])
    with pytest.raises(DomainError, match="超过 50 行的上限"):
        read_table(data, "名单.xlsx", required=["姓名"], max_rows=50)


@pytest.mark.parametrize("name, content, message", [
    ("../../etc/passwd.pdf", b"%PDF-1.4 x", None),  # the path is dropped, the name kept
    ("证件.pdf", b"MZ\x90\x00 an executable", "文件内容与扩展名"),
    ("证件.exe", b"MZ\x90\x00", "不支持的文件类型"),
    (".htaccess", b"x", "文件名无效"),
    ("photo.png", b"", "文件是空的"),
    ("scan.jpg", b"\xff\xd8\xff" + b"\0" * (2 * 1024 * 1024), "超过上限"),
])
def test_uploads_are_checked_by_content_and_name(name, content, message):
    upload = SimpleUploadedFile(name, content)
    if message is None:
        checked = check_upload(upload, allowed=("pdf",))
        assert checked.name == "passwd.pdf"
        return
    with pytest.raises(DomainError, match=message):
        check_upload(upload, allowed=("pdf", "png", "jpg"), max_bytes=1024 * 1024)
