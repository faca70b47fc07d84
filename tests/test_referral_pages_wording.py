"""The referral pages say what happened and guard what cannot be undone (issue 17):
"Dibuka" for opened, the send form's error summary and required fields, declining,
withdrawing and the client's withdrawal of consent behind a step that opens first,
"Rujuk ulang" as a button, problem names and the heading in English, times in WIB, WITA
or WIT."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from directory.extensions import db
from directory.geo.models import Region
from tests.factories import LocationFactory
from tests.support.referral_network import client_as, csrf_token, referral_in


def body(response) -> str:
    return response.get_data(as_text=True)


def test_opened_is_said_as_opened_not_accepted(app, network):
    referral = referral_in(network, "sent")
    page = body(client_as(app, network, "receiver_partner").get(f"/rujukan/{referral.id}"))
    badge = re.search(r'class="referral-status status-received">([^<]+)<', page).group(1)
    assert badge == "Dibuka"
    assert "Rujukan dibuka" in page
    assert "Diterima" not in page and "Rujukan diterima" not in page
    box = body(client_as(app, network, "sender_counsellor").get("/rujukan/keluar"))
    assert "Diterima (dibuka)" not in box and ">Dibuka<" in box


def test_a_failed_send_shows_a_summary_at_the_top_linking_to_each_field(app, network):
    client = client_as(app, network, "sender_counsellor")
    path = f"/rujukan/baru?service_id={network.service.id}"
    form = body(client.get(path))
    # Required fields are marked, and say so to assistive technology.
    for name in ("reason", "client_reference", "client_initials", "client_age_group"):
        tag = re.search(rf'<(?:input|textarea|select)[^>]*\bid="{name}"[^>]*>', form).group(0)
        assert 'aria-required="true"' in tag and " required" in tag, tag
    assert form.count("(wajib)") >= 10
    assert 'id="client_contact"' in form
    contact = re.search(r'<input[^>]*\bid="client_contact"[^>]*>', form).group(0)
    assert "aria-required" not in contact
    response = client.post(
        "/rujukan/baru",
        data={"csrf_token": csrf_token(client, path), "service_id": network.service.id},
    )
    assert response.status_code == 400
    page = body(response)
    summary = re.search(r'<div class="error-summary"[^>]*>(.*?)</div>', page, re.S)
    assert summary is not None
    opening = re.search(r'<div class="error-summary"[^>]*>', page).group(0)
    assert 'role="alert"' in opening and "autofocus" in opening and 'tabindex="-1"' in opening
    # Before the form and its 19 checkboxes: right under the heading.
    assert page.index("error-summary") < page.index("<form")
    links = re.findall(r'<a href="#([\w-]+)">([^<]+)</a>', summary.group(1))
    targets = [target for target, _text in links]
    assert targets[0] == "problem_term_ids-0"  # a list of choices: its first option
    assert {"reason", "client_reference", "client_initials", "consent_method"} <= set(targets)
    for target in targets:
        assert f'id="{target}"' in page
    assert f"Ada {len(links)} isian yang perlu diperbaiki" in page
    assert len(links) >= 8


def test_declining_and_withdrawing_open_first_and_consent_sits_apart(app, network):
    referral = referral_in(network, "received")
    partner_page = body(client_as(app, network, "receiver_partner").get(f"/rujukan/{referral.id}"))
    decline = re.search(
        r'<details class="confirm-step">\s*<summary>([^<]+)</summary>', partner_page
    )
    assert decline is not None and decline.group(1) == "Tolak rujukan…"
    assert "Ya, tolak rujukan" in partner_page
    # Accepting stays one press, outside any fold.
    before_accept = partner_page[: partner_page.index("/tindakan/accept")]
    assert before_accept.count("<details") == before_accept.count("</details>")

    sender_page = body(client_as(app, network, "sender_counsellor").get(f"/rujukan/{referral.id}"))
    consent = re.search(
        r'<section class="danger-zone[^"]*"[^>]*>.*?<details id="withdraw-consent">.*?</section>',
        sender_page,
        re.S,
    )
    assert consent is not None
    assert "/cabut-persetujuan" in consent.group(0)
    assert "Catat: klien mencabut persetujuan" in consent.group(0)
    # Far from the print link: not in the client section, after the everyday actions.
    letter = sender_page.index("Surat rujukan (cetak)")
    assert sender_page.index('class="danger-zone') > sender_page.index('id="actions-heading"')
    assert sender_page.index('class="danger-zone') > letter
    assert sender_page.count("Catat: klien mencabut persetujuan") == 1


def test_the_consent_form_still_records_the_withdrawal(app, network):
    referral = referral_in(network, "sent")
    client = client_as(app, network, "sender_counsellor")
    token = csrf_token(client, f"/rujukan/{referral.id}")
    key = re.search(
        r'<details id="withdraw-consent">.*?name="(\w+)" value="([^"]+)"',
        body(client.get(f"/rujukan/{referral.id}")),
        re.S,
    )
    response = client.post(
        f"/rujukan/{referral.id}/cabut-persetujuan",
        data={"csrf_token": token, key.group(1): key.group(2), "note": "Klien menelepon."},
    )
    assert response.status_code == 303
    db.session.refresh(referral)
    assert referral.consent_withdrawn_at is not None


def test_rujuk_ulang_after_a_decline_is_a_button_at_the_top(app, network):
    referral = referral_in(network, "declined")
    page = body(client_as(app, network, "sender_counsellor").get(f"/rujukan/{referral.id}"))
    step = re.search(
        r'<form class="next-step[^"]*" method="get" action="([^"]+)">(.*?)</form>', page, re.S
    )
    assert step is not None
    assert step.group(1) == f"/rujukan/{referral.id}/rujuk-ulang"
    assert '<button type="submit">Rujuk ulang ke layanan lain</button>' in step.group(2)
    assert page.index("next-step") < page.index('id="client-heading"')
    # Not offered while the referral goes on.
    going = referral_in(network, "accepted")
    assert "next-step" not in body(
        client_as(app, network, "sender_counsellor").get(f"/rujukan/{going.id}")
    )


def test_in_english_the_problem_names_and_the_heading_are_english(app, network):
    term = network.problem_terms[0]
    term.name_en = "Domestic violence"
    db.session.commit()
    referral = referral_in(network, "sent")
    page = body(client_as(app, network, "sender_counsellor").get(f"/rujukan/{referral.id}?lang=en"))
    problems = re.search(r"<dt>Problem[^<]*</dt><dd>([^<]+)</dd>", page)
    assert problems is not None and problems.group(1) == "Domestic violence"
    heading = re.search(r"<h1>([^<]+)</h1>", page).group(1)
    assert referral.reference_number in heading and not heading.startswith("Referrals")
    form = body(
        client_as(app, network, "sender_counsellor").get(
            f"/rujukan/baru?service_id={network.service.id}&lang=en"
        )
    )
    assert "Domestic violence" in form and term.name not in form


@pytest.mark.parametrize(
    ("province", "zone", "hour"),
    [("36", "WIB", "14.05"), ("73", "WITA", "15.05"), ("91", "WIT", "16.05")],
)
def test_times_show_the_zone_of_the_viewers_place(app, network, province, zone, hour):
    sent = datetime(2026, 12, 5, 7, 5, tzinfo=UTC)
    referral = referral_in(network, "sent", sent_at=sent, status_changed_at=sent)
    sender = network.counsellor.organization
    for location in sender.locations:
        db.session.delete(location)
    regency = db.session.scalars(
        select(Region).where(Region.code.startswith(f"{province}.")).order_by(Region.code)
    ).first()
    LocationFactory(organization=sender, region_code=regency.code)
    db.session.commit()
    for lang in ("id", "en"):
        page = body(
            client_as(app, network, "sender_counsellor").get(f"/rujukan/{referral.id}?lang={lang}")
        )
        assert f"2026, {hour} {zone}</time>" in page
        assert "+0700" not in page and "+0800" not in page and "GMT" not in page


def test_a_problem_of_the_whole_form_is_in_the_summary_too(app, network):
    client = client_as(app, network, "sender_counsellor")
    path = f"/rujukan/baru?service_id={network.service.id}"
    token = csrf_token(client, path)
    network.service.accepting_referrals = False  # stopped while the form was open
    db.session.commit()
    data = {
        "csrf_token": token,
        "service_id": network.service.id,
        "problem_term_ids": [network.problem_terms[0].id],
        "urgency": "normal",
        "reason": "Pendampingan.",
        "client_reference": "LK3-1",
        "client_initials": "A.",
        "client_age_group": "25-59",
        "client_sex": "female",
        "consent_given": "y",
        "consent_method": "verbal",
        "consent_recorded_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M"),
    }
    response = client.post("/rujukan/baru", data=data)
    assert response.status_code == 400
    summary = re.search(r'<div class="error-summary"[^>]*>(.*?)</div>', body(response), re.S)
    assert summary is not None
    assert "Formulir belum dapat dikirim" in summary.group(1)
    assert "Layanan ini sedang tidak menerima rujukan." in summary.group(1)
