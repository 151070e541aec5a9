"""Unpacking the Shapefile parts of an uploaded zip, within a size limit.

Only a Shapefile's parts leave the zip, flat and by name only (no folder in a member's
name can lead out of the target), and the bytes really written are counted: the sizes in
a zip's directory are the sender's word. A ``.shp`` and ``.shx`` must start with the
Shapefile magic number, which no other GDAL driver claims.
"""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path, PurePosixPath

from measures.domain.messages import Count, Message
from measures.domain.vocabulary import N_
from measures.gis.upload_errors import GisFileError

SHAPEFILE_PARTS = {".shp", ".shx", ".dbf", ".prj", ".cpg"}
SHAPEFILE_MAGIC = b"\x00\x00\x27\x0a"
_CHUNK = 1024 * 1024


def _too_large_unpacked(limit: int) -> GisFileError:
    return GisFileError(
        Message(
            N_(
                "Die ZIP-Datei ist entpackt größer als %(megabytes)s MB; so große "
                "Shapefiles lassen sich nicht einlesen."
            ),
            megabytes=Count(limit // (1024 * 1024)),
        )
    )


def _extract(archive: zipfile.ZipFile, member: zipfile.ZipInfo, target: Path, budget: int) -> int:
    """Copy ``member`` to ``target`` in chunks; the bytes written, at most ``budget``.

    The sizes in a zip's directory are the sender's word: the real bytes are counted too.
    """
    written = 0
    with archive.open(member) as source, target.open("wb") as sink:
        while chunk := source.read(_CHUNK):
            written += len(chunk)
            if written > budget:
                raise OverflowError
            sink.write(chunk)
    return written


def unpack_shapefiles(archive_path: Path, target: Path, limit: int) -> list[Path]:
    """Unpack the Shapefile parts of the zip (flat, by name only) and return the .shp files."""
    try:
        archive = zipfile.ZipFile(archive_path)
    except (zipfile.BadZipFile, OSError):
        raise GisFileError(N_("Die ZIP-Datei ist beschädigt oder keine ZIP-Datei.")) from None
    with archive:
        members = [m for m in archive.infolist() if not m.is_dir()]
        target.mkdir(parents=True, exist_ok=True)
        seen: dict[str, zipfile.ZipInfo] = {}
        for member in members:
            # Only the file name counts: no folders, so no path can leave the target.
            name = PurePosixPath(member.filename.replace("\\", "/")).name
            if name.startswith(".") or PurePosixPath(name).suffix.lower() not in SHAPEFILE_PARTS:
                continue
            if "__MACOSX" in member.filename:
                continue
            if name.lower() in seen:
                raise GisFileError(
                    Message(N_("Die ZIP-Datei enthält „%(name)s“ mehrfach."), name=name)
                )
            seen[name.lower()] = member
        if sum(m.file_size for m in seen.values()) > limit:
            raise _too_large_unpacked(limit)
        budget = limit
        for member in seen.values():
            name = PurePosixPath(member.filename.replace("\\", "/")).name
            try:
                budget -= _extract(archive, member, target / name, budget)
            except OverflowError:
                shutil.rmtree(target, ignore_errors=True)
                raise _too_large_unpacked(limit) from None
            except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError):
                raise GisFileError(N_("Die ZIP-Datei ist beschädigt.")) from None
    shapes = sorted(p for p in target.iterdir() if p.suffix.lower() == ".shp")
    if not shapes:
        raise GisFileError(
            N_(
                "Die ZIP-Datei enthält kein Shapefile (.shp mit .shx und .dbf, am besten mit "
                ".prj und .cpg)."
            )
        )
    for shape in shapes:
        for part in (".shx", ".dbf"):
            if sibling(shape, part) is None:
                raise GisFileError(
                    Message(
                        N_("Zu „%(shape)s“ fehlt in der ZIP-Datei „%(part)s“."),
                        shape=shape.name,
                        part=shape.stem + part,
                    )
                )
        for part in (shape, sibling(shape, ".shx")):
            with part.open("rb") as file:
                if file.read(4) != SHAPEFILE_MAGIC:
                    raise GisFileError(
                        Message(
                            N_(
                                "„%(name)s“ ist kein Teil eines Shapefiles; die ZIP-Datei "
                                "enthält offenbar eine andere Art Datei unter diesem Namen."
                            ),
                            name=part.name,
                        )
                    )
    return shapes


def sibling(shape: Path, suffix: str) -> Path | None:
    wanted = (shape.stem + suffix).lower()
    return next((p for p in shape.parent.iterdir() if p.name.lower() == wanted), None)
