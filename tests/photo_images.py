"""Image files for the photo tests, made here with Pillow (none is checked in)."""

from __future__ import annotations

import io

from PIL import Image, ImageCms

# A spot in Dalheim, as a phone writes it into EXIF: degrees, minutes, seconds.
GPS = {1: "N", 2: (50.0, 33.0, 55.8), 3: "E", 4: (8.0, 28.0, 26.4)}
XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
    b'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description '
    b'xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="50,33.93N"/>'
    b"</rdf:RDF></x:xmpmeta>"
)


def _colourful(size: tuple[int, int]) -> Image.Image:
    """An image with a gradient, so that a wrong rotation or colour shows in a test."""
    image = Image.linear_gradient("L").resize(size).convert("RGB")
    image.paste((220, 20, 20), (0, 0, size[0] // 4, size[1] // 4))  # red at the top left
    return image


def jpeg_with_gps(size: tuple[int, int] = (1200, 800), orientation: int = 1) -> bytes:
    """A JPEG as a phone writes it: EXIF with camera, time and GPS, XMP, an ICC profile."""
    exif = Image.Exif()
    exif[0x010F] = "Telefonhersteller"
    exif[0x0110] = "Telefon 12"
    exif[0x0132] = "2026:11:30 14:03:00"
    exif[0x0112] = orientation
    exif.get_ifd(0x8825).update(GPS)
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    out = io.BytesIO()
    _colourful(size).save(out, "JPEG", exif=exif, icc_profile=icc, xmp=XMP, comment=b"Dalheim")
    return out.getvalue()


def png_with_alpha(size: tuple[int, int] = (300, 200)) -> bytes:
    image = Image.new("RGBA", size, (0, 120, 0, 0))
    image.paste((0, 120, 0, 255), (0, 0, size[0] // 2, size[1]))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def encoded(size: tuple[int, int], fmt: str) -> bytes:
    out = io.BytesIO()
    _colourful(size).save(out, fmt)
    return out.getvalue()


def truncated_jpeg() -> bytes:
    data = jpeg_with_gps()
    return data[: len(data) // 2]


def decompression_bomb() -> bytes:
    """A PNG of 60 KB that decodes into 8000 × 8000 pixels (64 million)."""
    out = io.BytesIO()
    Image.new("L", (8000, 8000)).save(out, "PNG", optimize=True)
    return out.getvalue()


def oversized_jpeg() -> bytes:
    """A real JPEG padded past 10 MB (bytes after the end marker are ignored by readers)."""
    return jpeg_with_gps() + b"\0" * (10 * 1024 * 1024)


def metadata_of(data: bytes) -> dict:
    """What Pillow finds besides the pixels: the info keys, EXIF tags and the GPS IFD."""
    image = Image.open(io.BytesIO(data))
    exif = image.getexif()
    return {
        "info": sorted(k for k in image.info if k in ("exif", "xmp", "icc_profile", "comment")),
        "exif": dict(exif),
        "gps": dict(exif.get_ifd(0x8825)),
    }
