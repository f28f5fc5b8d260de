"""The one pagination of every API list: page numbers, with bounds so that an absurd
page (the fuzzer's 10**20) answers 422 instead of overflowing the database's OFFSET."""

from ninja import Field, Schema
from ninja.pagination import PageNumberPagination

MAX_PAGE = 100_000


class Pages(PageNumberPagination):
    class Input(Schema):
        page: int = Field(1, ge=1, le=MAX_PAGE, description="页码")
        page_size: int | None = Field(None, ge=1, le=1000, description="每页条数")
