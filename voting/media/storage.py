"""Where photo files live: a small interface with two implementations, a local
folder (the default: VOTING_UPLOAD_DIR) and an S3-compatible store
(VOTING_MEDIA_STORAGE=s3 and the VOTING_S3_* settings). One test suite runs
against both (tests/integration/test_media_storage.py).

Keys are relative paths of lower-case letters, digits, `.`, `_`, `-` and `/`.
Both stores are served the same way: through the app's /media/ routes, which
apply the entries' visibility rules and the caching headers
(`voting/media/serving.py`); neither is ever exposed directly, so a bucket
stays private.
"""

from __future__ import annotations

import os
import re
import tempfile
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from flask import Flask, current_app

KEY = re.compile(r"[a-z0-9][a-z0-9._-]*(?:/[a-z0-9][a-z0-9._-]*)*")
EXTENSION = "media_storage"
CHUNK = 64 * 1024


class MissingFile(LookupError):
    pass


def check_key(key: str) -> str:
    """Keys never climb out of their store (`..`) nor start from its root."""
    if not isinstance(key, str) or len(key) > 300 or not KEY.fullmatch(key):
        raise ValueError(f"not a storage key: {key!r}")
    return key


@dataclass
class StoredFile:
    """An open stored file, read in chunks by whoever serves it; close it after."""

    stream: BinaryIO
    length: int

    def chunks(self) -> Iterator[bytes]:
        try:
            while chunk := self.stream.read(CHUNK):
                yield chunk
        finally:
            self.stream.close()


class Storage(ABC):
    @abstractmethod
    def put(self, key: str, data: bytes, content_type: str) -> None:
        """Store `data` under `key`, replacing what was there; readers never see half a file."""

    @abstractmethod
    def get(self, key: str) -> bytes:
        """The file's bytes; MissingFile if there is none."""

    @abstractmethod
    def open(self, key: str) -> StoredFile:
        """The file to stream; MissingFile if there is none."""

    @abstractmethod
    def delete(self, key: str) -> None:
        """Remove the file; removing a missing file is no error (cleanups run twice)."""

    @abstractmethod
    def exists(self, key: str) -> bool: ...

    @abstractmethod
    def keys(self, prefix: str = "") -> list[str]:
        """Every key under `prefix` (a folder: `entries/3/`), sorted."""


class LocalStorage(Storage):
    def __init__(self, root: str | Path):
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    def put(self, key: str, data: bytes, content_type: str) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written beside the target and renamed over it: a reader sees the old file or the new one.
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".part-")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def get(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except (FileNotFoundError, IsADirectoryError):
            raise MissingFile(key) from None

    def open(self, key: str) -> StoredFile:
        path = self._path(key)
        try:
            stream = path.open("rb")
        except (FileNotFoundError, IsADirectoryError):
            raise MissingFile(key) from None
        return StoredFile(stream, os.fstat(stream.fileno()).st_size)

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def keys(self, prefix: str = "") -> list[str]:
        base = self.root / check_key(prefix.rstrip("/")) if prefix else self.root
        if not base.is_dir():
            return []
        found = (p.relative_to(self.root).as_posix() for p in base.rglob("*") if p.is_file())
        return sorted(k for k in found if not k.rsplit("/", 1)[-1].startswith(".part-"))


class S3Storage(Storage):
    """Any S3-compatible store, through boto3 (the `s3` extra). The client is
    made on first use, so building the app connects to nothing."""

    def __init__(self, bucket: str, prefix: str = "", client: Any = None, **client_options: Any):
        self.bucket, self.prefix = bucket, prefix
        self._client, self._options = client, client_options

    @property
    def client(self):
        if self._client is None:
            import boto3  # the optional `s3` extra; only this store needs it
            from botocore.config import Config

            options = {k: v for k, v in self._options.items() if v}
            self._client = boto3.client("s3", config=Config(retries={"max_attempts": 3, "mode": "standard"}),
                                        **options)
        return self._client

    def _key(self, key: str) -> str:
        return self.prefix + check_key(key)

    def _missing(self, error) -> bool:
        return error.response.get("Error", {}).get("Code") in {"NoSuchKey", "404", "NotFound"}

    def put(self, key: str, data: bytes, content_type: str) -> None:
        self.client.put_object(Bucket=self.bucket, Key=self._key(key), Body=data, ContentType=content_type)

    def get(self, key: str) -> bytes:
        stored = self.open(key)
        try:
            return stored.stream.read()
        finally:
            stored.stream.close()

    def open(self, key: str) -> StoredFile:
        from botocore.exceptions import ClientError

        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self._key(key))
        except ClientError as error:
            if self._missing(error):
                raise MissingFile(key) from None
            raise
        return StoredFile(answer["Body"], answer["ContentLength"])

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._key(key))  # S3 deletes are idempotent

    def exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self._key(key))
        except ClientError as error:
            if self._missing(error):
                return False
            raise
        return True

    def keys(self, prefix: str = "") -> list[str]:
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self.prefix + prefix)
        found = [item["Key"][len(self.prefix):] for page in pages for item in page.get("Contents", [])]
        return sorted(found)


def build(settings, upload_dir: str) -> Storage:
    if settings.media_storage == "s3":
        return S3Storage(settings.s3_bucket, settings.s3_prefix, endpoint_url=settings.s3_endpoint_url,
                         region_name=settings.s3_region, aws_access_key_id=settings.s3_access_key_id,
                         aws_secret_access_key=settings.s3_secret_access_key)
    return LocalStorage(upload_dir)


def install(app: Flask) -> None:
    app.extensions[EXTENSION] = build(app.config["VOTING"], app.config["UPLOAD_DIR"])


def storage() -> Storage:
    """The current app's store."""
    return current_app.extensions[EXTENSION]
