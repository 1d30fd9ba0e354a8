"""A real S3-compatible server on the loopback for the storage tests: moto's
ThreadedMotoServer (the `moto[server]` test extra), one per test session,
and a fresh bucket per test."""

from __future__ import annotations

import uuid

import pytest

CREDENTIALS = {"region_name": "us-east-1", "aws_access_key_id": "test", "aws_secret_access_key": "test"}


@pytest.fixture(scope="session")
def s3_endpoint():
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3_bucket(s3_endpoint):
    import boto3

    name = f"photos-{uuid.uuid4().hex[:12]}"
    boto3.client("s3", endpoint_url=s3_endpoint, **CREDENTIALS).create_bucket(Bucket=name)
    return name


def s3_settings(endpoint: str, bucket: str, prefix: str = "") -> dict:
    """The app settings that put its photos in that bucket."""
    return {"media_storage": "s3", "s3_endpoint_url": endpoint, "s3_bucket": bucket, "s3_prefix": prefix,
            "s3_region": CREDENTIALS["region_name"], "s3_access_key_id": CREDENTIALS["aws_access_key_id"],
            "s3_secret_access_key": CREDENTIALS["aws_secret_access_key"]}
