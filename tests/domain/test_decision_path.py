"""The rules of a measure's decision path: dates, bodies, PDFs, download names, order."""

from __future__ import annotations

import pytest

from measures.domain.decision_path import (
    PDF_MAX_BYTES,
    InvalidStep,
    Step,
    check_pdf,
    contradiction,
    from_timeline,
    is_step_date,
    ordered,
    safe_filename,
    status_of,
    validate_step,
)
from measures.domain.model import TimelineStep

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.mark.parametrize(
    ("text", "valid"),
    [
        ("2025", True),
        ("2025-03", True),
        ("2025-03-13", True),
        ("2024-02-29", True),
        ("2025-02-29", False),
        ("2025-13", False),
        ("13.03.2025", False),
        ("2025-3-1", False),
        ("", False),
    ],
)
def test_step_dates(text, valid):
    assert is_step_date(text) is valid


def test_a_step_form_is_checked_field_by_field():
    step = validate_step(
        {"date": " 2025-03-13 ", "body": "stadtteilbeirat", "status": "im_beirat_vorgestellt"}
    )
    assert (step.date, step.reference, step.minutes_url) == ("2025-03-13", "", "")
    with pytest.raises(InvalidStep) as caught:
        validate_step(
            {
                "date": "morgen",
                "body": "Gemeinderat",
                "status": "fertig",
                "minutes_url": "ftp://example.org/p.pdf",
                "note": "x\x00",
            }
        )
    assert set(caught.value.errors) == {"date", "body", "status", "minutes_url", "note"}
    assert caught.value.status == 400 and caught.value.code == "invalid_step"


@pytest.mark.parametrize(
    ("data", "ok"),
    [
        (PDF, True),
        (b"\xef\xbb\xbf" + PDF, True),  # bytes before the header are allowed
        (b"GIF89a" + PDF[8:], False),
        (PDF[:-7], False),  # cut off: no %%EOF
        (b"", False),
        (b"%PDF-1.4" + b" " * PDF_MAX_BYTES + b"%%EOF", False),
    ],
)
def test_only_a_pdf_of_at_most_20_mb_is_taken(data, ok):
    if ok:
        check_pdf(data)
    else:
        with pytest.raises(InvalidStep):
            check_pdf(data)


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("Protokoll Beirat März 2025.pdf", "Protokoll-Beirat-Marz-2025.pdf"),
        ('x"; filename=evil.exe', "x-filename-evil.exe.pdf"),
        ("..\\..\\windows\\system.ini", "system.ini.pdf"),
        ("../../etc/passwd", "passwd.pdf"),
        ("Vorlage\r\nSet-Cookie: a=b.PDF", "Vorlage-Set-Cookie-a-b.pdf"),
        ("دعوة.pdf", "dokument.pdf"),
        ("", "dokument.pdf"),
        (None, "dokument.pdf"),
        ("a" * 500 + ".pdf", "a" * 116 + ".pdf"),
    ],
)
def test_download_names_are_plain_ascii(name, safe):
    assert safe_filename(name) == safe


def _step(position, date, status="idee"):
    return Step(id=position, measure_id="m", position=position, date=date, body="", status=status)


def test_steps_stand_by_date_and_an_undated_one_keeps_its_place():
    steps = [
        _step(0, "2018"),
        _step(1, "", "abgeschlossen"),
        _step(2, "2026-06", "in_umsetzung"),
        _step(3, "2017", "idee"),
    ]
    assert [s.id for s in ordered(steps)] == [3, 0, 1, 2]
    assert status_of(ordered(steps)) == "in_umsetzung"
    assert status_of([]) == "idee"


def test_a_files_status_must_be_its_timelines_last():
    timeline = (TimelineStep("idee", "2018"), TimelineStep("in_umsetzung", "2020"))
    assert contradiction("in_umsetzung", timeline) is None
    assert contradiction("abgeschlossen", ()) is None
    assert "widerspricht dem Verlauf" in contradiction("abgeschlossen", timeline)
    # Without a timeline, a status other than "idee" is one undated step.
    [step] = from_timeline((), "vom_parlament_beschlossen")
    assert (step.date, step.body) == ("", "stadtverordnetenversammlung")
    assert from_timeline((), "idee") == ()
