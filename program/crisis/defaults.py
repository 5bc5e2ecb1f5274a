"""The crisis lines the app ships with: each checked against its official source on
``CHECKED`` (docs/sources.md, "Crisis contacts"). Loaded by migration
``0032_crisis_contacts``, and again if the table is ever found empty
(``program.crisis.actions.lookup``); a clinic changes them on /clinic/crisis-contacts/.
"""

from __future__ import annotations

import datetime

CHECKED = datetime.date(2026, 12, 6)

# country, name, phone, number to text, emergency number(s), website, order
SHIPPED: tuple[tuple[str, str, str, str, str, str, int], ...] = (
    ("GB", "Samaritans", "116 123", "", "999", "https://www.samaritans.org", 1),
    ("GB", "NHS 111 (mental health option)", "111", "", "999", "https://111.nhs.uk", 2),
    ("IE", "Samaritans", "116 123", "", "112 / 999", "https://www.samaritans.org/ireland/", 1),
    ("US", "988 Suicide & Crisis Lifeline", "988", "988", "911", "https://988lifeline.org", 1),
    ("CA", "9-8-8 Suicide Crisis Helpline", "988", "988", "911", "https://988.ca", 1),
    (
        "FR",
        "Numéro national de prévention du suicide",
        "3114",
        "",
        "15 / 112",
        "https://3114.fr",
        1,
    ),
    ("DE", "TelefonSeelsorge", "0800 111 0 111", "", "112", "https://www.telefonseelsorge.de", 1),
    ("DE", "TelefonSeelsorge", "0800 111 0 222", "", "112", "https://www.telefonseelsorge.de", 2),
    (
        "ES",
        "024 – Línea de atención a la conducta suicida",
        "024",
        "",
        "112",
        "https://www.sanidad.gob.es/linea024/",
        1,
    ),
    ("NL", "113 Zelfmoordpreventie", "113", "", "112", "https://www.113.nl", 1),
    ("NL", "113 Zelfmoordpreventie", "0800-0113", "", "112", "https://www.113.nl", 2),
    ("AU", "Lifeline", "13 11 14", "0477 13 11 14", "000", "https://www.lifeline.org.au", 1),
)


def shipped() -> list[dict[str, object]]:
    """The shipped lines as model fields."""
    return [
        {
            "country": country,
            "name": name,
            "phone": phone,
            "text_number": text,
            "hours": "24/7",
            "emergency_number": emergency,
            "url": url,
            "order": order,
            "last_checked": CHECKED,
        }
        for country, name, phone, text, emergency, url, order in SHIPPED
    ]
