"""Schemas of the certificate endpoints (/api/v1/certificates/...). The public ones carry
only what verification needs: the ID number masked, no birth date, no contact data."""

import datetime as dt

from ninja import Field, Schema


class PublicCertificateOut(Schema):
    number: str
    name: str
    id_type: str = Field(description="证件类型名称")
    id_number_masked: str = Field(description="脱敏后的证件号码")
    occupation: str
    work_type: str
    level: str
    issued_on: dt.date
    evaluation_organisation: str
    issuing_organisation: str
    status: str = Field(description="valid 有效 / reissued 有效（已补发）/ revoked 已撤销")
    status_label: str
    revision: int = Field(description="现行版次；补办后递增，编号不变")
    revoked_on: dt.date | None = None
    revocation_ground: str = ""
    verify_url: str


class QueryOut(Schema):
    found: bool
    message: str
    certificates: list[PublicCertificateOut]


class IdentityQueryIn(Schema):
    name: str = Field(..., min_length=1, max_length=50)
    id_number: str = Field(..., min_length=1, max_length=40)
    captcha_token: str = Field("", max_length=64)
    captcha_answer: str = Field("", max_length=6)


class GateOut(Schema):
    detail: str
    captcha_required: bool = False
    captcha_token: str = ""
    captcha_image_url: str = ""
    retry_after: int = 0


class CaptchaOut(Schema):
    token: str
    image_url: str
    expires_in: int


class CertificateOut(Schema):
    id: int
    number: str
    name: str
    id_type_code: str = Field(alias="id_type.code")
    id_number: str
    id_number_masked: str = Field(alias="masked_id_number")
    unit: str
    occupation_code: str = Field(alias="occupation.code")
    occupation_name: str = Field(alias="occupation.name")
    work_type_name: str | None = Field(None, alias="work_type.name")
    level_code: int
    issued_on: dt.date
    evaluation_organisation: str
    issuing_organisation: str
    status: str
    revision: int
    unprintable: str = Field(description="证书字体无法打印、须手写的姓名用字")
    batch_id: int | None = None


class IssueIn(Schema):
    issued_on: dt.date | None = None


class IssueOut(Schema):
    job_id: int
    job_url: str
