"""The listing pages: /lembaga-saya for an organization's staff, /admin/tinjauan for the
administrators, the notifications they lead to, and the verification note on public
pages. Each refusal is tried from the side of the person refused."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from directory.audit.models import MetadataEntry
from directory.database import utcnow
from directory.extensions import db
from directory.listings import operations
from directory.listings.models import APPROVED, PENDING, REJECTED, WITHDRAWN, ListingChange
from directory.notifications.models import Notification
from tests.support.referral_network import (
    ADMIN_ROLE,
    OTHER_PARTNER,
    SENDER,
    csrf_token,
    sign_in,
)


def signed_in(app, user):
    client = app.test_client()
    sign_in(client, user)
    return client


def post(client, path, data=None, token_from="/keluar"):
    return client.post(path, data={**(data or {}), "csrf_token": csrf_token(client, token_from)})


def service_form(service, **changes):
    """What the service edit form sends when nothing but ``changes`` is touched."""
    data = {
        "name": service.name,
        "description": service.description,
        "application_process": "",
        "eligibility_description": "",
        "fees_description": "",
        "wait_time": "",
        "email": "",
        "url": "",
        "phones": "",
        "languages": "",
        "hours": "",
    }
    data.update(changes)
    return data


def changes() -> list[ListingChange]:
    return list(db.session.scalars(select(ListingChange).order_by(ListingChange.submitted_at)))


# The organization's staff


def test_the_partner_sees_its_listing_services_and_verification(app, network):
    page = signed_in(app, network.partner).get("/lembaga-saya")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert network.partner.organization.name in text
    assert network.service.name in text
    assert "Belum pernah diverifikasi" in text
    assert "Data masih benar" in text
    assert f'for="capacity-{network.service.id}"' in text


def test_a_counsellor_keeps_its_own_lk3s_listing(app, network):
    counsellor = network.users[SENDER]
    page = signed_in(app, counsellor).get("/lembaga-saya")
    assert page.status_code == 200
    assert counsellor.organization.name in page.get_data(as_text=True)
    assert network.service.name not in page.get_data(as_text=True)


def test_an_administrator_has_no_listing_page(app, network):
    assert signed_in(app, network.users[ADMIN_ROLE]).get("/lembaga-saya").status_code == 403


def test_availability_applies_at_once_and_is_audited(app, network):
    client = signed_in(app, network.partner)
    response = post(
        client,
        f"/lembaga-saya/layanan/{network.service.id}/ketersediaan",
        {"capacity_note": "Penuh sampai 15 Desember."},
        token_from="/lembaga-saya",
    )
    assert response.status_code == 303
    db.session.refresh(network.service)
    assert network.service.capacity_note == "Penuh sampai 15 Desember."
    assert network.service.accepting_referrals is False  # the unchecked box
    audited = db.session.scalars(
        select(MetadataEntry.field_name).where(MetadataEntry.resource_id == network.service.id)
    ).all()
    assert sorted(audited) == ["accepting_referrals", "capacity_note"]
    assert changes() == []
    assert "Penuh sampai 15 Desember." in client.get(f"/layanan/{network.service.id}").get_data(
        as_text=True
    )


def test_a_too_long_capacity_note_is_an_indonesian_form_error(app, network):
    client = signed_in(app, network.partner)
    response = post(
        client,
        f"/lembaga-saya/layanan/{network.service.id}/ketersediaan",
        {"capacity_note": "x" * 1001, "accepting_referrals": "y"},
    )
    assert response.status_code == 400
    assert "Paling banyak 1000 karakter." in response.get_data(as_text=True)
    db.session.refresh(network.service)
    assert network.service.capacity_note is None


def test_another_partner_cannot_touch_the_service(app, network):
    outsider = signed_in(app, network.users[OTHER_PARTNER])
    base = f"/lembaga-saya/layanan/{network.service.id}"
    assert outsider.get(f"{base}/ubah").status_code == 404
    answer = post(outsider, f"{base}/ketersediaan", {"capacity_note": "Tutup."})
    assert answer.status_code == 404
    answer = post(outsider, f"{base}/ubah", service_form(network.service, wait_time="Lama."))
    assert answer.status_code == 404
    db.session.refresh(network.service)
    assert (network.service.capacity_note, network.service.accepting_referrals) == (None, True)
    assert changes() == []


def test_editing_a_service_queues_a_change_for_review(app, network):
    client = signed_in(app, network.partner)
    path = f"/lembaga-saya/layanan/{network.service.id}/ubah"
    form = client.get(path)
    assert form.status_code == 200
    assert network.service.description in form.get_data(as_text=True)

    response = post(
        client,
        path,
        service_form(network.service, hours="Sen-Jum 08.00-15.00", languages="Basa Jawa (jv)"),
        token_from=path,
    )
    assert response.status_code == 303
    [change] = changes()
    assert change.status == PENDING
    assert set(change.changes) == {"hours", "languages"}
    assert network.service.schedules == []
    overview = client.get("/lembaga-saya").get_data(as_text=True)
    assert "Usulan yang menunggu tinjauan" in overview
    assert "Jam layanan, Bahasa" in overview or "Bahasa, Jam layanan" in overview
    assert "Masih ada usulan yang menunggu" in client.get(path).get_data(as_text=True)


def test_a_wrong_value_is_an_indonesian_form_error_and_nothing_is_queued(app, network):
    client = signed_in(app, network.partner)
    path = f"/lembaga-saya/layanan/{network.service.id}/ubah"
    response = post(
        client, path, service_form(network.service, hours="Setiap hari", email="bukan-surel")
    )
    text = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Jam layanan tidak dikenali: Setiap hari" in text
    assert "Alamat surel tidak valid." in text
    assert changes() == []


def test_editing_the_organization_queues_a_change(app, network):
    client = signed_in(app, network.partner)
    organization = network.partner.organization
    response = post(
        client,
        "/lembaga-saya/ubah",
        {
            "name": organization.name,
            "description": organization.description,
            "email": organization.email,
            "phones": "+62 254 200 300",
        },
    )
    assert response.status_code == 303
    [change] = changes()
    assert (change.resource_type, change.resource_id) == ("organization", organization.id)
    assert change.changes == {"phones": {"old": "", "new": "+62 254 200 300"}}


def test_an_unchanged_form_queues_nothing(app, network):
    client = signed_in(app, network.partner)
    path = f"/lembaga-saya/layanan/{network.service.id}/ubah"
    response = post(client, path, service_form(network.service))
    assert response.status_code == 303
    assert changes() == []


def test_a_form_without_its_csrf_token_is_refused(app, network):
    client = signed_in(app, network.partner)
    response = client.post("/lembaga-saya/verifikasi", data={})
    assert response.status_code == 400
    assert network.partner.organization.verified_at is None


def test_verifying_from_the_page(app, network):
    client = signed_in(app, network.partner)
    assert post(client, "/lembaga-saya/verifikasi").status_code == 303
    db.session.refresh(network.partner.organization)
    assert network.partner.organization.verified_at is not None
    assert network.service.assurer_email == network.partner.email
    assert "Terakhir diverifikasi" in client.get("/lembaga-saya").get_data(as_text=True)


def test_withdrawing_and_an_outsider_who_may_not(app, network):
    change = operations.propose_change(network.service, network.partner, {"wait_time": "Besok"})
    db.session.commit()
    outsider = signed_in(app, network.users[OTHER_PARTNER])
    assert post(outsider, f"/lembaga-saya/usulan/{change.id}/tarik").status_code == 404
    db.session.refresh(change)
    assert change.status == PENDING
    client = signed_in(app, network.partner)
    assert post(client, f"/lembaga-saya/usulan/{change.id}/tarik").status_code == 303
    db.session.refresh(change)
    assert change.status == WITHDRAWN


# The administrators' review queue


def proposed(network, **typed) -> ListingChange:
    change = operations.propose_change(network.service, network.partner, typed)
    db.session.commit()
    return change


def test_the_queue_shows_old_current_and_new(app, network):
    change = proposed(network, wait_time="Dua hari kerja.")
    network.service.wait_time = "Satu minggu."
    db.session.commit()
    admin = signed_in(app, network.users[ADMIN_ROLE])
    queue = admin.get("/admin/tinjauan").get_data(as_text=True)
    assert network.service.name in queue
    assert "Data sudah berubah sejak diusulkan" in queue
    review = admin.get(f"/admin/tinjauan/{change.id}").get_data(as_text=True)
    for text in ("Lama (saat diusulkan)", "Satu minggu.", "Dua hari kerja.", "Waktu tunggu"):
        assert text in review


def test_approving_from_the_page_tells_the_partner_where_to_look(app, network):
    change = proposed(network, wait_time="Dua hari kerja.")
    admin = signed_in(app, network.users[ADMIN_ROLE])
    response = post(admin, f"/admin/tinjauan/{change.id}/setujui")
    assert response.status_code == 303
    db.session.refresh(change)
    db.session.refresh(network.service)
    assert change.status == APPROVED
    assert network.service.wait_time == "Dua hari kerja."

    partner = signed_in(app, network.partner)
    page = partner.get("/notifikasi").get_data(as_text=True)
    assert "Usulan perubahan data disetujui" in page
    assert network.partner.organization.name in page
    notification = db.session.scalar(select(Notification))
    opened = post(partner, f"/notifikasi/{notification.id}/buka")
    assert opened.status_code == 303
    assert opened.headers["Location"] == "/lembaga-saya"


def test_a_conflict_is_shown_and_applied_only_when_asked(app, network):
    change = proposed(network, wait_time="Dua hari kerja.")
    network.service.wait_time = "Satu minggu."
    db.session.commit()
    admin = signed_in(app, network.users[ADMIN_ROLE])
    refused = post(admin, f"/admin/tinjauan/{change.id}/setujui")
    assert refused.status_code == 409
    assert "sudah berubah sejak usulan dibuat" in refused.get_data(as_text=True)
    db.session.refresh(network.service)
    assert network.service.wait_time == "Satu minggu."
    applied = post(admin, f"/admin/tinjauan/{change.id}/setujui", {"overwrite": "y"})
    assert applied.status_code == 303
    db.session.refresh(network.service)
    assert network.service.wait_time == "Dua hari kerja."


def test_rejecting_needs_a_note_which_the_partner_then_reads(app, network):
    change = proposed(network, wait_time="Dua hari kerja.")
    admin = signed_in(app, network.users[ADMIN_ROLE])
    refused = post(admin, f"/admin/tinjauan/{change.id}/tolak", {"note": " "})
    assert refused.status_code == 400
    assert "Tuliskan alasan penolakan." in refused.get_data(as_text=True)
    db.session.refresh(change)
    assert change.status == PENDING

    done = post(admin, f"/admin/tinjauan/{change.id}/tolak", {"note": "Belum terkonfirmasi."})
    assert done.status_code == 303
    db.session.refresh(change)
    assert change.status == REJECTED
    overview = signed_in(app, network.partner).get("/lembaga-saya").get_data(as_text=True)
    assert "Belum terkonfirmasi." in overview


def test_reviewing_twice_says_so(app, network):
    change = proposed(network, wait_time="Dua hari kerja.")
    admin = signed_in(app, network.users[ADMIN_ROLE])
    post(admin, f"/admin/tinjauan/{change.id}/setujui")
    again = post(admin, f"/admin/tinjauan/{change.id}/tolak", {"note": "Lagi."})
    assert again.status_code == 303
    assert "sudah ditinjau" in admin.get("/admin/tinjauan").get_data(as_text=True)
    db.session.refresh(change)
    assert change.status == APPROVED


@pytest.mark.parametrize("role", ["receiver", OTHER_PARTNER, SENDER])
def test_non_administrators_cannot_review(app, network, role):
    change = proposed(network, wait_time="Dua hari kerja.")
    user = network.partner if role == "receiver" else network.users[role]
    client = signed_in(app, user)
    assert client.get("/admin/tinjauan").status_code == 403
    assert client.get(f"/admin/tinjauan/{change.id}").status_code == 403
    assert post(client, f"/admin/tinjauan/{change.id}/setujui").status_code == 403
    assert post(client, f"/admin/tinjauan/{change.id}/tolak", {"note": "x"}).status_code == 403
    db.session.refresh(change)
    assert change.status == PENDING


def test_an_unknown_change_is_not_found(app, network):
    admin = signed_in(app, network.users[ADMIN_ROLE])
    missing = "0b4b3c6e-3f5a-4f0e-8d8e-0c9a4c7f7a11"
    assert admin.get(f"/admin/tinjauan/{missing}").status_code == 404


# Public pages


def test_public_pages_say_when_the_listing_was_verified(app, network):
    organization = network.partner.organization
    organization.verified_at = utcnow() - timedelta(days=10)
    db.session.commit()
    client = app.test_client()
    for path in (f"/lembaga/{organization.id}", f"/layanan/{network.service.id}"):
        text = client.get(path).get_data(as_text=True)
        assert "Terakhir diverifikasi" in text
        assert "Perlu diperiksa" not in text


def test_public_pages_flag_a_stale_listing(app, network):
    organization = network.partner.organization
    organization.verified_at = utcnow() - timedelta(days=200)
    db.session.commit()
    client = app.test_client()
    for path in (f"/lembaga/{organization.id}", f"/layanan/{network.service.id}"):
        text = client.get(path).get_data(as_text=True)
        assert "Perlu diperiksa: data ini belum diverifikasi lebih dari enam bulan" in text
