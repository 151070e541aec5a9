"""Where the image files of photos lie: a small interface with two implementations.

``FilePhotoStorage`` keeps them in a folder of the instance (the default, for one
machine); ``S3PhotoStorage`` in a bucket of an S3-compatible service, for deployments
with several machines that share no disk. Both hold bytes with their content type under a
key that the app makes up (``measures.domain.photos.variant_key``: a random id and the
variant's name), never a name a person chose. The database says which photos exist;
files without a row (left when removing them failed after the row was deleted) are found
by ``keys`` and removed by ``flask --app app photos purge-orphans``.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from measures.domain.errors import UserError
from measures.domain.vocabulary import N_

# What a key looks like: an id of letters, digits, "-" and "_", a slash, a variant name
# and the extension. Checked by every method, so that no key can name a path outside.
_KEY = re.compile(r"[A-Za-z0-9_-]{8,64}/[a-z0-9]{1,20}\.[a-z]{3,4}")
UNAVAILABLE = N_(
    "Wir konnten das Foto gerade nicht speichern. Bitte versuchen Sie es später noch einmal."
)
# PDFs: the files of measures' decision paths (measures/storage/decision_path.py).
_CONTENT_TYPES = {
    ".webp": "image/webp",
    ".jpg": "image/jpeg",
    ".png": "image/png",
    ".pdf": "application/pdf",
}


class PhotoStorageError(UserError):
    """The storage could not be reached or refused. People read a German sentence; the
    ``detail`` for the log names the operation and the service's error code, never a key
    or a secret."""

    def __init__(self, detail: str):
        super().__init__(UNAVAILABLE, status=503, code="storage_unavailable")
        self.detail = detail


@dataclass(frozen=True)
class StoredFile:
    data: bytes
    content_type: str


def check_key(key: str) -> str:
    if not _KEY.fullmatch(key):
        raise ValueError("not a photo key")
    return key


class PhotoStorage(Protocol):
    def put(self, key: str, data: bytes, content_type: str) -> None: ...

    def get(self, key: str) -> StoredFile | None: ...

    def delete(self, key: str) -> None: ...

    def keys(self) -> Iterator[tuple[str, datetime]]:
        """Every key with the time its file was written."""
        ...


class FilePhotoStorage:
    """Files in a folder: ``<root>/<id>/<variant>.webp``; the content type by extension."""

    def __init__(self, root: Path):
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    def put(self, key: str, data: bytes, content_type: str) -> None:
        path = self._path(key)
        if _CONTENT_TYPES.get(path.suffix) != content_type:
            raise ValueError("the key's extension does not fit the content type")
        # Written beside and renamed: a reader never sees half a file.
        partial = path.with_name(f".{path.name}.{secrets.token_hex(4)}.part")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            partial.write_bytes(data)
            os.replace(partial, path)
        except OSError as error:  # a full disk, a folder without write permission
            with contextlib.suppress(OSError):
                partial.unlink(missing_ok=True)
            raise PhotoStorageError(f"file put: {type(error).__name__}") from None

    def get(self, key: str) -> StoredFile | None:
        path = self._path(key)
        try:
            return StoredFile(path.read_bytes(), _CONTENT_TYPES[path.suffix])
        except FileNotFoundError:
            return None

    def delete(self, key: str) -> None:
        path = self._path(key)
        path.unlink(missing_ok=True)
        try:
            path.parent.rmdir()
        except OSError:
            pass  # other variants are still there

    def keys(self) -> Iterator[tuple[str, datetime]]:
        if not self.root.is_dir():
            return
        for path in sorted(self.root.glob("*/*")):
            key = f"{path.parent.name}/{path.name}"
            if _KEY.fullmatch(key):
                yield key, datetime.fromtimestamp(path.stat().st_mtime, UTC)


class S3PhotoStorage:
    """Objects in a bucket of an S3-compatible service (AWS S3, MinIO, Ceph, Garage …)."""

    def __init__(
        self,
        bucket: str,
        endpoint_url: str | None = None,
        access_key: str | None = None,
        secret_key: str | None = None,
        region: str | None = None,
    ):
        import boto3
        from botocore.config import Config

        self.bucket = bucket
        self.client = boto3.client(
            "s3",
            endpoint_url=endpoint_url or None,
            aws_access_key_id=access_key or None,
            aws_secret_access_key=secret_key or None,
            region_name=region or None,
            # Path-style addressing works with every S3-compatible server; a short
            # timeout and few retries keep a request from hanging on a storage outage.
            config=Config(
                s3={"addressing_style": "path"},
                connect_timeout=5,
                read_timeout=20,
                retries={"max_attempts": 3, "mode": "standard"},
            ),
        )

    def _call(self, method: str, **params):
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return getattr(self.client, method)(Bucket=self.bucket, **params)
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "")
            if code in ("NoSuchKey", "404"):
                return None
            raise PhotoStorageError(f"S3 {method}: {code or 'error'}") from None
        except BotoCoreError as error:
            raise PhotoStorageError(f"S3 {method}: {type(error).__name__}") from None

    def put(self, key: str, data: bytes, content_type: str) -> None:
        self._call("put_object", Key=check_key(key), Body=data, ContentType=content_type)

    def get(self, key: str) -> StoredFile | None:
        found = self._call("get_object", Key=check_key(key))
        if found is None:
            return None
        with found["Body"] as body:
            return StoredFile(body.read(), found.get("ContentType") or "application/octet-stream")

    def delete(self, key: str) -> None:
        self._call("delete_object", Key=check_key(key))

    def keys(self) -> Iterator[tuple[str, datetime]]:
        token = None
        while True:
            params = {"ContinuationToken": token} if token else {}
            page = self._call("list_objects_v2", **params) or {}
            for item in page.get("Contents", []):
                if _KEY.fullmatch(item["Key"]):
                    yield item["Key"], item["LastModified"]
            if not page.get("IsTruncated"):
                return
            token = page.get("NextContinuationToken")
