"""Bahasa Indonesia by default, English on request; the English catalogue is complete."""

from __future__ import annotations

import os
import re
from datetime import time
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from directory import PROJECT_ROOT
from directory.institutions.models import TAXONOMY_PROBLEMS, TAXONOMY_SERVICE_TYPES
from tests.factories import (
    AttributeFactory,
    LocationFactory,
    ScheduleFactory,
    ServiceAtLocationFactory,
    ServiceFactory,
    TaxonomyFactory,
    TaxonomyTermFactory,
)

ENGLISH_PO = PROJECT_ROOT / "translations" / "en" / "LC_MESSAGES" / "messages.po"


def read_catalog(path: Path):
    with path.open("rb") as handle:
        return read_po(handle)


@pytest.fixture(scope="module", autouse=True)
def compiled_english_catalog() -> None:
    """What ``make test`` does first: compile the .po when its .mo is missing or older
    (the .mo files are not in git), so these tests also run straight from pytest."""
    mo = ENGLISH_PO.with_suffix(".mo")
    if not mo.exists() or mo.stat().st_mtime < ENGLISH_PO.stat().st_mtime:
        with mo.open("wb") as handle:
            write_mo(handle, read_catalog(ENGLISH_PO), use_fuzzy=True)


def html(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


# Choosing the language


def test_indonesian_is_the_default(client):
    page = html(client.get("/"))
    assert '<html lang="id">' in page
    assert "Langsung ke isi" in page


def test_language_switch_remembers_english_and_returns_to_the_page(client):
    response = client.get("/bahasa/en?next=/wilayah")
    assert response.status_code == 302
    assert response.headers["Location"] == "/wilayah"
    page = html(client.get("/wilayah"))
    assert '<html lang="en">' in page
    assert "<h1>Browse by region</h1>" in page
    home = html(client.get("/"))
    assert "Skip to content" in home
    assert "Emergency call" in home

    client.get("/bahasa/id")
    assert '<html lang="id">' in html(client.get("/wilayah"))


def test_lang_parameter_chooses_english_for_that_page_only(client):
    page = html(client.get("/?lang=en"))
    assert '<html lang="en">' in page
    assert "Find a service" in page
    assert '<html lang="id">' in html(client.get("/"))


def test_unknown_language_keeps_indonesian(client):
    client.get("/bahasa/fr")
    assert '<html lang="id">' in html(client.get("/?lang=fr"))


def test_language_switch_link_comes_back_without_the_lang_parameter(client):
    page = html(client.get("/wilayah?lang=en"))
    links = re.findall(r'<a lang="id" hreflang="id" href="([^"]+)"', page)
    assert links == ["/bahasa/id?next=/wilayah"]


def test_language_switch_does_not_redirect_off_the_site(client):
    response = client.get("/bahasa/en?next=//evil.example/")
    assert response.headers["Location"] == "/"


def test_error_pages_follow_the_language(client):
    response = client.get("/lembaga/not-a-uuid?lang=en")
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)


# Content in English


def test_counts_are_pluralised_in_english(client):
    page = html(client.get("/wilayah?lang=en"))
    assert re.search(r'href="/wilayah/36">Banten</a>\s*<span class="count">0 services<', page)


def test_term_names_and_hours_in_the_chosen_language(client):
    service = ServiceFactory()
    counselling = TaxonomyTermFactory(
        taxonomy=TaxonomyFactory(id=TAXONOMY_SERVICE_TYPES),
        name="Konseling",
        name_en="Counselling",
    )
    untranslated = TaxonomyTermFactory(
        taxonomy=TaxonomyFactory(id=TAXONOMY_PROBLEMS), name="Anak jalanan", name_en=None
    )
    for term in (counselling, untranslated):
        AttributeFactory(link_entity="service", link_id=service.id, taxonomy_term=term)
    place = LocationFactory(organization=service.organization, region_code="91.71")
    at = ServiceAtLocationFactory(service=service, location=place)
    ScheduleFactory(service_at_location_id=at.id, byday="MO,TU,WE,TH,FR", opens_at=time(8))

    english = html(client.get(f"/layanan/{service.id}?lang=en"))
    assert '<li class="badge">Counselling</li>' in english
    assert '<li class="badge">Anak jalanan</li>' in english
    assert "Monday–Friday" in english
    assert re.search(r"8:00\sAM–4:00\sPM <abbr[^>]*>WIT</abbr>", english)

    indonesian = html(client.get(f"/layanan/{service.id}"))
    assert '<li class="badge">Konseling</li>' in indonesian
    assert "Counselling" not in indonesian
    assert "Senin–Jumat" in indonesian


# The catalogue


def test_every_english_message_is_translated():
    catalog = read_catalog(ENGLISH_PO)
    untranslated = [
        message.id
        for message in catalog
        if message.id
        and (
            message.fuzzy
            or not (message.string if isinstance(message.string, str) else all(message.string))
        )
    ]
    assert untranslated == []
    assert len(catalog) > 100


def test_english_translations_keep_their_placeholders():
    catalog = read_catalog(ENGLISH_PO)
    problems = [(message.id, [str(e) for e in errors]) for message, errors in catalog.check()]
    assert problems == []


def _source_messages() -> set[str]:
    """Every message id in the sources, extracted as ``make translations-extract`` does."""
    with (PROJECT_ROOT / "babel.cfg").open() as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    keywords = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}
    skipped = {"__pycache__", "instance", "node_modules"}

    def wanted(path: str) -> bool:
        name = os.path.basename(path)
        return not name.startswith(".") and name not in skipped

    found = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        PROJECT_ROOT, method_map, options_map, keywords=keywords, directory_filter=wanted
    ):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def test_english_catalog_covers_every_string_in_the_sources():
    """A string added without running ``make translations-extract`` and translating it
    would show in Indonesian on an English page."""
    in_catalog = {
        message.id[0] if isinstance(message.id, tuple) else message.id
        for message in read_catalog(ENGLISH_PO)
        if message.id
    }
    sources = _source_messages()
    assert "Lokasi dirahasiakan" in sources  # the macros under templates/_macros count too
    assert sorted(sources - in_catalog) == []
