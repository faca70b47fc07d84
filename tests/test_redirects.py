"""Open redirects: every redirect to a target the visitor chose (``next=``) stays on the
site, whatever is sent; CR/LF in it is not a 500."""

from __future__ import annotations

import re
from urllib.parse import quote, urljoin, urlsplit

import pytest

from directory.extensions import db
from directory.redirects import safe_next
from tests.factories import TEST_PASSWORD, UserFactory
from tests.support.referral_network import csrf_token, sign_in

SITE = "https://rujukan.example.id/"

# As an attacker would write them, decoded once (what the app reads from the query string).
HOSTILE = [
    "//evil.example",
    "//evil.example/x",
    "///evil.example",
    "/\\evil.example",
    "\\/evil.example",
    "\\\\evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "/\r\n/evil.example",
    "\t/evil.example",
    " /evil.example",
    "/ /evil.example",
    "/%09/evil.example",
    "/%0a/evil.example",
    "/%0d%0aSet-Cookie:x=1",
    "/x\r\nSet-Cookie: x=1",
    "/%2F%2Fevil.example",
    "/%5Cevil.example",
    "/%252F%252Fevil.example",
    "/%25%30%39/evil.example",
    "https://evil.example",
    "http:evil.example",
    "HTTPS://evil.example/",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "evil.example",
    "",
    "/\x00/evil.example",
    "/\x7f/evil.example",
    "/\u200b/evil.example",
    "/\u2028/evil.example",
    "/\uff0fevil.example",
    "/\ufe68evil.example",
    "/%EF%BC%8Fevil.example",
    "/%EF%B9%A8evil.example",
    "/%E2%80%8B/evil.example",
    "/%FF",
    "/" + "a" * 5000,
]

SAFE = ["/", "/wilayah", "/rujukan/keluar?status=sent", "/cari?q=kdrt&lat=-6.12&lon=106.15"]


def browser_destination(location: str) -> str:
    """Where a browser goes for this Location: it drops tabs and newlines, reads a
    backslash as a slash, and resolves the rest against the page's address."""
    cleaned = re.sub(r"[\t\n\r]", "", location).strip("\x00\x20").replace("\\", "/")
    return urljoin(SITE, cleaned)


def assert_on_site(location: str) -> None:
    assert location.startswith("/") and not location.startswith("//"), location
    assert not re.search(r"[\x00-\x20\x7f\\]", location), location
    assert urlsplit(browser_destination(location)).netloc == urlsplit(SITE).netloc


@pytest.mark.parametrize("value", HOSTILE)
def test_safe_next_refuses_anything_but_a_local_path(value):
    assert safe_next(value) is None


@pytest.mark.parametrize("value", SAFE)
def test_safe_next_keeps_local_paths(value):
    assert safe_next(value) == value


def test_safe_next_refuses_what_is_not_text():
    assert safe_next(None) is None
    assert safe_next(["/wilayah"]) is None


@pytest.mark.parametrize("value", HOSTILE)
def test_the_language_switch_stays_on_the_site(client, value):
    response = client.get("/bahasa/en", query_string={"next": value})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize(
    "raw",
    [
        "/%09/evil.example",
        "%2F%09%2Fevil.example",
        "/%0d%0aSet-Cookie:x=1",
        "%0d%0a//evil.example",
        "/%5Cevil.example",
        "//evil.example",
        "/%E3%80%80/evil.example",
    ],
)
def test_the_language_switch_with_a_raw_hostile_query(client, raw):
    """The query as typed into a browser's address bar (the review's finding)."""
    response = client.get(f"/bahasa/id?next={raw}")
    assert response.status_code == 302
    assert_on_site(response.headers["Location"])
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("value", HOSTILE)
def test_signed_in_visit_to_the_sign_in_page_stays_on_the_site(app, value):
    user = UserFactory()
    db.session.commit()
    client = app.test_client()
    sign_in(client, user)
    response = client.get("/masuk", query_string={"next": value})
    assert response.status_code == 302
    assert response.headers["Location"] == "/rujukan/keluar"


@pytest.mark.parametrize("value", HOSTILE)
def test_signing_in_stays_on_the_site(client, value):
    UserFactory(email="k@example.org")
    db.session.commit()
    token = csrf_token(client, "/masuk")
    response = client.post(
        "/masuk",
        data={
            "email": "k@example.org",
            "password": TEST_PASSWORD,
            "csrf_token": token,
            "next": value,
        },
    )
    if "\x00" in value:
        # A NUL in any posted field is refused before the view (directory/input_guard.py).
        assert response.status_code == 400
        return
    assert response.status_code == 302
    assert response.headers["Location"] == "/rujukan/keluar"


def test_the_sign_in_form_does_not_carry_a_hostile_target(client):
    page = client.get("/masuk?next=//evil.example").get_data(as_text=True)
    field = re.search(r'<input[^>]*name="next"[^>]*>', page)
    assert field is not None and "evil" not in field.group(0)


@pytest.mark.parametrize("value", SAFE)
def test_local_targets_still_work_everywhere(app, client, value):
    assert client.get("/bahasa/en", query_string={"next": value}).headers["Location"] == value
    UserFactory(email="k@example.org")
    db.session.commit()
    token = csrf_token(client, "/masuk")
    response = client.post(
        "/masuk",
        data={
            "email": "k@example.org",
            "password": TEST_PASSWORD,
            "csrf_token": token,
            "next": value,
        },
    )
    assert response.headers["Location"] == value
    assert client.get("/masuk", query_string={"next": value}).headers["Location"] == value


def test_the_redirect_to_sign_in_keeps_the_page_quoted(client):
    """A protected page sends the visitor to sign in with ``next`` = that page, which
    signing in honours; a crafted path cannot turn it into another host."""
    response = client.get("/rujukan/keluar?status=" + quote("\r\n//evil"))
    assert response.status_code == 302
    assert_on_site(response.headers["Location"])
