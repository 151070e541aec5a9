"""The Flask web layer of the Quartierskarte Dalheim."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask
from flask_compress import Compress

ROOT = Path(__file__).resolve().parent.parent

DEFAULTS = {
    "SECRET_KEY": "dev-only-change-me",
    # None: a SQLite file in the instance folder (set in create_app, where the path is known).
    "DATABASE_URL": None,
    # How far outside the Quartier a feature may lie, in metres (EPSG:25832).
    "QUARTIER_TOLERANCE_M": 25.0,
    "TILE_URL": (
        "https://sgx.geodatenzentrum.de/wmts_basemapde/tile/1.0.0/"
        "de_basemapde_web_raster_farbe/default/GLOBAL_WEBMERCATOR/{z}/{y}/{x}.png"
    ),
    "TILE_ATTRIBUTION": "© basemap.de / BKG | Datenquellen: © GeoBasis-DE",
    # Rate limits per client address. memory:// is per process and fits `make run`; with
    # several workers set redis://127.0.0.1:6379 so that they share the counters.
    "RATELIMIT_STORAGE_URI": "memory://",
    "RATELIMIT_KEY_PREFIX": "quartierskarte",
    # When that storage cannot be reached, each worker counts the same limits in its own
    # memory (a warning goes to the log) and tries the storage again now and then, every
    # 1, 2, 4 … 32 seconds, returning to it once it answers: reading and writing go on.
    "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
    # A storage that does not answer must not hold requests up: give up after half a
    # second (options of the Redis client; memory:// ignores them).
    "RATELIMIT_STORAGE_OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    "RATELIMIT_API": "600 per minute",
    # The OGC API's budget per address, counted in features: a page of /items costs its
    # limit (at least 20), any other request 100 — as many default pages as RATELIMIT_API
    # allows requests, or 3000 pages of 10 (GDAL before 3.8) a minute.
    "RATELIMIT_OGC": "60000 per minute",
    # Idea submissions (form and API together), supports, planner logins: per address.
    "RATELIMIT_IDEAS": "5 per minute;30 per day",
    "RATELIMIT_SUPPORT": "30 per hour",
    "RATELIMIT_LOGIN": "5 per minute;30 per hour",
    # GIS file downloads under /export (each builds a file): per address.
    "RATELIMIT_EXPORT": "30 per minute",
    # Planners' GIS imports: file size, features per file, vertices per feature and per
    # file, a zipped Shapefile's size unpacked, how long an unapplied upload waits in
    # IMPORT_FOLDER (default instance/imports; shared by all workers of a host).
    "IMPORT_MAX_BYTES": 20 * 1024 * 1024,
    "IMPORT_MAX_FEATURES": 10_000,
    "IMPORT_MAX_VERTICES_PER_FEATURE": 10_000,
    "IMPORT_MAX_VERTICES": 200_000,
    "IMPORT_MAX_UNPACKED_BYTES": 100 * 1024 * 1024,
    "IMPORT_MAX_AGE_S": 24 * 3600,
    "IMPORT_FOLDER": None,
    # What each worker keeps of the layers (measures/reading/cache.py); 0 turns the cache off.
    "LAYER_CACHE_BYTES": 64 * 1024 * 1024,
    # Beyond this many ideas the residents' map gets them counted in grid cells
    # (measures/reading/idea_points.py).
    "MAP_POINTS_MOST": 10_000,
    # E-mail news (app/mail_sender.py): the SMTP server, "none", "starttls" or "ssl",
    # the login (none: no AUTH) and the sender's address.
    "MAIL_HOST": "localhost",
    "MAIL_PORT": 25,
    "MAIL_TLS": "none",
    # A PEM file of the CA (or the certificate itself) to trust for the SMTP server
    # instead of the system's CAs; None: the system's. Certificates are always checked.
    "MAIL_TLS_CA_FILE": None,
    "MAIL_USERNAME": None,
    "MAIL_PASSWORD": None,
    "MAIL_SENDER": "Quartierskarte Dalheim <quartierskarte@localhost>",
    # `make run` sends in a thread of the development server; production runs
    # `flask --app app mail send` as a process of its own and leaves this off.
    "MAIL_BACKGROUND": False,
    # How long a sender may hold a claimed message, how long to wait for the server,
    # how many messages per claim; retries after 30 s, doubling up to an hour, at most
    # 30 tries (about a day); how often the loop looks for new messages.
    "MAIL_LEASE_S": 300,
    "MAIL_TIMEOUT_S": 30,
    "MAIL_BATCH": 20,
    "MAIL_RETRY_BASE_S": 30,
    "MAIL_RETRY_MAX_S": 3600,
    "MAIL_MAX_ATTEMPTS": 30,
    "MAIL_POLL_S": 5,
    # Days an unconfirmed request for news waits for its confirmation.
    "MAIL_CONFIRM_DAYS": 7,
    # Photos of ideas and measures (app/photos.py): kept in a folder ("filesystem",
    # PHOTO_FOLDER, default instance/photos) or, where several machines serve the site,
    # in a bucket of an S3-compatible service ("s3", the S3_* settings). Uploads up to
    # 10 MB; more pixels than PHOTO_MAX_PIXELS are refused before they are decoded.
    "PHOTO_STORAGE": "filesystem",
    "PHOTO_FOLDER": None,
    "PHOTO_MAX_PIXELS": 50_000_000,
    "S3_ENDPOINT_URL": None,
    "S3_BUCKET": None,
    "S3_ACCESS_KEY": None,
    "S3_SECRET_KEY": None,
    "S3_REGION": None,
    # Photo uploads of residents: per address.
    "RATELIMIT_PHOTOS": "10 per minute;60 per day",
    # Requests for e-mail news ("Benachrichtigen"): per address.
    "RATELIMIT_SUBSCRIBE": "5 per minute;30 per day",
    # Comments on ideas and measures: false, each waits for the planners' check
    # (pre-moderation); true, each is shown at once and planners can hide it afterwards.
    "COMMENTS_POST_MODERATION": False,
    # Comments and "melden" (reports of a comment): per address.
    "RATELIMIT_COMMENTS": "5 per minute;30 per day",
    # Bodies larger than this are refused with 413 before anything reads them.
    "MAX_CONTENT_LENGTH": 1024 * 1024,
    "SESSION_COOKIE_SAMESITE": "Lax",
    # Set to true when served over HTTPS (FLASK_SESSION_COOKIE_SECURE=true).
    "SESSION_COOKIE_SECURE": False,
    # How many reverse proxies of ours stand in front (X-Forwarded-For is trusted that far).
    "PROXY_FIX_X_FOR": 0,
    # The site's address, e.g. "https://karte.example.org": absolute links (the private
    # status link, the OGC API's links) are made from it, and requests for hosts other
    # than its own and ALLOWED_HOSTS (further names, e.g. ["localhost"]) get 400.
    # `make run` sets it; app.wsgi refuses to start without it (app/public_url.py).
    "PUBLIC_URL": None,
    "ALLOWED_HOSTS": [],
    # Who may show our pages in a frame (CSP frame-ancestors), e.g. "'self' https://www.wetzlar.de".
    "FRAME_ANCESTORS": "'self'",
    # Days after the decision on an idea until its author's name and e-mail are deleted
    # (`flask --app app privacy purge-contacts`, run daily by cron).
    "CONTACT_RETENTION_DAYS": 90,
    # Texts of /datenschutz and /impressum: plain text, paragraphs separated by a blank
    # line. The operator must replace the imprint; the privacy text describes what this
    # software stores and should be completed with the operator's details.
    "IMPRINT_TEXT": (
        "Dieses Impressum ist noch nicht eingerichtet. Der Betreiber trägt hier Name, "
        "Anschrift und Kontakt der verantwortlichen Stelle ein (Einstellung IMPRINT_TEXT)."
    ),
    # The operator's part of the privacy statement (who is responsible, whom to contact,
    # the rights of data subjects). What the software stores is stated on the page itself.
    "PRIVACY_TEXT": (
        "Verantwortliche Stelle und Kontakt zum Datenschutz trägt der Betreiber hier ein "
        "(Einstellung PRIVACY_TEXT)."
    ),
    # The accessibility statement (/barrierefreiheit), after the EU model statement
    # (Durchführungsbeschluss (EU) 2018/1523) as BITV 2.0 and Hesse's HVBIT ask for it:
    # how far the site conforms ("vollständig", "teilweise" or "nicht"), the day of the
    # assessment, and the body residents turn to when a reported barrier stays unanswered
    # for six weeks (§ 6 HVBIT). In Hesse that is the Durchsetzungs- und
    # Überwachungsstelle at the LBIT, Regierungspräsidium Gießen (lbit.hessen.de).
    "ACCESSIBILITY_CONFORMANCE": "teilweise",
    "ACCESSIBILITY_ASSESSED_ON": "2026-12-05",
    "ACCESSIBILITY_CONTACT": (
        "Quartiersmanagement Dalheim, Kinder- und Familienzentrum, Berliner Ring 39, 35576 Wetzlar"
    ),
    "ENFORCEMENT_BODY": (
        "Durchsetzungs- und Überwachungsstelle barrierefreie IT des Landes Hessen "
        "beim Regierungspräsidium Gießen"
    ),
    "ENFORCEMENT_URL": (
        "https://lbit.hessen.de/Durchsetzungs-und-Ueberwachungsstelle/"
        "Durchsetzungsverfahren-beantragen"
    ),
    "ENFORCEMENT_ADDRESS": "",
    # The city's video in German Sign Language (DGS) for /leichte-sprache: a file under
    # static/ or a link, with its size and length as shown next to it ("12 MB", "3:40").
    # Without one the page says whom to ask.
    "DGS_VIDEO_URL": "",
    "DGS_VIDEO_SIZE": "",
    "DGS_VIDEO_DURATION": "",
    # Flask-Compress leaves the file of a streamed response unclosed when it compresses it
    # (ResourceWarning): static scripts and style sheets are read whole first
    # (app/static_compression.py) and compressed like pages and API documents.
    "COMPRESS_STREAMS": False,
    "COMPRESS_MIMETYPES": [
        "text/html",
        "text/css",
        "application/javascript",
        "text/javascript",
        "application/json",
        "application/geo+json",
    ],
}


def create_app(test_config: dict | None = None) -> Flask:
    """Create the app: defaults, then ``instance/config.py``, then ``FLASK_*`` variables.

    ``DATABASE_URL`` and ``SECRET_KEY`` are also read without the prefix, as hosting
    platforms set them that way.
    """
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
    )
    app.config.from_mapping(DEFAULTS)
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        app.config.from_prefixed_env()
        for name in ("DATABASE_URL", "SECRET_KEY"):
            if os.environ.get(name):
                app.config[name] = os.environ[name]
    else:
        app.config.from_mapping(test_config)
    if not app.config["DATABASE_URL"]:
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
        app.config["DATABASE_URL"] = "sqlite:///" + str(
            Path(app.instance_path) / "quartierskarte.sqlite3"
        )

    # Keep the key order of our documents and write umlauts as they are.
    app.json.sort_keys = False
    app.json.ensure_ascii = False
    Compress(app)

    from app import (
        accessibility,
        accounts,
        api,
        auth,
        barrier_reports,
        beirat,
        beirat_planning,
        comments,
        db,
        decision_path,
        errors,
        export,
        feeds,
        gis_import,
        history,
        i18n,
        log_redaction,
        mail_sender,
        notifications,
        ogc,
        open_data,
        own_account,
        pages,
        participation,
        photos,
        planning,
        planning_records,
        public_url,
        quartiere,
        reports,
        security,
        static_compression,
        statistics,
        vendor,
    )

    static_compression.init_app(app)
    public_url.init_app(app)
    log_redaction.init_app(app)
    db.init_app(app)
    i18n.init_app(app)
    errors.init_app(app)
    open_data.init_app(app)
    limiter = security.init_app(app)
    limiter.limit(lambda: app.config["RATELIMIT_API"])(api.bp)
    # The JSON API authenticates nobody by cookie, so it needs no CSRF token.
    security.csrf.exempt(api.bp)
    quartiere.init_app(app)
    quartiere.register(app, api.bp)
    quartiere.register(app, pages.bp)
    accessibility.init_app(app)
    quartiere.register(app, barrier_reports.bp)
    quartiere.register(app, participation.bp)
    planning.init_app(app)
    accounts.init_app(app)
    own_account.init_app(app)
    photos.init_app(app)
    decision_path.init_app(app)
    beirat.init_app(app)
    beirat_planning.init_app(app)
    app.register_blueprint(vendor.bp)
    app.register_blueprint(feeds.bp)
    notifications.init_app(app, limiter)
    comments.init_app(app, limiter)
    app.before_request(lambda: mail_sender.start_in_background(app))
    app.register_blueprint(ogc.bp)
    export.init_app(app, limiter)
    gis_import.init_app(app)
    planning_records.init_app(app)
    history.init_app(app)
    statistics.init_app(app)
    reports.init_app(app)
    # Every command of `flask --app app …`, registered here and nowhere else.
    for command in (
        db.db_cli,
        db.privacy_cli,
        auth.planner_cli,
        export.export_command,
        mail_sender.mail_cli,
        photos.photos_cli,
        quartiere.quartier_cli,
    ):
        app.cli.add_command(command)

    # One budget for ideas (whichever way they come in) and barrier reports; supports and
    # logins have their own.
    submissions = limiter.shared_limit(
        lambda: app.config["RATELIMIT_IDEAS"], scope="idea-submissions", methods=["POST"]
    )
    security.limit_views(
        app, submissions, "participation.new", "api.create_idea", "barriers.report"
    )
    security.limit_views(
        app, limiter.limit(lambda: app.config["RATELIMIT_SUPPORT"]), "participation.support"
    )
    security.limit_views(
        app, limiter.limit(lambda: app.config["RATELIMIT_PHOTOS"]), "photos.resident_add"
    )
    # The password and the code of the second factor count against one budget.
    security.limit_views(
        app,
        limiter.shared_limit(
            lambda: app.config["RATELIMIT_LOGIN"], scope="planner-login", methods=["POST"]
        ),
        "planning.login",
        "planning.login_code",
    )
    app.jinja_env.globals["vendor_url"] = vendor.vendor_url
    # Last: the old URLs serve the views with their limits.
    quartiere.add_unprefixed_rules(app)
    quartiere.add_quartier_rules(app)
    return app
