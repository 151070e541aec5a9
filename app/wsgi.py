"""The production entry point for gunicorn: ``gunicorn 'app.wsgi:application'``."""

from app import DEFAULTS, create_app

application = create_app()

if application.config["SECRET_KEY"] == DEFAULTS["SECRET_KEY"]:
    # Signed cookies (sessions, CSRF, supports) would be forgeable with the public default.
    raise SystemExit(
        "SECRET_KEY ist nicht gesetzt: für den Betrieb einen langen Zufallswert setzen, "
        "z. B. SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_hex(32))')"
    )

if not application.config["PUBLIC_URL"]:
    # Without it, absolute links (the private status link) would take the host a client names.
    raise SystemExit(
        "FLASK_PUBLIC_URL ist nicht gesetzt: die öffentliche Adresse der Karte angeben, "
        "z. B. FLASK_PUBLIC_URL=https://karte.example.org"
    )
