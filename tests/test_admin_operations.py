"""The administration's domain rules, without HTTP: what is stored, what is refused, and
the audit rows each change leaves."""

from __future__ import annotations

from datetime import time

import pytest
from sqlalchemy import select

from directory.admin import operations as ops
from directory.auth.operations import (
    AuthenticationFailed,
    authenticate,
    find_api_token,
    issue_api_token,
)
from directory.extensions import db
from directory.institutions.models import (
    TAXONOMY_INSTITUTION_TYPES,
    TAXONOMY_SERVICE_TYPES,
    Language,
    Organization,
    Phone,
    Schedule,
    Service,
    ServiceArea,
    TaxonomyTerm,
)
from tests.factories import (
    TEST_PASSWORD,
    LocationFactory,
    OrganizationFactory,
    ScheduleFactory,
    ServiceFactory,
    TaxonomyFactory,
    TaxonomyTermFactory,
    UserFactory,
)
from tests.support.audit_trail import audit_rows
from tests.support.referral_network import ADMIN_ROLE, referral_in

NEW_PASSWORD = "kata sandi baru yang panjang sekali"


@pytest.fixture
def admin(network):
    return network.users[ADMIN_ROLE]


def test_creating_an_organization_stores_it_and_audits_each_field(admin):
    kind = TaxonomyTermFactory(
        taxonomy=TaxonomyFactory(id=TAXONOMY_INSTITUTION_TYPES), name="UPTD PPA"
    )
    data = ops.OrganizationData(
        name="  UPTD PPA Kota Cilegon  ",
        email="uptd@example.org",
        institution_type_id=kind.id,
        phones=("+62 254 000 111",),
    )
    organization = ops.save_organization(admin, data)
    db.session.commit()

    assert organization.name == "UPTD PPA Kota Cilegon"
    assert [p.number for p in organization.phones] == ["+62 254 000 111"]
    assert organization.institution_types == [kind]
    rows = {row.field_name: row for row in audit_rows(organization.id)}
    assert set(rows) == {"name", "email", "institution_type", "phones", "active"}
    assert rows["name"].replacement_value == "UPTD PPA Kota Cilegon"
    assert rows["name"].previous_value == ""
    assert {row.last_action_type for row in rows.values()} == {"create"}
    assert rows["email"].updated_by == admin.email
    assert rows["email"].updated_by_id == admin.id
    assert rows["email"].organization_id == organization.id


def test_updating_records_only_the_changed_fields(admin, network):
    organization = network.service.organization
    old_email = organization.email
    data = ops.OrganizationData(
        name=organization.name,
        description=organization.description,
        email="baru@example.org",
        phones=("021 555",),
    )
    ops.save_organization(admin, data, organization)
    db.session.commit()

    rows = audit_rows(organization.id)
    assert [(r.field_name, r.previous_value, r.replacement_value) for r in rows] == [
        ("email", old_email, "baru@example.org"),
        ("phones", "", "021 555"),
    ]
    assert {r.last_action_type for r in rows} == {"update"}


def test_an_unknown_institution_type_is_refused_and_nothing_is_stored(admin):
    before = db.session.scalar(select(db.func.count(Organization.id)))
    with pytest.raises(ops.RecordInvalid) as error:
        ops.save_organization(
            admin,
            ops.OrganizationData(name="Lembaga X", institution_type_id=TaxonomyTermFactory().id),
        )
    assert error.value.fields == {"institution_type_id": "unknown"}
    db.session.rollback()
    assert db.session.scalar(select(db.func.count(Organization.id))) == before


def test_deactivating_an_organization_makes_its_services_inactive_with_audit(admin, network):
    organization = network.service.organization
    other = ServiceFactory(organization=organization, status="temporarily closed")
    db.session.commit()

    ops.deactivate_organization(admin, organization)
    db.session.commit()

    assert organization.active is False
    assert {s.status for s in organization.services} == {"inactive"}
    for service in (network.service, other):
        [row] = audit_rows(service.id)
        assert (row.field_name, row.last_action_type, row.replacement_value) == (
            "status",
            "deactivate",
            "inactive",
        )
    [org_row] = audit_rows(organization.id)
    assert (org_row.field_name, org_row.previous_value, org_row.replacement_value) == (
        "active",
        "true",
        "false",
    )

    ops.reactivate_organization(admin, organization)
    db.session.commit()
    assert organization.active is True
    assert network.service.status == "inactive"


