"""Absolute links come from PUBLIC_URL; a forged Host or X-Forwarded-Host goes nowhere.

The app stands behind one proxy (``PROXY_FIX_X_FOR=1``), as the README's nginx example
sets it up, and also answers the internal name ``localhost`` (``ALLOWED_HOSTS``), so that
a request can name a host that is not the public one and still be served.
"""

from __future__ import annotations

import re

import pytest

from app import create_app
from tests.factories import PASSWORD, idea_feature
from tests.factories import create_planner as make_planner

PUBLIC = "https://karte.example.org"
EVIL = "evil.example"
FORGED = {"X-Forwarded-Host": EVIL}


@pytest.fixture
def public_app(store, make_app):
    return make_app(PUBLIC_URL=PUBLIC + "/", ALLOWED_HOSTS=["localhost"], PROXY_FIX_X_FOR=1)


def _everything(response) -> str:
    """Status line, headers and body: where a forged host could show up."""
    return f"{response.status}\n{response.headers}\n{response.get_data(as_text=True)}"


def _csrf(client, path: str, **kwargs) -> str:
    html = client.get(path, **kwargs).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_status_link_ogc_links_and_redirects_ignore_a_forged_forwarded_host(public_app):
    client = public_app.test_client()
    answers = []

    created = client.post("/api/ideas", json=idea_feature(), headers=FORGED)
    assert created.status_code == 201
    status_url = created.get_json()["status_url"]
    assert status_url.startswith(PUBLIC + "/q/dalheim/ideen/status/")
    answers.append(created)

    # The form's way in: the redirect to the status page, the private link shown there.
    form = {
        **idea_feature()["properties"],
        "consent": "on",
        "lon": "8.474",
        "lat": "50.5655",
        "csrf_token": _csrf(client, "/ideen/neu", headers=FORGED),
    }
    submitted = client.post("/ideen/neu", data=form, headers=FORGED)
    assert submitted.status_code == 302
    assert submitted.headers["Location"].startswith("/q/dalheim/ideen/status/")
    status_page = client.get(submitted.headers["Location"], headers=FORGED)
    assert f'href="{PUBLIC}/q/dalheim/ideen/status/' in status_page.get_data(as_text=True)
    answers += [submitted, status_page]

    for path in ("/ogc?f=json", "/ogc/collections/measures/items?limit=2&f=json", "/ogc"):
        page = client.get(path, headers=FORGED)
        assert page.status_code == 200
        links = re.findall(r'"href": ?"([^"]+)"|href="(http[^"]+)"', page.get_data(as_text=True))
        absolute = [a or b for a, b in links if (a or b).startswith("http")]
        assert absolute and all(link.startswith(PUBLIC + "/ogc") for link in absolute), absolute
        answers.append(page)

    switched = client.get("/sprache/en?weiter=/ideen", headers=FORGED)
    assert switched.status_code == 302 and switched.headers["Location"] == "/ideen"
    answers.append(switched)

    make_planner(public_app.test_cli_runner())
    login = client.post(
        "/planung/anmelden",
        data={
            "username": "lea",
            "password": PASSWORD,
            "csrf_token": _csrf(client, "/planung/anmelden"),
            "weiter": "/planung/protokoll",
        },
        headers=FORGED,
    )
    assert login.status_code == 302 and login.headers["Location"] == "/planung/protokoll"
    answers.append(login)

    # A measure made from an idea links back to it: a link that is stored for good.
    idea_id = created.get_json()["id"]
    converted = client.post(
        f"/planung/ideen/{idea_id}/massnahme",
        data={"csrf_token": _csrf(client, f"/planung/ideen/{idea_id}")},
        headers=FORGED,
    )
    assert converted.status_code == 302
    # A draft: its form shows the link.
    form = client.get(f"/planung/massnahmen/idee-{idea_id}", headers=FORGED)
    assert f"{PUBLIC}/q/dalheim/ideen/{idea_id}" in form.get_data(as_text=True)
    answers.append(converted)

    for answer in answers:
        assert EVIL not in _everything(answer), answer.request.path


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/"),
        ("GET", "/ogc?f=json"),
        ("GET", "/planung"),  # werkzeug's redirect to /planung/ would be absolute
        ("GET", "/sprache/en?weiter=/ideen"),
        ("GET", "/ideen/neu"),
        ("POST", "/api/ideas"),
    ],
)
def test_requests_for_another_host_are_refused(public_app, method, path):
    store = public_app.extensions["quartierskarte.store"]
    before = len(store.ideas.find(("pending",)))
    response = public_app.test_client().open(
        path, method=method, base_url=f"http://{EVIL}", json=idea_feature()
    )
    assert response.status_code == 400
    assert EVIL not in _everything(response)
    assert len(store.ideas.find(("pending",))) == before, "nothing was stored"


def test_forwarded_host_is_ignored_without_a_public_url(store, make_app):
    client = make_app(PROXY_FIX_X_FOR=1).test_client()
    created = client.post("/api/ideas", json=idea_feature(), headers=FORGED)
    assert created.get_json()["status_url"].startswith("http://localhost/q/dalheim/ideen/status/")
    landing = client.get("/ogc?f=json", headers=FORGED).get_data(as_text=True)
    assert "http://localhost/ogc" in landing and EVIL not in landing


@pytest.mark.parametrize(
    "url", ["karte.example.org", "https://karte.example.org/karte", "ftp://x.org", "https://"]
)
def test_public_url_must_be_scheme_and_host(tmp_path, url):
    with pytest.raises(ValueError, match="PUBLIC_URL"):
        create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}", "PUBLIC_URL": url})
