"""Uploaded files: type and size checked on the server by content (magic bytes),
not by the name the browser sends. Nothing is stored when a check fails."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from django.utils.translation import gettext as _

from .errors import DomainError

MAX_UPLOAD_BYTES = 20 * 1024 * 1024

_SIGNATURES = {
    "pdf": (b"%PDF-",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "docx": (b"PK\x03\x04",),
    "xlsx": (b"PK\x03\x04",),
    "zip": (b"PK\x03\x04",),
}
CONTENT_TYPES = {
    "pdf": "application/pdf", "jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "zip": "application/zip",
}
DOCUMENT_TYPES = ("pdf", "jpg", "jpeg", "png", "docx", "xlsx", "zip")


@dataclass(frozen=True)
class CheckedUpload:
    name: str
    extension: str
    size: int
    content_type: str


def check_upload(upload: Any, *, allowed: tuple[str, ...] = DOCUMENT_TYPES,
                 max_bytes: int = MAX_UPLOAD_BYTES, field: str = "file") -> CheckedUpload:
    """Check an uploaded file's name, size and leading bytes; return what we will store."""
    if upload is None:
        raise DomainError(_("请选择要上传的文件。"), field=field)
    name = PurePath(str(getattr(upload, "name", "") or "").replace("\\", "/")).name.strip()
    if not name or name.startswith("."):
        raise DomainError(_("文件名无效。"), field=field)
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in allowed:
        raise DomainError(
            _("不支持的文件类型“%(ext)s”，只接受：%(allowed)s。") % {
                "ext": extension or "?", "allowed": "、".join(sorted({a.upper() for a in allowed}))},
            field=field,
        )
    size = int(getattr(upload, "size", 0) or 0)
    if size <= 0:
        raise DomainError(_("文件是空的。"), field=field)
    if size > max_bytes:
        raise DomainError(_("文件大小 %(size).1f MB 超过上限 %(max)d MB。") % {
            "size": size / 1024 / 1024, "max": max_bytes // 1024 // 1024}, field=field)
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if not any(head.startswith(sig) for sig in _SIGNATURES[extension]):
        raise DomainError(_("文件内容与扩展名“%(ext)s”不符，请上传真实的 %(ext)s 文件。") % {"ext": extension.upper()},
                          field=field)
    return CheckedUpload(name=name[:200], extension=extension, size=size, content_type=CONTENT_TYPES[extension])
