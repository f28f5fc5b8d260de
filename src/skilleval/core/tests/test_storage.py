"""Uploaded files on an S3-compatible bucket (several app servers share them): a real S3
API server (moto's, on loopback) stands in for MinIO/OSS/COS; the files are private and
any link to them is signed and expires."""

import socket
import subprocess
import sys
import time
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
from django.core.files.base import ContentFile
from storages.backends.s3 import S3Storage


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def s3_endpoint():
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    endpoint = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.1)
    try:
        yield endpoint
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_uploads_round_trip_through_a_private_bucket_with_signed_links(s3_endpoint):
    keys = {"aws_access_key_id": "skilleval", "aws_secret_access_key": "skilleval-secret", "region_name": "cn-north-1"}
    boto3.client("s3", endpoint_url=s3_endpoint, **keys).create_bucket(
        Bucket="skilleval-media", CreateBucketConfiguration={"LocationConstraint": "cn-north-1"})
    storage = S3Storage(bucket_name="skilleval-media", endpoint_url=s3_endpoint, access_key=keys["aws_access_key_id"],
                        secret_key=keys["aws_secret_access_key"], region_name="cn-north-1", default_acl="private",
                        querystring_auth=True, file_overwrite=False, location="media")
    first = storage.save("applications/photos/2026/张三.jpg", ContentFile(b"\xff\xd8\xff first"))
    second = storage.save("applications/photos/2026/张三.jpg", ContentFile(b"\xff\xd8\xff second"))
    assert first != second  # never overwrites another person's file
    with storage.open(first) as stored:
        assert stored.read() == b"\xff\xd8\xff first"
    query = parse_qs(urlsplit(storage.url(first)).query)
    assert "X-Amz-Signature" in query and "X-Amz-Expires" in query
    acl = boto3.client("s3", endpoint_url=s3_endpoint, **keys).get_object_acl(Bucket="skilleval-media",
                                                                             Key=f"media/{first}")
    assert not any(g["Grantee"].get("URI", "").endswith("AllUsers") for g in acl["Grants"])
