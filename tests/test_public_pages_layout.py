"""What every public page carries, and how the pages fold on a phone (issue 17):

- the quick exit ("Keluar cepat") on every page seen without signing in: a plain link to
  a neutral site (it works without script), its script leaving with location.replace and
  on the Escape key; never on the staff's pages;
- the signed-in menu folds behind "Menu" (a <details>, no script needed);
- once a search is made, its form folds into "Ubah pencarian" so the results come first;
- a 24-hour service says "Buka 24 jam", and hours are printed once.
"""

from __future__ import annotations

import re
from datetime import time
from pathlib import Path

import pytest

from directory.extensions import db
from tests.factories import (
    LocationFactory,
    OrganizationFactory,
    ScheduleFactory,
    ServiceAtLocationFactory,
    ServiceFactory,
)
from tests.support.referral_network import build_network, client_as
from tests.test_finder import directory  # noqa: F401 (a fixture)

QUICK_EXIT = re.compile(
    r'<a class="quick-exit" id="quick-exit" href="([^"]+)"[^>]*>(.*?)</a>', re.S
)
SCRIPT = Path(__file__).resolve().parent.parent / "static" / "js" / "quick-exit.js"


def html(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/", "/cari", "/wilayah", "/peta", "/masuk"])
def test_every_public_page_has_the_quick_exit(app, client, path):
    page = html(client.get(path))
    found = QUICK_EXIT.search(page)
    assert found is not None, path
    assert found.group(1) == app.config["QUICK_EXIT_URL"]
    assert found.group(1).startswith("https://") and "jejaring" not in found.group(1)
    assert "Keluar cepat" in found.group(2)
    assert '<script src="/static/js/quick-exit.js" defer></script>' in page
    # Early in the page: the first thing after the skip link.
    assert page.index('id="quick-exit"') < page.index('<header class="site-header"')


def test_the_quick_exit_goes_where_it_is_configured(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "QUICK_EXIT_URL", "https://www.bmkg.go.id/cuaca/")
    assert QUICK_EXIT.search(html(client.get("/"))).group(1) == "https://www.bmkg.go.id/cuaca/"


def test_a_page_not_found_has_the_quick_exit_too(client):
    response = client.get("/tidak-ada-halaman-ini")
    assert response.status_code == 404
    assert QUICK_EXIT.search(response.get_data(as_text=True))


def test_the_quick_exit_script_replaces_the_page_and_listens_for_escape():
    script = SCRIPT.read_text(encoding="utf-8")
    assert "location.replace(" in script
    assert '"Escape"' in script and "keydown" in script
    assert "preventDefault" in script


@pytest.mark.parametrize("role", ["sender_counsellor", "receiver_partner", "admin"])
def test_staff_pages_have_a_folding_menu_and_no_quick_exit(app, role):
    network = build_network()
    page = html(client_as(app, network, role).get("/cari"))
    assert 'id="quick-exit"' not in page and "quick-exit.js" not in page
    menu = re.search(r'<details class="nav-fold"><summary>Menu</summary>\s*<ul>', page)
    assert menu is not None
    assert page.index("nav-fold") < page.index("/rujukan/masuk") < page.index("</details>")


def test_visitors_see_the_menu_unfolded(client):
    page = html(client.get("/"))
    assert "nav-fold" not in page


def test_the_search_form_folds_once_a_search_is_made(client, directory):  # noqa: F811
    before = html(client.get("/cari"))
    assert "finder-refine" not in before  # nothing searched: the form is the page
    after = html(client.get("/cari?q=kekerasan&tempat=Kota+Serang"))
    refine = re.search(
        r'<details class="finder-refine"( open)?>\s*<summary>(.*?)</summary>', after, re.S
    )
    assert refine is not None and refine.group(1) is None  # folded
    summary = " ".join(re.sub(r"<[^>]+>", " ", refine.group(2)).split())
    assert summary == "Ubah pencarian «kekerasan» · dekat Kota Serang"
    # The form is inside the fold, the results after it.
    assert after.index("finder-refine") < after.index('<form class="finder-form"')
    assert after.index("</details>") < after.index('id="results-heading"')
    assert "Pendampingan korban" in after


def test_a_search_with_a_problem_in_the_form_keeps_the_form_open(client, directory):  # noqa: F811
    page = html(client.get("/cari?q=kdrt&tempat=xyzzyqwerty"))
    assert "Tempat tidak dikenal" in page
    assert '<details class="finder-refine">' not in page


def test_a_24_hour_service_says_so_and_its_hours_print_once(client):
    organization = OrganizationFactory(name="UPTD PPA Kota Serang")
    service = ServiceFactory(organization=organization, name="Pengaduan 24 jam")
    office = LocationFactory(organization=organization, region_code="36.73.05")
    ServiceAtLocationFactory(service=service, location=office)
    # As the demonstration writes them: 00:00-23:59, with the same in words.
    ScheduleFactory(
        service_id=service.id,
        byday="MO,TU,WE,TH,FR,SA,SU",
        opens_at=time(0),
        closes_at=time(23, 59),
        description="Setiap hari, 24 jam",
    )
    office_hours = ServiceFactory(organization=organization, name="Konsultasi hukum")
    ServiceAtLocationFactory(service=office_hours, location=office)
    ScheduleFactory(
        service_id=office_hours.id,
        byday="MO,TU,WE,TH,FR",
        opens_at=time(8),
        closes_at=time(16),
        description="Senin-Jumat 08.00-16.00 WIB",
    )
    db.session.commit()
    page = html(client.get(f"/layanan/{service.id}"))
    hours = re.search(r'<table class="hours">.*?</table>', page, re.S).group(0)
    assert "Buka 24 jam" in hours
    assert "23.59" not in page and "00.00" not in hours
    assert "Setiap hari, 24 jam" not in page
    page = html(client.get(f"/layanan/{office_hours.id}"))
    hours = re.search(r'<table class="hours">.*?</table>', page, re.S).group(0)
    assert hours.count("08.00") == 1 and hours.count("16.00") == 1
    assert "Senin-Jumat 08.00-16.00 WIB" not in page
