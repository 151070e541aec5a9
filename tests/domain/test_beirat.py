"""The rules of Beirat sessions without a database: local times, checked input, and how
an outcome becomes a measure's status."""

from __future__ import annotations

import datetime

import pytest

from measures.domain import beirat
from measures.domain.beirat import InvalidBeiratInput, OutcomeInput

FORM = {"title": "Sitzung", "date": "2025-03-13", "start": "18:00", "place": "KiFaZ"}


@pytest.mark.parametrize(
    ("day", "utc_hour"),
    [("2025-03-13", 17), ("2025-07-03", 16)],  # CET (UTC+1), CEST (UTC+2)
)
def test_times_are_wetzlars_and_stored_in_utc(day, utc_hour):
    given = beirat.validate_session(FORM | {"date": day, "end": "20:30", "public": "ja"})
    assert given.starts_at.tzinfo == datetime.UTC and given.starts_at.hour == utc_hour
    assert given.ends_at - given.starts_at == datetime.timedelta(hours=2, minutes=30)
    assert given.public is True
    assert beirat.validate_session(FORM).public is False


def test_every_problem_of_a_session_is_named_by_its_field():
    with pytest.raises(InvalidBeiratInput) as caught:
        beirat.validate_session({"date": "2025-13-01", "start": "6 Uhr", "end": "x"})
    assert set(caught.value.errors) == {"title", "date", "start", "end", "place"}


@pytest.mark.parametrize(
    ("outcome", "before", "after"),
    [
        ("empfohlen", "idee", "vom_beirat_empfohlen"),
        ("empfohlen", "im_beirat_vorgestellt", "vom_beirat_empfohlen"),
        ("nicht_empfohlen", "im_beirat_vorgestellt", "zurueckgestellt"),
        ("vertagt", "idee", "idee"),
        ("vertagt", "im_beirat_vorgestellt", "im_beirat_vorgestellt"),
        ("zur_kenntnis", "idee", "im_beirat_vorgestellt"),
        ("zur_kenntnis", "in_umsetzung", "in_umsetzung"),
        ("empfohlen", "zurueckgestellt", "vom_beirat_empfohlen"),
        # Past the Beirat: a recommendation either way sets nothing back.
        ("empfohlen", "abgeschlossen", "abgeschlossen"),
        ("nicht_empfohlen", "vom_parlament_beschlossen", "vom_parlament_beschlossen"),
        ("empfohlen", "in_umsetzung", "in_umsetzung"),
    ],
)
def test_an_outcome_gives_the_status_after_the_step(outcome, before, after):
    assert beirat.step_status(outcome, before) == after


def test_votes_are_counts_or_empty():
    given = beirat.validate_outcome({"outcome": "empfohlen", "votes_yes": " 7 ", "votes_no": ""})
    assert (given.votes_yes, given.votes_no, given.votes_abstain) == (7, None, None)
    assert beirat.votes_text(given) == "ja 7, nein –, Enthaltung –"
    assert beirat.votes_text(OutcomeInput("vertagt", None, None, None, "")) == ""
    for bad in ("-1", "1000", "٣", "2.5"):
        with pytest.raises(InvalidBeiratInput):
            beirat.validate_outcome({"outcome": "empfohlen", "votes_yes": bad})
