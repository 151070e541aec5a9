"""The domain's messages reach a resident in the language they chose: the domain words
them in German as templates with parameters (``Message``), the web layer looks the
template up when it answers (pages, the JSON API). The catalogues have no entries for
them yet, so a fake English catalogue marks every text it is asked for."""

from __future__ import annotations

import flask_babel
import pytest
from babel.support import NullTranslations
from flask_babel import force_locale

from app.i18n import translate, translated
from measures.domain.ideas import TITLE_MAX, InvalidSubmission, validate_submission
from measures.domain.messages import Message
from measures.domain.validation import InvalidFeatures, read_records
from measures.domain.vocabulary import N_
from tests.web.test_ideas import _feature, _token, _valid


class _Marked(NullTranslations):
    """English that is German with a mark: shows which texts were looked up."""

    def gettext(self, message):
        return "[en] " + message

    ugettext = gettext


@pytest.fixture
def marked_english(monkeypatch):
    real = flask_babel.Domain.get_translations

    def translations(self):
        if str(flask_babel.get_locale()) == "en":
            return _Marked()
        return real(self)

    monkeypatch.setattr(flask_babel.Domain, "get_translations", translations)


def test_a_message_is_german_and_keeps_its_template_and_parameters():
    noun = Message(N_("Der Titel"))
    message = Message(
        N_("%(noun)s darf höchstens %(maximum)s Zeichen lang sein (jetzt %(length)s)."),
        noun=noun,
        maximum=200,
        length=201,
    )
    assert message == "Der Titel darf höchstens 200 Zeichen lang sein (jetzt 201)."
    assert message.template.startswith("%(noun)s darf") and message.params["noun"] is noun


def test_translate_looks_up_the_template_and_the_messages_among_its_parameters(app, marked_english):
    problems = validate_refusal(title="x" * (TITLE_MAX + 1), email="kein-at")
    with app.test_request_context(headers={"Cookie": "sprache=en"}):
        english = translated(problems)
    assert english["title"] == (
        f"[en] [en] Der Titel darf höchstens {TITLE_MAX} Zeichen lang sein (jetzt {TITLE_MAX + 1})."
    ), "the template and the noun are looked up; the numbers are put in as they are"
    assert english["email"] == (
        "[en] Die E-Mail-Adresse ist nicht gültig (Beispiel: name@beispiel.de)."
    )
    # What a person typed is never looked up (it is no message of ours).
    typed = Message(N_("Unbekanntes Format '%(value)s'."), value="Der Titel")
    with app.test_request_context(headers={"Cookie": "sprache=en"}):
        assert translate(typed) == "[en] Unbekanntes Format 'Der Titel'."
    with app.test_request_context(), force_locale("de"):
        assert translated(problems) == problems


def validate_refusal(**changes) -> dict:
    try:
        validate_submission(_valid(**changes), lambda point: 0.0, 10.0)
    except InvalidSubmission as error:
        return error.errors
    raise AssertionError("the submission should have been refused")


def test_the_idea_form_shows_the_domains_messages_in_the_chosen_language(client, marked_english):
    client.set_cookie("sprache", "en")
    response = client.post(
        "/ideen/neu", data={**_valid(title="", consent=""), "csrf_token": _token(client)}
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "[en] Bitte geben Sie einen Titel an." in html
    assert "[en] Bitte stimmen Sie der Datenschutzerklärung zu." in html


def test_the_api_answers_german_unless_the_request_asks_for_another_language(
    client, marked_english
):
    bad = _feature(title="")
    # The site's cookie is for pages: a program that asks for nothing gets German.
    client.set_cookie("sprache", "en")
    german = client.post("/api/ideas", json=bad)
    error = german.get_json()["error"]
    assert german.status_code == 400 and error["code"] == "invalid_submission"
    assert error["fields"]["title"] == "Bitte geben Sie einen Titel an."
    assert error["message"].startswith("Die Idee wurde nicht angenommen: Bitte geben Sie")
    assert german.headers["Content-Language"] == "de"

    asked = client.post("/api/ideas", json=bad, headers={"Accept-Language": "en-GB, de;q=0.5"})
    english = asked.get_json()["error"]
    assert english["code"] == "invalid_submission" and english["parameter"] == "title"
    assert english["fields"]["title"] == "[en] Bitte geben Sie einen Titel an."
    assert english["message"] == (
        "[en] Die Idee wurde nicht angenommen: [en] Bitte geben Sie einen Titel an."
    )
    assert asked.headers["Content-Language"] == "en"
    assert "Accept-Language" in asked.headers["Vary"]
    # A language the site does not have: German.
    french = client.post("/api/ideas", json=bad, headers={"Accept-Language": "fr"})
    assert french.get_json()["error"]["fields"]["title"] == "Bitte geben Sie einen Titel an."


def test_a_regional_language_asked_first_wins_over_german_asked_later(client):
    """werkzeug's best_match would take the exact "de" before the regional "en-GB"."""
    html = client.get("/massnahmen", headers={"Accept-Language": "en-GB, de;q=0.5"}).get_data(
        as_text=True
    )
    assert '<aside class="language-suggestion" lang="en"' in html
    german_first = client.get("/massnahmen", headers={"Accept-Language": "de-DE, en;q=0.5"})
    assert "language-suggestion" not in german_first.get_data(as_text=True)


def test_a_planners_field_problems_are_looked_up_too(app, marked_english):
    """The checks of imported and edited records (``validation``) word their problems
    as templates; the planners' record form shows them translated by field."""
    collection = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": "bank",
                "geometry": {"type": "Point", "coordinates": [8.474, 50.5655]},
                "properties": {"name": "x" * 300, "kind": "bank"},
            }
        ],
    }
    with pytest.raises(InvalidFeatures) as refused:
        read_records(collection, "orte.geojson", "locations")
    problems = {p.field: p.message for p in refused.value.problems}
    assert problems["kind"].startswith("unbekannter Wert 'bank'; erlaubt sind: ")
    with app.test_request_context(headers={"Cookie": "sprache=en"}):
        english = translated(problems)
    assert english["kind"] == "[en] " + problems["kind"]
    assert english["name"] == "[en] " + problems["name"]
