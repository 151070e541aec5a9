"""The tables, as SQLAlchemy Core metadata.

The tables of the four layers are derived from their declared fields
(``measures.domain.model``); a new field needs its migration beside, and a test compares
the migrated database with this metadata.

Every spatial table keeps its geometry as WKB in ``geom_wkb`` (EPSG:4326) with its bounding
box in four plain columns, which works on every backend. On PostgreSQL the migration adds
a generated PostGIS column ``geom`` with a GiST index beside it (see ``spatial.py``), so
PostGIS is an addition to this schema, not a second one.
"""

from __future__ import annotations

import sqlalchemy as sa

from measures.domain.fields import Field
from measures.domain.layers import LAYERS, Layer

metadata = sa.MetaData()


def _spatial_columns() -> list[sa.Column]:
    return [
        sa.Column("geom_wkb", sa.LargeBinary, nullable=False),
        sa.Column("geom_type", sa.String(20), nullable=False),
        sa.Column("minx", sa.Float, nullable=False),
        sa.Column("miny", sa.Float, nullable=False),
        sa.Column("maxx", sa.Float, nullable=False),
        sa.Column("maxy", sa.Float, nullable=False),
    ]


# Texts up to this length are keys of other records and stored as VARCHAR.
_KEY_LENGTH = 80
_INT32_MAX = 2**31 - 1


def _type(field: Field) -> sa.types.TypeEngine:
    """The column type of a declared field, by its kind."""
    if field.kind in ("id", "choice"):
        return sa.String(field.max_length)
    if field.kind == "text":
        short = field.max_length is not None and field.max_length <= _KEY_LENGTH
        return sa.String(field.max_length) if short else sa.Text()
    if field.kind == "int":
        big = field.maximum is not None and field.maximum > _INT32_MAX
        return sa.BigInteger() if big else sa.Integer()
    if field.kind == "fraction":
        return sa.Float()
    if field.kind == "bool":
        return sa.Boolean()
    if field.kind == "datetime":
        return sa.DateTime(timezone=True)
    if field.kind in ("sources", "timeline"):
        return sa.JSON()
    raise ValueError(f"no column type for a field of kind {field.kind!r}")


def _references(field: Field) -> list[sa.ForeignKey]:
    # RESTRICT: a Quartier that still holds records cannot be deleted by accident.
    if field.references is None:
        return []
    return [sa.ForeignKey(f"{field.references}.id", ondelete="RESTRICT")]


def _quartier_key() -> sa.Column:
    """The Quartier a row of a table outside the layers belongs to (history, exports)."""
    return sa.Column(
        "quartier",
        sa.String(80),
        sa.ForeignKey("quartier.id", ondelete="RESTRICT"),
        nullable=False,
        index=True,
    )


def _layer_table(layer: Layer, *extra: sa.Column) -> sa.Table:
    """The table of a layer: a column per declared field, the geometry as WKB with its
    bounding box, the time of the last change (which the store writes) and ``extra``."""
    columns = [
        sa.Column(
            name,
            _type(field),
            *_references(field),
            primary_key=field.kind == "id",
            nullable=field.optional,
            index=field.indexed,
        )
        for name, field in layer.fields
        if field.kind != "geometry" and name != "updated_at"
    ]
    return sa.Table(
        layer.name,
        metadata,
        *columns,
        *_spatial_columns(),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        *extra,
    )


def list_order(layer: str) -> tuple[sa.ColumnElement, ...]:
    """The ORDER BY of a layer's lists, as the layer declares it ("-" for descending)."""
    t = metadata.tables[layer]
    return tuple(
        t.c[column[1:]].desc() if column.startswith("-") else t.c[column]
        for column in LAYERS[layer].order
    )


# One row per Quartier: the boundary layer's record (its id is the Quartier's slug) and
# what the service needs to run the Quartier (``measures.domain.quartiere``).
quartier = _layer_table(
    LAYERS["quartier"],
    sa.Column("programme", sa.Text, nullable=False, server_default=""),
    # The name in the site's name and texts ("Dalheim"); "": the record's name.
    sa.Column("short_name", sa.Text, nullable=False, server_default=""),
    sa.Column("tolerance_m", sa.Float, nullable=False, server_default="25"),
    sa.Column("contact", sa.Text, nullable=False, server_default=""),
    sa.Column("about_text", sa.Text, nullable=False, server_default=""),
    sa.Column("privacy_text", sa.Text, nullable=False, server_default=""),
    sa.Column("imprint_text", sa.Text, nullable=False, server_default=""),
    # The map's first view; NULL: fit the boundary.
    sa.Column("view_lon", sa.Float),
    sa.Column("view_lat", sa.Float),
    sa.Column("view_zoom", sa.Integer),
    # The keys of the Quartier's Handlungsfelder, in order; NULL: the shared default list.
    sa.Column("categories", sa.JSON),
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
)


