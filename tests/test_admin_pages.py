"""The administration pages over HTTP: who is refused, what the forms store or refuse (in
Indonesian, with nothing half stored), deactivation seen from the public side, and the
audit trail page."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from directory.audit.models import MetadataEntry
from directory.auth.models import User
from directory.extensions import db
from directory.institutions.models import Location, Organization, Service
from tests.factories import TEST_PASSWORD, LocationFactory
from tests.support.referral_network import (
    ADMIN_ROLE,
    ANONYMOUS,
    OTHER_COUNSELLOR,
    RECEIVER,
    SENDER,
    bearer,
    client_as,
    csrf_token,
    referral_in,
)

NEW_PASSWORD = "kata sandi baru yang panjang sekali"


@pytest.fixture
def admin_client(app, network):
    return client_as(app, network, ADMIN_ROLE)


def post_form(client, url: str, data: dict, token_page: str | None = None):
    data = {**data, "csrf_token": csrf_token(client, token_page or url)}
    return client.post(url, data=data)


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


# Who may come in

PAGES = ["/admin", "/admin/lembaga", "/admin/akun/baru", "/admin/jejak-audit"]


@pytest.mark.parametrize("role", [SENDER, OTHER_COUNSELLOR, RECEIVER])
@pytest.mark.parametrize("path", PAGES)
def test_staff_of_organizations_are_refused(app, network, role, path):
    assert client_as(app, network, role).get(path).status_code == 403


@pytest.mark.parametrize("path", PAGES)
def test_anonymous_visitors_are_sent_to_sign_in(app, network, path):
    response = client_as(app, network, ANONYMOUS).get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/masuk")


def test_a_partner_cannot_deactivate_a_service(app, network):
    partner = client_as(app, network, RECEIVER)
    token = csrf_token(partner, "/keluar")
    response = partner.post(
        f"/admin/layanan/{network.service.id}/nonaktifkan", data={"csrf_token": token}
    )
    assert response.status_code == 403
    db.session.refresh(network.service)
    assert network.service.status == "active"


def test_the_dashboard_links_every_part(admin_client):
    page = admin_client.get("/admin").get_data(as_text=True)
    for path in (
        "/admin/lembaga",
        "/admin/layanan",
        "/admin/lokasi",
        "/admin/istilah",
        "/admin/akun",
        "/admin/jejak-audit",
        "/admin/privasi",
    ):
        assert f'href="{path}"' in page, path
    # The menu leads admins here instead of to the subject-access page.
    assert '<a href="/admin" aria-current="page">Admin</a>' in page


def test_the_menu_shows_no_admin_item_to_counsellors(app, network):
    page = client_as(app, network, SENDER).get("/notifikasi").get_data(as_text=True)
    assert 'href="/admin"' not in page


# Forms


def test_an_admin_creates_an_organization_through_the_form(admin_client, network):
    response = post_form(
        admin_client,
        "/admin/lembaga/baru",
        {
            "name": "LBH Banten (uji)",
            "email": "lbh@example.org",
            "website": "https://lbh.example.org",
            "phones": "+62 254 000 1\n0254 000 2",
        },
    )
    assert response.status_code == 303
    organization = db.session.scalar(
        select(Organization).where(Organization.name == "LBH Banten (uji)")
    )
    assert response.headers["Location"] == f"/admin/lembaga/{organization.id}"
    assert sorted(p.number for p in organization.phones) == ["+62 254 000 1", "0254 000 2"]
    page = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Perubahan sudah disimpan." in page
    assert "Riwayat perubahan" in page and "lbh@example.org" in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": ""}, "Wajib diisi."),
        ({"name": "x" * 301}, "Paling banyak 300 karakter."),
        ({"name": "Lembaga", "email": "bukan email"}, "Alamat email tidak sah."),
        ({"name": "Lembaga", "website": "javascript:alert(1)"}, "Alamat situs web tidak sah."),
        ({"name": "Lembaga", "phones": "<script>"}, "Nomor telepon hanya berisi angka"),
        (
            {"name": "Lembaga", "institution_type_id": "not-a-uuid"},
            "Pilihan ini tidak dikenal.",
        ),
    ],
)
def test_bad_organization_input_is_refused_in_indonesian(admin_client, data, message):
    before = count(Organization)
    response = post_form(admin_client, "/admin/lembaga/baru", data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert count(Organization) == before


def test_a_form_without_the_csrf_token_stores_nothing(admin_client):
    before = count(Organization)
    response = admin_client.post("/admin/lembaga/baru", data={"name": "Tanpa token"})
    assert response.status_code == 400
    assert count(Organization) == before


def test_a_service_is_edited_with_weekly_hours(admin_client, network):
    service = network.service
    url = f"/admin/layanan/{service.id}"
    data = {
        "organization_id": service.organization_id,
        "name": service.name,
        "status": "temporarily closed",
        "accepting_referrals": "",
        "problem_ids": [network.problem_terms[1].id],
        "location_ids": [sal.location_id for sal in service.service_at_locations],
        "region_codes": "36.73\n36.04",
        "languages": "id, jv",
        "opens_MO": "08:00",
        "closes_MO": "15:30",
        "opens_FR": "08:00",
        "closes_FR": "11:00",
    }
    response = post_form(admin_client, url, data)
    assert response.status_code == 303
    db.session.expire_all()
    service = db.session.get(Service, service.id)
    assert service.status == "temporarily closed"
    assert service.accepting_referrals is False
    assert [t.id for t in service.taxonomy_terms] == [network.problem_terms[1].id]
    assert sorted(service.served_region_codes) == ["36.04", "36.73"]
    assert len(service.service_at_locations) == 1
    page = admin_client.get(url).get_data(as_text=True)
    assert 'value="15:30"' in page and 'value="11:00"' in page
    changed = set(
        db.session.scalars(
            select(MetadataEntry.field_name).where(MetadataEntry.resource_id == service.id)
        )
    )
    assert {"status", "accepting_referrals", "problems", "service_areas", "hours"} <= changed


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"opens_MO": "25:00", "closes_MO": "26:00"}, "Tulis jam sebagai JJ:MM"),
        ({"opens_MO": "16:00", "closes_MO": "08:00"}, "Jam tutup harus setelah jam buka."),
        ({"opens_MO": "08:00"}, "Isi jam buka dan jam tutup bersama-sama."),
        ({"region_codes": "99.99"}, "Pilihan ini tidak dikenal."),
        ({"region_codes": "DROP TABLE"}, "Kode wilayah ditulis seperti"),
        ({"status": "dibuka"}, "Pilihan ini tidak dikenal."),
        ({"organization_id": "00000000-0000-0000-0000-000000000000"}, "Pilihan ini tidak dikenal."),
    ],
)
def test_bad_service_input_is_refused(admin_client, network, data, message):
    service = network.service
    before = (service.name, service.status)
    full = {
        "organization_id": service.organization_id,
        "name": "Nama yang tidak boleh tersimpan",
        "status": "active",
        **data,
    }
    response = post_form(admin_client, f"/admin/layanan/{service.id}", full)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    db.session.expire_all()
    service = db.session.get(Service, service.id)
    assert (service.name, service.status) == before


@pytest.mark.parametrize(
    ("latitude", "longitude", "region", "message"),
    [
        ("91", "106.1", "36.73", "Harus antara -90 dan 90."),
        ("nan", "106.1", "36.73", "Tulis angka desimal"),
        ("48.85", "2.35", "36.73", "Koordinat harus berada di wilayah Indonesia."),
        ("-6.12", "106.15", "36.99", "Pilihan ini tidak dikenal."),
        ("-6.12", "106.15", "x" * 500, "Paling banyak 16 karakter."),
    ],
)
def test_bad_locations_are_refused(admin_client, network, latitude, longitude, region, message):
    before = count(Location)
    response = post_form(
        admin_client,
        "/admin/lokasi/baru",
        {
            "organization_id": network.service.organization_id,
            "name": "Rumah aman",
            "address": "Jl. Contoh",
            "region_code": region,
            "latitude": latitude,
            "longitude": longitude,
        },
    )
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert count(Location) == before


def test_a_location_is_created(admin_client, network):
    response = post_form(
        admin_client,
        "/admin/lokasi/baru",
        {
            "organization_id": network.service.organization_id,
            "name": "Rumah aman (uji)",
            "address": "Jl. Contoh 1",
            "region_code": "36.73",
            "latitude": "-6,11",
            "longitude": "106.16",
            "confidential": "y",
        },
    )
    assert response.status_code == 303
    location = db.session.scalar(select(Location).where(Location.name == "Rumah aman (uji)"))
    assert (location.latitude, location.confidential) == (-6.11, True)


def test_a_term_is_created_and_appears_in_the_list(admin_client, network):
    taxonomy_id = network.problem_terms[0].taxonomy_id
    response = post_form(
        admin_client,
        "/admin/istilah/baru",
        {"taxonomy_id": taxonomy_id, "name": "Perdagangan orang", "name_en": "Trafficking"},
    )
    assert response.status_code == 303
    page = admin_client.get("/admin/istilah?q=perdagangan").get_data(as_text=True)
    assert "Perdagangan orang" in page
    assert "1 ditemukan" in page


# Accounts


def test_an_admin_creates_an_account_and_it_can_sign_in(app, admin_client, network):
    response = post_form(
        admin_client,
        "/admin/akun/baru",
        {
            "email": "mitra.baru@example.org",
            "name": "Mitra Baru",
            "role": "partner",
            "organization_id": network.service.organization_id,
            "password": NEW_PASSWORD,
        },
    )
    assert response.status_code == 303
    visitor = app.test_client()
    signed_in = post_form(
        visitor,
        "/masuk",
        {"email": "mitra.baru@example.org", "password": NEW_PASSWORD},
    )
    assert signed_in.status_code == 302


def test_a_counsellor_account_needs_an_organization(admin_client):
    before = count(User)
    response = post_form(
        admin_client,
        "/admin/akun/baru",
        {"email": "k@example.org", "name": "K", "role": "counsellor", "password": NEW_PASSWORD},
    )
    assert response.status_code == 400
    assert "Wajib diisi untuk peran ini." in response.get_data(as_text=True)
    assert count(User) == before


def test_a_deactivated_account_is_signed_out_and_refused(app, admin_client, network):
    partner = network.partner
    partner_client = client_as(app, network, RECEIVER)
    headers = bearer(partner)
    assert partner_client.get("/rujukan/masuk").status_code == 200

    token = csrf_token(admin_client, f"/admin/akun/{partner.id}")
    response = admin_client.post(
        f"/admin/akun/{partner.id}/nonaktifkan", data={"csrf_token": token}
    )
    assert response.status_code == 303

    assert partner_client.get("/rujukan/masuk").status_code == 302
    assert app.test_client().get("/api/v1/referrals", headers=headers).status_code == 401
    visitor = app.test_client()
    refused = post_form(visitor, "/masuk", {"email": partner.email, "password": TEST_PASSWORD})
    assert refused.status_code == 401


def test_an_admin_resets_a_password(app, admin_client, network):
    partner = network.partner
    url = f"/admin/akun/{partner.id}/kata-sandi"
    token = csrf_token(admin_client, f"/admin/akun/{partner.id}")
    mismatch = admin_client.post(
        url,
        data={"reset-csrf_token": token, "reset-password": NEW_PASSWORD, "reset-confirm": "lain"},
    )
    assert mismatch.status_code == 400
    assert "Kedua kata sandi tidak sama." in mismatch.get_data(as_text=True)
    done = admin_client.post(
        url,
        data={
            "reset-csrf_token": token,
            "reset-password": NEW_PASSWORD,
            "reset-confirm": NEW_PASSWORD,
        },
    )
    assert done.status_code == 303
    visitor = app.test_client()
    assert (
        post_form(visitor, "/masuk", {"email": partner.email, "password": NEW_PASSWORD}).status_code
        == 302
    )


# Deactivate rather than delete


def act(client, kind: str, record_id: str, action: str, edit_url: str):
    token = csrf_token(client, edit_url)
    return client.post(f"/admin/{kind}/{record_id}/{action}", data={"csrf_token": token})


def test_a_service_with_a_referral_is_not_deleted(admin_client, network):
    referral_in(network, "sent")
    service = network.service
    response = act(admin_client, "layanan", service.id, "hapus", f"/admin/layanan/{service.id}")
    assert response.status_code == 303
    assert response.headers["Location"] == f"/admin/layanan/{service.id}"
    page = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Tidak dapat dihapus" in page
    assert db.session.get(Service, service.id) is not None


def test_an_unused_location_is_deleted(admin_client, network):
    location = LocationFactory(organization=network.service.organization)
    db.session.commit()
    location_id = location.id
    response = act(admin_client, "lokasi", location_id, "hapus", f"/admin/lokasi/{location_id}")
    assert response.headers["Location"] == "/admin/lokasi"
    db.session.expire_all()
    assert db.session.get(Location, location_id) is None


def test_a_deactivated_organization_leaves_the_public_pages_and_api(app, admin_client, network):
    organization = network.service.organization
    public = app.test_client()
    assert public.get(f"/lembaga/{organization.id}").status_code == 200
    listed = public.get("/api/v1/organizations?per_page=100").get_json()
    assert organization.id in {item["id"] for item in listed["contents"]}

    response = act(
        admin_client, "lembaga", organization.id, "nonaktifkan", f"/admin/lembaga/{organization.id}"
    )
    assert response.status_code == 303

    assert public.get(f"/lembaga/{organization.id}").status_code == 404
    listed = public.get("/api/v1/organizations?per_page=100").get_json()
    assert organization.id not in {item["id"] for item in listed["contents"]}
    assert organization.name not in public.get("/wilayah/36.73").get_data(as_text=True)
    services = public.get(f"/api/v1/services?organization_id={organization.id}").get_json()
    assert services["contents"] == []
    # The admin still finds and can reactivate it.
    assert "Nonaktif" in admin_client.get("/admin/lembaga?q=UPTD").get_data(as_text=True)


def test_a_deactivated_term_leaves_the_referral_form(app, admin_client, network):
    term = network.problem_terms[1]
    form_url = f"/rujukan/baru?service_id={network.service.id}"
    counsellor = client_as(app, network, SENDER)
    assert term.name in counsellor.get(form_url).get_data(as_text=True)
    act(admin_client, "istilah", term.id, "nonaktifkan", f"/admin/istilah/{term.id}")
    assert term.name not in counsellor.get(form_url).get_data(as_text=True)


def test_an_unknown_action_or_kind_is_not_found(admin_client, network):
    token = csrf_token(admin_client, "/admin/lembaga/baru")
    service_id = network.service.id
    assert (
        admin_client.post(
            f"/admin/lokasi/{service_id}/nonaktifkan", data={"csrf_token": token}
        ).status_code
        == 404
    )
    assert (
        admin_client.post(
            f"/admin/rahasia/{service_id}/hapus", data={"csrf_token": token}
        ).status_code
        == 404
    )
    assert admin_client.post(f"/admin/layanan/{service_id}/nonaktifkan", data={}).status_code == 400


# Hostile input on the pages


@pytest.mark.parametrize(
    "path",
    [
        "/admin/lembaga/bukan-uuid",
        "/admin/layanan/00000000-0000-0000-0000-000000000000",
        "/admin/akun/%27%3B--",
    ],
)
def test_bad_identifiers_are_not_found(admin_client, path):
    assert admin_client.get(path).status_code == 404


@pytest.mark.parametrize(
    "query",
    ["page=abc", "page=99999999999999999999", "page=-1", "q=" + "%25" * 500, "page=%D9%A1"],
)
def test_odd_list_parameters_do_not_break_the_lists(admin_client, network, query):
    for path in ("/admin/lembaga", "/admin/layanan", "/admin/akun", "/admin/jejak-audit"):
        assert admin_client.get(f"{path}?{query}").status_code == 200, path


# The audit trail


def test_the_audit_trail_filters_by_type_organization_account_and_date(admin_client, network):
    organization = network.service.organization
    post_form(
        admin_client,
        f"/admin/lembaga/{organization.id}",
        {"name": "UPTD PPA Kota Serang (ubah)"},
    )
    post_form(
        admin_client,
        "/admin/istilah/baru",
        {"taxonomy_id": network.problem_terms[0].taxonomy_id, "name": "Istilah audit"},
    )

    everything = admin_client.get("/admin/jejak-audit").get_data(as_text=True)
    changed_name = "<td>UPTD PPA Kota Serang (ubah)</td>"
    assert changed_name in everything and "Istilah audit" in everything
    by_type = admin_client.get("/admin/jejak-audit?resource_type=taxonomy_term")
    assert "Istilah audit" in by_type.get_data(as_text=True)
    assert changed_name not in by_type.get_data(as_text=True)
    by_org = admin_client.get(f"/admin/jejak-audit?organization_id={organization.id}")
    assert changed_name in by_org.get_data(as_text=True)
    assert "Istilah audit" not in by_org.get_data(as_text=True)
    nobody = admin_client.get("/admin/jejak-audit?account=orang-lain%40example.org")
    assert "Tidak ada perubahan yang cocok." in nobody.get_data(as_text=True)
    admin_email = network.users[ADMIN_ROLE].email
    by_account = admin_client.get(f"/admin/jejak-audit?account={admin_email}")
    assert "Istilah audit" in by_account.get_data(as_text=True)
    long_ago = admin_client.get("/admin/jejak-audit?date_from=2000-01-01&date_to=2000-01-31")
    assert "Tidak ada perubahan yang cocok." in long_ago.get_data(as_text=True)


@pytest.mark.parametrize(
    "query",
    [
        "date_from=kemarin",
        "date_to=2026-13-45",
        "resource_type=client",
        "organization_id=bukan-uuid",
        "account=" + "a" * 300,
    ],
)
def test_bad_audit_filters_are_refused_in_indonesian(admin_client, query):
    response = admin_client.get(f"/admin/jejak-audit?{query}")
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert any(
        message in body
        for message in ("Tulis tanggal", "Pilihan ini tidak dikenal.", "Paling banyak 254")
    )


def test_a_service_is_offered_at_its_organizations_locations_only(admin_client, network):
    service = network.service
    [kept] = [sal.location_id for sal in service.service_at_locations]
    branch = LocationFactory(organization=service.organization, name="Cabang (uji)")
    elsewhere = LocationFactory(organization=network.counsellor.organization)
    db.session.commit()
    url = f"/admin/layanan/{service.id}"
    assert "Cabang (uji)" in admin_client.get(url).get_data(as_text=True)
    base = {"organization_id": service.organization_id, "name": service.name, "status": "active"}

    refused = post_form(admin_client, url, {**base, "location_ids": [kept, elsewhere.id]})
    assert refused.status_code == 400
    assert "Pilihan ini tidak dikenal." in refused.get_data(as_text=True)

    moved = post_form(admin_client, url, {**base, "location_ids": [branch.id]})
    assert moved.status_code == 303
    db.session.expire_all()
    service = db.session.get(Service, service.id)
    assert [sal.location_id for sal in service.service_at_locations] == [branch.id]