def test_a_referenced_service_cannot_be_deleted_but_a_fresh_one_can(admin, network):
    referral_in(network, "sent")
    with pytest.raises(ops.StillReferenced) as error:
        ops.delete_service(admin, network.service)
    assert "referral.service_id" in error.value.references
    db.session.rollback()
    assert db.session.get(Service, network.service.id) is not None

    lonely = ServiceFactory(organization=network.service.organization)
    db.session.add(Language(service_id=lonely.id, code="jv"))
    db.session.commit()
    lonely_id = lonely.id
    ops.delete_service(admin, lonely)
    db.session.commit()
    assert db.session.get(Service, lonely_id) is None
    assert db.session.scalars(select(Language).where(Language.service_id == lonely_id)).all() == []
    assert {row.last_action_type for row in audit_rows(lonely_id)} == {"delete"}


def test_an_organization_with_services_or_accounts_cannot_be_deleted(admin, network):
    with pytest.raises(ops.StillReferenced) as error:
        ops.delete_organization(admin, network.service.organization)
    assert "service.organization_id" in error.value.references
    assert "user_account.organization_id" in error.value.references


def test_an_unreferenced_organization_is_deleted_with_its_phones(admin):
    organization = ops.save_organization(
        admin, ops.OrganizationData(name="Lembaga sementara", phones=("0254 1",))
    )
    db.session.commit()
    organization_id = organization.id

    ops.delete_organization(admin, organization)
    db.session.commit()

    assert db.session.get(Organization, organization_id) is None
    assert (
        db.session.scalars(select(Phone).where(Phone.organization_id == organization_id)).all()
        == []
    )
    rows = audit_rows(organization_id)
    assert {"create", "delete"} == {row.last_action_type for row in rows}
    # The history stays, detached from the organization that no longer exists.
    assert {row.organization_id for row in rows} == {None}


def test_a_service_is_saved_with_terms_areas_languages_and_grouped_hours(admin, network):
    service_type = TaxonomyTermFactory(taxonomy=TaxonomyFactory(id=TAXONOMY_SERVICE_TYPES))
    problem = network.problem_terms[2]
    nine_to_four = (time(9), time(16))
    data = ops.ServiceData(
        organization_id=network.service.organization_id,
        name="Konseling pranikah",
        languages=("id", "su"),
        service_type_ids=(service_type.id,),
        problem_ids=(problem.id,),
        region_codes=("36.73", "36.04"),
        hours=(
            ops.WeekdayHours("MO", *nine_to_four),
            ops.WeekdayHours("TU", *nine_to_four),
            ops.WeekdayHours("SA", time(8), time(12)),
        ),
    )
    service = ops.save_service(admin, data)
    db.session.commit()

    assert {t.id for t in service.taxonomy_terms} == {service_type.id, problem.id}
    assert sorted(a.region_code for a in service.service_areas) == ["36.04", "36.73"]
    assert sorted(lang.code for lang in service.languages) == ["id", "su"]
    schedules = db.session.scalars(select(Schedule).where(Schedule.service_id == service.id))
    assert sorted((s.byday, s.opens_at) for s in schedules) == [
        ("MO,TU", time(9)),
        ("SA", time(8)),
    ]
    state = ops.service_state(service)
    assert state["hours"] == "MO 09:00-16:00; TU 09:00-16:00; SA 08:00-12:00"

    # Saving it unchanged records nothing more.
    count = len(audit_rows(service.id))
    ops.save_service(admin, data, service)
    db.session.commit()
    assert len(audit_rows(service.id)) == count


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"region_codes": ("99.99",)}, {"region_codes": "unknown"}),
        ({"status": "dibuka"}, {"status": "unknown"}),
        ({"languages": ("Bahasa Jawa",)}, {"languages": "invalid"}),
        (
            {"hours": (ops.WeekdayHours("MO", time(16), time(9)),)},
            {"hours": "order"},
        ),
        (
            {"organization_id": "00000000-0000-0000-0000-000000000000"},
            {"organization_id": "unknown"},
        ),
    ],
)
def test_bad_service_data_is_refused(admin, network, change, problem):
    fields = {"organization_id": network.service.organization_id, "name": "Layanan", **change}
    with pytest.raises(ops.RecordInvalid) as error:
        ops.save_service(admin, ops.ServiceData(**fields))
    assert error.value.fields == problem
    db.session.rollback()
    assert db.session.scalar(select(Service.id).where(Service.name == "Layanan")) is None
    assert (
        db.session.scalar(select(ServiceArea.id).where(ServiceArea.region_code == "99.99")) is None
    )


