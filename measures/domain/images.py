"""Checking an uploaded image by decoding it, and re-encoding it without any metadata.

An upload counts as a photo only when Pillow decodes all of it as JPEG, PNG, WebP or
HEIC/HEIF (HEIC through pillow-heif, which brings libheif in its wheel); its file name
and the browser's MIME type are never asked. The pixel count is checked from the header
before any pixel is decoded, so a small file that unpacks into a huge image (a
decompression bomb) is refused without the memory it would take.

What is kept is the pixels only: the EXIF orientation is applied first, a colour profile
(Display P3 of phones, Adobe RGB of cameras) is converted into sRGB, and then a new image
is made from the pixel data alone, so no EXIF (GPS position, camera, time), XMP, IPTC,
ICC profile or comment reaches a file we write. Converting instead of dropping the
profile keeps the colours right; an image without a profile is shown as sRGB by every
browser. The variants are WebP: every current browser shows it, it keeps the
transparency of a PNG, and it is about a third smaller than JPEG at the same quality.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

import pillow_heif
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

from measures.domain.photos import VARIANTS, InvalidPhoto
from measures.domain.vocabulary import N_

pillow_heif.register_heif_opener()

MAX_BYTES = 10 * 1024 * 1024
# 50 million pixels: more than the 48-megapixel main cameras of current phones.
MAX_PIXELS = 50_000_000
FORMATS = ("JPEG", "PNG", "WEBP", "HEIF")
CONTENT_TYPE = "image/webp"
QUALITY = 80

TOO_LARGE = N_("Das Foto ist größer als 10 MB. Bitte wählen Sie ein kleineres Foto.")
NOT_AN_IMAGE = N_(
    "Diese Datei ist kein Foto, das wir lesen können. Bitte wählen Sie ein Foto im Format "
    "JPEG, PNG, WebP oder HEIC."
)
TOO_MANY_PIXELS = N_(
    "Das Foto hat zu viele Bildpunkte (mehr als 50 Millionen). Bitte wählen Sie ein kleineres Foto."
)
EMPTY = N_("Bitte wählen Sie ein Foto aus.")

_SRGB = ImageCms.createProfile("sRGB")


@dataclass(frozen=True)
class EncodedPhoto:
    """The variants of one photo, by name: WebP bytes without metadata."""

    variants: dict[str, bytes]
    width: int
    height: int


def _decoded(data: bytes, max_pixels: int) -> Image.Image:
    """The decoded image, or InvalidPhoto: not an image, not a format we take, truncated,
    or more pixels than ``max_pixels``."""
    try:
        with warnings.catch_warnings():
            # Pillow only warns below twice its own limit; here any excess is refused.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=FORMATS)
            width, height = image.size
            if width * height > max_pixels:
                raise InvalidPhoto(TOO_MANY_PIXELS)
            image.load()
    except InvalidPhoto:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise InvalidPhoto(TOO_MANY_PIXELS) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError, TypeError):
        # Pillow's errors for files that are no image or end early ("image file is
        # truncated"): the resident learns only that the file cannot be read.
        raise InvalidPhoto(NOT_AN_IMAGE) from None
    return image


def _in_srgb(image: Image.Image) -> Image.Image:
    """The pixels, turned upright and into sRGB, as RGB or RGBA."""
    image = ImageOps.exif_transpose(image)
    alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    mode = "RGBA" if alpha else "RGB"
    profile = image.info.get("icc_profile")
    if profile:
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(profile))
            converted = image.convert(mode) if image.mode not in ("RGB", "RGBA") else image
            return ImageCms.profileToProfile(converted, source, _SRGB, outputMode=mode)
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass  # an unreadable profile: the pixels as they are, like a browser shows them
    return image.convert(mode)


def _bare(image: Image.Image) -> Image.Image:
    """A new image from the pixel data alone: nothing of ``info`` comes along."""
    return Image.frombytes(image.mode, image.size, image.tobytes())


def encode_photo(data: bytes, max_pixels: int = MAX_PIXELS) -> EncodedPhoto:
    """Check an upload and make its variants; InvalidPhoto (German) when it is refused."""
    if not data:
        raise InvalidPhoto(EMPTY)
    if len(data) > MAX_BYTES:
        raise InvalidPhoto(TOO_LARGE)
    try:
        pixels = _bare(_in_srgb(_decoded(data, max_pixels)))
    except InvalidPhoto:
        raise
    except (OSError, ValueError):
        raise InvalidPhoto(NOT_AN_IMAGE) from None
    variants, sizes = {}, {}
    for name, longest in VARIANTS.items():
        variant = pixels.copy()
        variant.thumbnail((longest, longest), Image.Resampling.LANCZOS)
        out = io.BytesIO()
        variant.save(out, "WEBP", quality=QUALITY, method=4)
        variants[name] = out.getvalue()
        sizes[name] = variant.size
    width, height = sizes["gross"]
    return EncodedPhoto(variants, width, height)
