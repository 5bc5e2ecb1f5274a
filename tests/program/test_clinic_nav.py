"""Every page named in the clinic's menu carries the menu, so an admin can go from any of
them to the others (the crisis contacts and the risk flags had none)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests.conftest import client_for

pytestmark = pytest.mark.django_db

MENU = 'aria-label="Clinic administration"'


def test_every_page_in_the_clinic_menu_carries_the_menu(clinic_admin) -> None:
    client = client_for(clinic_admin)
    home = client.get(reverse("program:clinic_home")).content.decode()
    menu = home[home.index(MENU) : home.index("</nav>", home.index(MENU))]
    pages = re.findall(r'href="([^"]+)"', menu)
    assert len(pages) == 9, pages
    for address in pages:
        response = client.get(address)
        assert response.status_code == 200, address
        assert MENU in response.content.decode(), address