def _publication() -> sa.Column:
    """Whether a measure or place is public: "draft", "published" or "archived"
    (``measures.domain.editing``). Seed and import write published records; planners'
    new ones begin as drafts."""
    return sa.Column(
        "publication", sa.String(20), nullable=False, server_default="published", index=True
    )


measures = _layer_table(LAYERS["measures"], _publication())
locations = _layer_table(LAYERS["locations"], _publication())
ideas = _layer_table(
    LAYERS["ideas"],
    # The hash of the author's private status link (the link itself is never stored).
    sa.Column("status_token_hash", sa.String(64), index=True, unique=True),
)

# Personal data given with an idea, apart from the public record so that no public query
# can reach it by accident; deleting the idea deletes it.
idea_contacts = sa.Table(
    "idea_contacts",
    metadata,
    sa.Column(
        "idea_id", sa.String(40), sa.ForeignKey("ideas.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("author_name", sa.Text, nullable=False),
    sa.Column("email", sa.Text, nullable=False),
    # The language of an author who asked for news of the idea, until the mail job has
    # subscribed the address and queued the request to confirm (``mail.py``); then NULL.
    sa.Column("notify_language", sa.String(5)),
)

# The moderation history of ideas: who changed what, when and why.
idea_events = sa.Table(
    "idea_events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "idea_id",
        sa.String(40),
        sa.ForeignKey("ideas.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    _quartier_key(),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("action", sa.String(40), nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("actor", sa.Text, nullable=False),
)

# When each layer last changed; bumped in the same transaction as the change, so that
# Last-Modified also moves when a feature is deleted.
layer_changes = sa.Table(
    "layer_changes",
    metadata,
    sa.Column("layer", sa.String(40), primary_key=True),
    sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
    # Counts the layer's changes: one more with every transaction that changes it. Its
    # row is locked from that write to the commit, so the numbers commit in order.
    sa.Column("version", sa.BigInteger, nullable=False, server_default="0"),
)

# Which records each version of a layer changed (``version`` of ``layer_changes``): a
# worker holding an older version of a layer's index reads the records named here since
# its own version instead of the whole layer (``measures/reading/layer_index.py``).
# ``record_id`` NULL: the change may have touched any record (rebuild). Only the latest
# versions are kept (``transaction.LOG_KEPT``).
layer_log = sa.Table(
    "layer_log",
    metadata,
    sa.Column("layer", sa.String(40), nullable=False),
    sa.Column("version", sa.BigInteger, nullable=False),
    sa.Column("record_id", sa.String(80)),
    sa.Index("ix_layer_log_layer_version", "layer", "version"),
)

planners = sa.Table(
    "planners",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("username", sa.String(80), nullable=False, unique=True),
    sa.Column("password_hash", sa.Text, nullable=False),
    sa.Column("session_nonce", sa.String(64), nullable=False),
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    # Where the setup link may be sent; "" for accounts made on the command line.
    sa.Column("email", sa.Text, nullable=False, server_default=""),
    # The second factor (TOTP, RFC 6238): its secret, the time step of the last code
    # accepted (a code is taken once), and whether this planner must have one.
    sa.Column("totp_secret", sa.String(64), nullable=True),
    sa.Column("totp_last_step", sa.BigInteger, nullable=True),
    sa.Column("totp_required", sa.Boolean, nullable=False, server_default=sa.false()),
)

# The one-time link with which an invited planner sets their password: only a hash of
# its token is stored; used, it is deleted (``measures/storage/planners.py``).
planner_setup_links = sa.Table(
    "planner_setup_links",
    metadata,
    sa.Column(
        "planner_id",
        sa.Integer,
        sa.ForeignKey("planners.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
)

# The accounts' log: who did what to which account, when (never a password or secret).
# ``quartier`` is the Quartier a role change or an admin's action concerns; none for what
# a planner does to their own account.
planner_events = sa.Table(
    "planner_events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("actor", sa.Text, nullable=False),
    sa.Column("action", sa.String(40), nullable=False),
    sa.Column("planner", sa.Text, nullable=False),
    sa.Column("quartier", sa.String(80), nullable=True, index=True),
    sa.Column("detail", sa.Text, nullable=False),
)

# Settings of the planners' accounts for the whole installation ("totp_required").
planner_settings = sa.Table(
    "planner_settings",
    metadata,
    sa.Column("name", sa.String(40), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)

# What each planner may do in which Quartier (``measures.domain.roles``).
planner_roles = sa.Table(
    "planner_roles",
    metadata,
    sa.Column(
        "planner_id",
        sa.Integer,
        sa.ForeignKey("planners.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column(
        "quartier",
        sa.String(80),
        sa.ForeignKey("quartier.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("role", sa.String(20), primary_key=True),
)

# Every export of residents' contact data: who, when, what (layer, format, filters), how
# many records. Kept apart from the ideas so that deleting an idea leaves the record.
contact_exports = sa.Table(
    "contact_exports",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    _quartier_key(),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("actor", sa.Text, nullable=False),
    sa.Column("what", sa.Text, nullable=False),
    sa.Column("records", sa.Integer, nullable=False),
)

# E-mail notifications (double opt-in). An address is stored once, only while a
# subscription needs it: the last subscription that goes takes the address with it
# (``measures/storage/mail.py``). A subscription follows one idea or one measure; deleting
# either deletes its subscriptions (and their queued messages).
mail_addresses = sa.Table(
    "mail_addresses",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("email", sa.Text, nullable=False, unique=True),
)

subscriptions = sa.Table(
    "subscriptions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "address_id",
        sa.Integer,
        sa.ForeignKey("mail_addresses.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("idea_id", sa.String(40), sa.ForeignKey("ideas.id", ondelete="CASCADE"), index=True),
    sa.Column(
        "measure_id", sa.String(80), sa.ForeignKey("measures.id", ondelete="CASCADE"), index=True
    ),
    # A reported barrier whose answer its reporter asked for (always ``author``).
    sa.Column(
        "barrier_report_id",
        sa.String(40),
        sa.ForeignKey(
            "barrier_reports.id", ondelete="CASCADE", name="fk_subscriptions_barrier_report_id"
        ),
        index=True,
    ),
    # The author of the idea (who reads the planners' reason), not someone following it.
    sa.Column("author", sa.Boolean, nullable=False),
    sa.Column("language", sa.String(5), nullable=False),
    # Part of the signed links of confirmation and unsubscription: a link made for an
    # earlier subscription with the same id does not fit a later one.
    sa.Column("nonce", sa.String(32), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("confirmed_at", sa.DateTime(timezone=True)),
    sa.UniqueConstraint("address_id", "idea_id", name="uq_subscriptions_address_idea"),
    sa.UniqueConstraint("address_id", "measure_id", name="uq_subscriptions_address_measure"),
    sa.UniqueConstraint("address_id", "barrier_report_id", name="uq_subscriptions_address_barrier"),
)

# Messages waiting to be sent, written in the transaction of the change they tell of.
# What a message says (``kind``, ``payload``) is rendered when it is sent, in the
# subscription's language. ``state``: "queued", or "sending" once the sender has begun
# to hand the text to the mail server (see ``measures/storage/mail.py``).
mail_outbox = sa.Table(
    "mail_outbox",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "subscription_id",
        sa.Integer,
        sa.ForeignKey("subscriptions.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("payload", sa.JSON, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("state", sa.String(10), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False, index=True),
    sa.Column("claimed_until", sa.DateTime(timezone=True)),
    sa.Column("claim", sa.String(32)),
    # The kind of the last failure (an exception's name, an SMTP code), never its text:
    # a server's answer may quote the address.
    sa.Column("last_error", sa.String(80)),
)

# Barriers residents report from the accessibility statement (measures.domain.barriers);
# never public. The address is optional and deleted after the retention time.
barrier_reports = sa.Table(
    "barrier_reports",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    _quartier_key(),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("where_text", sa.Text, nullable=False),
    sa.Column("state", sa.String(20), nullable=False, index=True),
    sa.Column("answer", sa.Text, nullable=False),
    sa.Column("answered_at", sa.DateTime(timezone=True)),
    sa.Column("answered_by", sa.Text, nullable=False),
    sa.Column("email", sa.Text),
    # The hash of the private status link (the link itself is never stored).
    sa.Column("status_token_hash", sa.String(64), nullable=False, unique=True),
)

# Photos of ideas and measures (measures.domain.photos). The image files lie in the photo
# storage under keys made from the id (measures/storage/photo_files.py); a row is deleted
# with its idea or measure, and its files right after the commit.
photos = sa.Table(
    "photos",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("idea_id", sa.String(40), sa.ForeignKey("ideas.id", ondelete="CASCADE"), index=True),
    sa.Column(
        "measure_id", sa.String(80), sa.ForeignKey("measures.id", ondelete="CASCADE"), index=True
    ),
    sa.Column("alt_text", sa.Text, nullable=False),
    sa.Column("state", sa.String(20), nullable=False, index=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("added_by", sa.Text, nullable=False),
    sa.Column("width", sa.Integer, nullable=False),
    sa.Column("height", sa.Integer, nullable=False),
)

# Comments on approved ideas and on measures (measures.domain.comments): about one idea or
# one measure, going with it; a reply names its first comment. ``author_name`` is the
# display name the resident chose ("" when anonymous); no address is ever stored.
comments = sa.Table(
    "comments",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("idea_id", sa.String(40), sa.ForeignKey("ideas.id", ondelete="CASCADE"), index=True),
    sa.Column(
        "measure_id", sa.String(80), sa.ForeignKey("measures.id", ondelete="CASCADE"), index=True
    ),
    sa.Column(
        "parent_id", sa.String(40), sa.ForeignKey("comments.id", ondelete="CASCADE"), index=True
    ),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("author_name", sa.Text, nullable=False),
    sa.Column("official", sa.Boolean, nullable=False),
    sa.Column("state", sa.String(20), nullable=False, index=True),
    # Set by "melden", cleared when a planner keeps the comment.
    sa.Column("reported_at", sa.DateTime(timezone=True)),
)

# The moderation history of comments: who did what, when and why.
comment_events = sa.Table(
    "comment_events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "comment_id",
        sa.String(40),
        sa.ForeignKey("comments.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("action", sa.String(40), nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("actor", sa.Text, nullable=False),
)

# Every change of a measure or place: who, when, what, and the record as it was after the
# change (after a deletion: as it was before), written in the transaction of the change
# (``measures/storage/versions.py``). Kept when the record is deleted, hence no foreign key.
record_versions = sa.Table(
    "record_versions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("layer", sa.String(20), nullable=False),
    sa.Column("record_id", sa.String(80), nullable=False),
    sa.Column("quartier", sa.String(80), nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    # created, updated, deleted, restored
    sa.Column("action", sa.String(20), nullable=False),
    # web, import, seed, idea, system
    sa.Column("source", sa.String(20), nullable=False),
    sa.Column("author", sa.Text, nullable=False),
    # The names of the fields that differ from the version before.
    sa.Column("changed", sa.JSON, nullable=False),
    # The record's fields as its table's columns hold them, but JSON; the geometry as WKB.
    sa.Column("properties", sa.JSON, nullable=False),
    sa.Column("geom_wkb", sa.LargeBinary, nullable=False),
    sa.Index("ix_record_versions_record", "layer", "record_id", "id"),
)

# A measure's decision path (measures.domain.decision_path): its steps, in ``position``
# order, each with its PDF files. The measure's status and timeline columns are derived
# from these rows and written with them (measures/storage/decision_path.py).
measure_steps = sa.Table(
    "measure_steps",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "measure_id",
        sa.String(80),
        sa.ForeignKey("measures.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("position", sa.Integer, nullable=False),
    # "" where no source dates a step read from a file.
    sa.Column("date", sa.String(10), nullable=False),
    sa.Column("body", sa.String(40), nullable=False),
    sa.Column("status", sa.String(40), nullable=False),
    sa.Column("reference", sa.String(200), nullable=False),
    sa.Column("minutes_url", sa.Text, nullable=False),
    sa.Column("note", sa.Text, nullable=False),
    # "file" (seed or GIS import) or "planner".
    sa.Column("origin", sa.String(20), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_by", sa.Text, nullable=False),
)

# The PDFs of a step, in the photo storage under keys the app makes up.
measure_step_files = sa.Table(
    "measure_step_files",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "step_id",
        sa.Integer,
        sa.ForeignKey("measure_steps.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("key", sa.String(100), nullable=False, unique=True),
    sa.Column("filename", sa.String(200), nullable=False),
    sa.Column("size", sa.Integer, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

SPATIAL_TABLES = (quartier, measures, locations, ideas)

# Sessions of the Stadtteilbeirat (``measures/domain/beirat.py``) and their agenda.
beirat_sessions = sa.Table(
    "beirat_sessions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    _quartier_key(),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("ends_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("place", sa.String(200), nullable=False),
    sa.Column("address", sa.String(300), nullable=False),
    sa.Column("public", sa.Boolean, nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_by", sa.Text, nullable=False),
)

beirat_items = sa.Table(
    "beirat_items",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "session_id",
        sa.Integer,
        sa.ForeignKey("beirat_sessions.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("position", sa.Integer, nullable=False),
    # "measure", "idea" or "topic"; ``ref`` the measure's or idea's id (none for a topic).
    # No foreign key: a measure or idea deleted later leaves the item, shown by its title.
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("ref", sa.String(80), nullable=True, index=True),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("outcome", sa.String(20), nullable=True),
    sa.Column("votes_yes", sa.Integer, nullable=True),
    sa.Column("votes_no", sa.Integer, nullable=True),
    sa.Column("votes_abstain", sa.Integer, nullable=True),
    sa.Column("note", sa.Text, nullable=False),
    # The decision-path step the outcome made; its deletion leaves the outcome.
    sa.Column(
        "step_id",
        sa.Integer,
        sa.ForeignKey("measure_steps.id", ondelete="SET NULL"),
        nullable=True,
    ),
)
