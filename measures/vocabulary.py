"""The fixed vocabularies of the domain: keys as stored and sent, German labels as shown."""

# The decision path of a measure in the programme "Sozialer Zusammenhalt", in order;
# the last two leave the path.
STATUSES: dict[str, str] = {
    "idee": "Idee / in Vorbereitung",
    "im_beirat_vorgestellt": "im Stadtteilbeirat vorgestellt",
    "vom_beirat_empfohlen": "vom Beirat empfohlen",
    "vom_parlament_beschlossen": "vom Stadtparlament beschlossen",
    "in_umsetzung": "in Umsetzung",
    "abgeschlossen": "abgeschlossen",
    "zurueckgestellt": "zurückgestellt",
    "abgelehnt": "abgelehnt",
}

# Handlungsfelder after the focus areas of the Rahmenplan Dalheim (NH ProjektStadt, 2017).
CATEGORIES: dict[str, str] = {
    "wohnumfeld_gruen": "Wohnumfeld und Grün",
    "spiel_freizeit": "Spiel und Freizeit",
    "fuss_radverkehr": "Fuß- und Radverkehr",
    "soziale_infrastruktur_bildung": "Soziale Infrastruktur und Bildung",
    "nahversorgung_gesundheit": "Nahversorgung und Gesundheit",
    "wohnen": "Wohnen",
}

LOCATION_KINDS: dict[str, str] = {
    "familienzentrum": "Familienzentrum",
    "kita": "Kita",
    "schule": "Schule",
    "treffpunkt": "Treffpunkt",
    "beratung": "Beratung",
    "spielplatz": "Spielplatz",
    "sport": "Sport",
    "gruenanlage": "Grünanlage",
    "kirche": "Kirche",
    "einkauf": "Einkauf",
    "haltestelle": "Haltestelle",
}

# "exact" only where a coordinate was read from a source; "approximate" where a person
# placed it near its address. The map says "Lage ungefähr" for the latter.
ACCURACIES: dict[str, str] = {
    "exact": "genau",
    "approximate": "ungefähr",
}

MODERATION_STATES: dict[str, str] = {
    "pending": "wartet auf Prüfung",
    "approved": "freigegeben",
    "rejected": "abgelehnt",
}

LAYERS: dict[str, str] = {
    "quartier": "Fördergebiet Dalheim",
    "measures": "Maßnahmen",
    "locations": "Orte im Quartier",
    "ideas": "Ideen von Bewohnerinnen und Bewohnern",
}
