"""The photo storage of the app (a folder or an S3 bucket, by the settings), and removing
files whose rows are gone."""

from __future__ import annotations

import logging
from pathlib import Path

from flask import current_app

from measures.storage.photo_files import (
    FilePhotoStorage,
    PhotoStorage,
    PhotoStorageError,
    S3PhotoStorage,
)

log = logging.getLogger(__name__)

_KEY = "quartierskarte.photo_files"


def make_storage(config, instance_path: str) -> PhotoStorage:
    """The photo storage the settings name: a folder (default) or an S3 bucket."""
    kind = config["PHOTO_STORAGE"]
    if kind == "s3":
        if not config["S3_BUCKET"]:
            raise ValueError("PHOTO_STORAGE=s3 braucht S3_BUCKET.")
        return S3PhotoStorage(
            config["S3_BUCKET"],
            endpoint_url=config["S3_ENDPOINT_URL"],
            access_key=config["S3_ACCESS_KEY"],
            secret_key=config["S3_SECRET_KEY"],
            region=config["S3_REGION"],
        )
    if kind != "filesystem":
        raise ValueError("PHOTO_STORAGE muss filesystem oder s3 sein.")
    return FilePhotoStorage(Path(config["PHOTO_FOLDER"] or Path(instance_path) / "photos"))


def photo_files() -> PhotoStorage:
    app = current_app
    if _KEY not in app.extensions:
        app.extensions[_KEY] = make_storage(app.config, app.instance_path)
    return app.extensions[_KEY]


def remove_files(keys: list[str]) -> None:
    """Remove files whose rows are gone (after the commit). A failure is logged and
    leaves an orphan for ``photos purge-orphans``; the use case has happened anyway."""
    storage = photo_files()
    failed = 0
    for key in keys:
        try:
            storage.delete(key)
        except (PhotoStorageError, OSError):
            failed += 1
    if failed:
        log.warning("%d Fotodateien nicht gelöscht; photos purge-orphans entfernt sie", failed)