@pytest.mark.parametrize(
    ("latitude", "longitude", "region", "problem"),
    [
        (-6.12, 106.15, "99.99", {"region_code": "unknown"}),
        (48.85, 2.35, "36.73", {"latitude": "outside"}),
        (-6.12, None, "36.73", {"latitude": "pair"}),
    ],
)
def test_bad_locations_are_refused(admin, network, latitude, longitude, region, problem):
    data = ops.LocationData(
        organization_id=network.service.organization_id,
        name="Rumah aman",
        address="Jl. Rahasia",
        region_code=region,
        latitude=latitude,
        longitude=longitude,
    )
    with pytest.raises(ops.RecordInvalid) as error:
        ops.save_location(admin, data)
    assert error.value.fields == problem


def test_a_location_gets_its_address_from_the_region(admin, network):
    data = ops.LocationData(
        organization_id=network.service.organization_id,
        name="Kantor cabang",
        address="Jl. Ahmad Yani 5",
        region_code="36.73",
        latitude=-6.11,
        longitude=106.16,
        confidential=True,
    )
    location = ops.save_location(admin, data)
    db.session.commit()
    [address] = location.addresses
    assert address.address_1 == "Jl. Ahmad Yani 5"
    assert address.city.upper().endswith("SERANG")
    assert address.state_province.upper() == "BANTEN"
    assert location.confidential is True


def test_a_location_in_use_is_not_deleted_and_an_empty_one_is(admin, network):
    used = network.service.service_at_locations[0].location
    with pytest.raises(ops.StillReferenced):
        ops.delete_location(admin, used)
    db.session.rollback()
    empty = LocationFactory(organization=network.service.organization)
    db.session.commit()
    empty_id = empty.id
    ops.delete_location(admin, empty)
    db.session.commit()
    assert db.session.get(type(empty), empty_id) is None


def test_terms_refuse_cycles_and_taken_codes(admin, network):
    parent, child = network.problem_terms[0], network.problem_terms[1]
    ops.save_term(
        admin,
        ops.TermData(
            taxonomy_id=child.taxonomy_id, name=child.name, code=child.code, parent_id=parent.id
        ),
        child,
    )
    db.session.commit()
    with pytest.raises(ops.RecordInvalid) as error:
        ops.save_term(
            admin,
            ops.TermData(
                taxonomy_id=parent.taxonomy_id,
                name=parent.name,
                code=child.code,
                parent_id=child.id,
            ),
            parent,
        )
    assert error.value.fields == {"parent_id": "cycle", "code": "taken"}


def test_a_term_on_a_referral_is_deactivated_not_deleted(admin, network):
    term = network.problem_terms[0]
    referral_in(network, "sent")
    with pytest.raises(ops.StillReferenced) as error:
        ops.delete_term(admin, term)
    assert any(key.startswith("referral") for key in error.value.references)
    db.session.rollback()
    ops.set_term_active(admin, term, False)
    db.session.commit()
    assert db.session.get(TaxonomyTerm, term.id).active is False
    [row] = audit_rows(term.id)
    assert (row.field_name, row.last_action_type) == ("active", "deactivate")

    unused = TaxonomyTermFactory()
    db.session.commit()
    unused_id = unused.id
    ops.delete_term(admin, unused)
    db.session.commit()
    assert db.session.get(TaxonomyTerm, unused_id) is None


def test_a_deactivated_account_can_neither_sign_in_nor_use_its_token(app, admin, network):
    partner = network.partner
    raw, _token = issue_api_token(partner)
    db.session.commit()
    old_session = partner.session_token

    ops.set_account_active(admin, partner, False)
    db.session.commit()

    assert partner.session_token != old_session
    assert find_api_token(raw) is None
    with pytest.raises(AuthenticationFailed):
        authenticate(partner.email, TEST_PASSWORD, "192.0.2.1")
    db.session.rollback()

    ops.set_account_active(admin, partner, True)
    db.session.commit()
    assert authenticate(partner.email, TEST_PASSWORD, "192.0.2.1").id == partner.id


