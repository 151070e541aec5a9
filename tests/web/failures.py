"""A store that fails as a broken database would, and what an answer may then show."""

from __future__ import annotations

# What a driver's error may carry: SQL and a server path, neither for the public.
SECRET = "SELECT secret FROM /srv/quartierskarte/instance/db.sqlite3"


def break_store(app, monkeypatch, *methods: str) -> None:
    """Make these methods of the app's layer repository raise; the app answers with a 500."""
    store = app.extensions["quartierskarte.store"]

    def broken(*_args, **_kwargs):
        raise RuntimeError(SECRET)

    for method in methods:
        monkeypatch.setattr(store.layers, method, broken)
    app.config["PROPAGATE_EXCEPTIONS"] = False


def assert_reveals_nothing(response) -> None:
    """A 500 that says, in German, that something went wrong, and nothing more."""
    assert response.status_code == 500
    text = response.get_data(as_text=True)
    assert "SELECT" not in text and "/srv/" not in text and "Traceback" not in text
    assert "Bei uns ist ein Fehler passiert" in text
