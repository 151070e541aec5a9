"""A photo is checked by decoding it and comes out as WebP pixels without any metadata."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from measures.domain.images import MAX_BYTES, encode_photo
from measures.domain.photos import InvalidPhoto, validate_alt_text
from tests import photo_images as images


def _open(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def test_the_source_has_gps_and_the_result_has_no_metadata_at_all():
    source = images.jpeg_with_gps()
    assert images.metadata_of(source)["gps"]  # the test file carries what must go
    assert set(images.metadata_of(source)["info"]) == {"comment", "exif", "icc_profile", "xmp"}
    photo = encode_photo(source)
    assert set(photo.variants) == {"gross", "klein"}
    for data in photo.variants.values():
        assert data[:4] == b"RIFF" and data[8:12] == b"WEBP"
        assert images.metadata_of(data) == {"info": [], "exif": {}, "gps": {}}
        # Not even the bytes of the camera's name or the XMP packet are in the file.
        assert b"Telefon" not in data and b"xmpmeta" not in data and b"EXIF" not in data


def test_orientation_is_applied_before_the_exif_is_dropped():
    # Orientation 6: the camera was held upright, the pixels lie on their side.
    photo = encode_photo(images.jpeg_with_gps((1200, 800), orientation=6))
    assert (photo.width, photo.height) == (800, 1200)
    large = _open(photo.variants["gross"])
    assert large.size == (800, 1200)
    # The red corner, top left in the stored pixels, is top right once turned.
    red, green, _ = large.convert("RGB").getpixel((790, 10))
    assert red > 150 and green < 80


def test_variants_are_at_most_1600_and_400_pixels_and_never_enlarged():
    photo = encode_photo(images.encoded((4000, 3000), "JPEG"))
    assert _open(photo.variants["gross"]).size == (1600, 1200)
    assert _open(photo.variants["klein"]).size == (400, 300)
    small = encode_photo(images.encoded((300, 200), "PNG"))
    assert _open(small.variants["gross"]).size == (300, 200)


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "HEIF"])
def test_each_accepted_format_is_read(fmt):
    photo = encode_photo(images.encoded((640, 480), fmt))
    assert (photo.width, photo.height) == (640, 480)


def test_transparency_of_a_png_is_kept():
    large = _open(encode_photo(images.png_with_alpha()).variants["gross"])
    assert large.mode == "RGBA"
    assert large.getpixel((10, 10))[3] == 255 and large.getpixel((290, 10))[3] == 0


@pytest.mark.parametrize(
    ("data", "start"),
    [
        (b"Das ist ein Text und kein Foto.\n", "Diese Datei ist kein Foto"),
        (images.truncated_jpeg(), "Diese Datei ist kein Foto"),
        (images.encoded((64, 64), "GIF"), "Diese Datei ist kein Foto"),
        (images.encoded((64, 64), "BMP"), "Diese Datei ist kein Foto"),
        (images.decompression_bomb(), "Das Foto hat zu viele Bildpunkte"),
        (images.oversized_jpeg(), "Das Foto ist größer als 10 MB"),
        (b"", "Bitte wählen Sie ein Foto aus"),
    ],
    ids=["text", "truncated-jpeg", "gif", "bmp", "bomb", "over-10-mb", "empty"],
)
def test_what_is_no_photo_we_take_is_refused_in_german(data, start):
    with pytest.raises(InvalidPhoto) as refused:
        encode_photo(data)
    assert refused.value.message.startswith(start)
    assert refused.value.status == 400


def test_the_bomb_is_small_and_the_limit_is_a_setting():
    bomb = images.decompression_bomb()
    assert len(bomb) < 200_000
    assert encode_photo(images.encoded((100, 100), "PNG"), max_pixels=10_000)
    with pytest.raises(InvalidPhoto):
        encode_photo(images.encoded((101, 100), "PNG"), max_pixels=10_000)


def test_exactly_ten_megabytes_are_taken():
    data = images.jpeg_with_gps()
    assert encode_photo(data + b"\0" * (MAX_BYTES - len(data)))


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "Bitte beschreiben Sie kurz"),
        ("   ", "Bitte beschreiben Sie kurz"),
        (None, "Bitte beschreiben Sie kurz"),
        ("x" * 301, "Die Bildbeschreibung darf höchstens 300 Zeichen"),
        ("Bank\x00", "Die Bildbeschreibung enthält unzulässige Steuerzeichen"),
    ],
)
def test_alt_text_is_required_and_plain(value, message):
    with pytest.raises(InvalidPhoto) as refused:
        validate_alt_text({"alt_text": value})
    assert refused.value.message.startswith(message)
    assert refused.value.errors.keys() == {"alt_text"}


def test_alt_text_is_cleaned():
    assert validate_alt_text({"alt_text": "  Kaputte Bank\u202e  "}) == "Kaputte Bank"
