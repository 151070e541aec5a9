"""The fixed vocabularies of the domain: keys as stored and sent, German labels as shown."""


def N_(label: str) -> str:
    """Mark a label for translation without translating it here.

    The domain knows no request or language; the web layer translates the marked labels
    when it shows them (the extraction in ``babel.cfg`` collects ``N_``).
    """
    return label


# The decision path of a measure in the programme "Sozialer Zusammenhalt", in order;
# the last two leave the path.
STATUSES: dict[str, str] = {
    "idee": N_("Idee / in Vorbereitung"),
    "im_beirat_vorgestellt": N_("im Stadtteilbeirat vorgestellt"),
    "vom_beirat_empfohlen": N_("vom Beirat empfohlen"),
    "vom_parlament_beschlossen": N_("vom Stadtparlament beschlossen"),
    "in_umsetzung": N_("in Umsetzung"),
    "abgeschlossen": N_("abgeschlossen"),
    "zurueckgestellt": N_("zurückgestellt"),
    "abgelehnt": N_("abgelehnt"),
}

# Who takes a step on a measure's decision path (Stadtteilbeirat after § 72 HGO; it
# advises the Magistrat; the Stadtverordnetenversammlung is Wetzlar's Stadtparlament).
BODIES: dict[str, str] = {
    "quartiersmanagement": N_("Quartiersmanagement"),
    "stadtteilbeirat": N_("Stadtteilbeirat"),
    "ausschuss": N_("Ausschuss"),
    "magistrat": N_("Magistrat"),
    "stadtverordnetenversammlung": N_("Stadtverordnetenversammlung (Stadtparlament)"),
}

# The body of a step that a seed file or a GIS import names by its status only.
DEFAULT_BODIES: dict[str, str] = {
    "idee": "quartiersmanagement",
    "im_beirat_vorgestellt": "stadtteilbeirat",
    "vom_beirat_empfohlen": "stadtteilbeirat",
    "vom_parlament_beschlossen": "stadtverordnetenversammlung",
    "in_umsetzung": "magistrat",
    "abgeschlossen": "magistrat",
    "zurueckgestellt": "quartiersmanagement",
    "abgelehnt": "quartiersmanagement",
}

# Handlungsfelder after the focus areas of the Rahmenplan Dalheim (NH ProjektStadt, 2017).
CATEGORIES: dict[str, str] = {
    "wohnumfeld_gruen": N_("Wohnumfeld und Grün"),
    "spiel_freizeit": N_("Spiel und Freizeit"),
    "fuss_radverkehr": N_("Fuß- und Radverkehr"),
    "soziale_infrastruktur_bildung": N_("Soziale Infrastruktur und Bildung"),
    "nahversorgung_gesundheit": N_("Nahversorgung und Gesundheit"),
    "wohnen": N_("Wohnen"),
}

LOCATION_KINDS: dict[str, str] = {
    "familienzentrum": N_("Familienzentrum"),
    "kita": N_("Kita"),
    "schule": N_("Schule"),
    "treffpunkt": N_("Treffpunkt"),
    "beratung": N_("Beratung"),
    "spielplatz": N_("Spielplatz"),
    "sport": N_("Sport"),
    "gruenanlage": N_("Grünanlage"),
    "kirche": N_("Kirche"),
    "einkauf": N_("Einkauf"),
    "haltestelle": N_("Haltestelle"),
}

# "exact" only where a coordinate was read from a source; "approximate" where a person
# placed it near its address. The map says "Lage ungefähr" for the latter.
ACCURACIES: dict[str, str] = {
    "exact": N_("genau"),
    "approximate": N_("ungefähr"),
}

MODERATION_STATES: dict[str, str] = {
    "pending": N_("wartet auf Prüfung"),
    "approved": N_("freigegeben"),
    "rejected": N_("abgelehnt"),
    # Deleted by a planner: text and personal data are gone, the history stays.
    "deleted": N_("gelöscht"),
}

# What can happen to an idea, as recorded in its history.
IDEA_ACTIONS: dict[str, str] = {
    "submitted": N_("eingereicht"),
    "approved": N_("freigegeben"),
    "rejected": N_("abgelehnt"),
    "edited": N_("Text bearbeitet"),
    "duplicate": N_("als doppelt markiert"),
    "converted": N_("in eine Maßnahme übernommen"),
    "linked": N_("in einer Maßnahme aufgegriffen"),
    "unlinked": N_("Verknüpfung mit der Maßnahme gelöst"),
    "deleted": N_("gelöscht"),
}