def test_admins_cannot_deactivate_or_demote_themselves(admin):
    with pytest.raises(ops.RecordInvalid):
        ops.set_account_active(admin, admin, False)
    with pytest.raises(ops.RecordInvalid) as error:
        ops.update_account(admin, admin, name=admin.name, role="partner", organization_id=None)
    assert error.value.fields["role"] == "self"


def test_accounts_need_an_organization_except_admins(admin, network):
    with pytest.raises(ops.RecordInvalid) as error:
        ops.create_account(
            admin,
            email="baru@example.org",
            name="Baru",
            role="partner",
            password=NEW_PASSWORD,
            organization_id=None,
        )
    assert error.value.fields == {"organization_id": "required"}
    user = ops.create_account(
        admin,
        email="Admin.Baru@Example.org",
        name="Admin Baru",
        role="admin",
        password=NEW_PASSWORD,
        organization_id=network.service.organization_id,
    )
    db.session.commit()
    assert (user.email, user.organization_id) == ("admin.baru@example.org", None)
    rows = {row.field_name: row.replacement_value for row in audit_rows(user.id)}
    assert rows["role"] == "admin"
    assert not any("argon" in value for value in rows.values())


def test_moving_an_account_ends_its_sessions(admin, network):
    partner = network.partner
    old_session = partner.session_token
    ops.update_account(
        admin,
        partner,
        name=partner.name,
        role="partner",
        organization_id=network.users["other_partner"].organization_id,
    )
    db.session.commit()
    assert partner.session_token != old_session
    rows = {row.field_name for row in audit_rows(partner.id)}
    assert rows == {"organization_id"}


def test_a_password_reset_is_audited_without_the_password(app, admin, network):
    partner = network.partner
    with pytest.raises(ops.RecordInvalid):
        ops.reset_password(admin, partner, "pendek", minimum_length=12)
    ops.reset_password(admin, partner, NEW_PASSWORD, minimum_length=12)
    db.session.commit()
    assert authenticate(partner.email, NEW_PASSWORD, "192.0.2.1").id == partner.id
    [row] = audit_rows(partner.id)
    assert row.field_name == "password_changed_at"
    assert NEW_PASSWORD not in row.replacement_value


def test_an_account_that_did_something_is_not_deleted_but_a_fresh_one_is(admin, network):
    referral_in(network, "sent")
    with pytest.raises(ops.StillReferenced):
        ops.delete_account(admin, network.counsellor)
    db.session.rollback()
    fresh = UserFactory(role="partner", organization=OrganizationFactory())
    db.session.commit()
    fresh_id = fresh.id
    ops.delete_account(admin, fresh)
    db.session.commit()
    assert db.session.get(type(fresh), fresh_id) is None


def test_new_hours_keep_the_time_zone_of_the_old_ones(admin, network):
    service = network.service
    ScheduleFactory(service_id=service.id, timezone=8, description="Senin 08.00-16.00 WITA")
    db.session.commit()
    data = ops.ServiceData(
        organization_id=service.organization_id,
        name=service.name,
        description=service.description,
        hours=(ops.WeekdayHours("WE", time(10), time(14)),),
    )
    ops.save_service(admin, data, service)
    db.session.commit()
    [schedule] = db.session.scalars(select(Schedule).where(Schedule.service_id == service.id))
    assert (schedule.byday, schedule.timezone, schedule.description) == ("WE", 8, None)


def test_a_service_cannot_be_offered_at_another_organizations_location(admin, network):
    elsewhere = LocationFactory(organization=network.counsellor.organization)
    data = ops.ServiceData(
        organization_id=network.service.organization_id,
        name="Layanan keliling",
        location_ids=(elsewhere.id,),
    )
    with pytest.raises(ops.RecordInvalid) as error:
        ops.save_service(admin, data)
    assert error.value.fields == {"location_ids": "unknown"}


def test_a_location_link_with_its_own_hours_is_kept(admin, network):
    service = network.service
    [sal] = service.service_at_locations
    ScheduleFactory(service_at_location_id=sal.id)
    db.session.commit()
    data = ops.ServiceData(
        organization_id=service.organization_id, name=service.name, location_ids=()
    )
    with pytest.raises(ops.RecordInvalid) as error:
        ops.save_service(admin, data, service)
    assert error.value.fields == {"location_ids": "in_use"}
