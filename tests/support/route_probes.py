"""Every route of the app, with a request to make and the answer each kind of visitor must
get: the table behind ``tests/test_access_matrix.py``.

A route with no entry in ``PROBES`` fails that test: whoever adds a route decides here who
may use it. Public routes use :func:`public`; routes with URL parameters build their URL
from :class:`World`, the test's data (a referral whose client data is a canary, so that
every public answer can be searched for it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from directory.database import utcnow
from directory.extensions import db
from directory.institutions.models import TAXONOMY_PROBLEMS
from directory.listings.models import ListingChange
from directory.notifications.models import Notification
from directory.referrals import operations
from directory.referrals.models import Referral
from tests.support.referral_network import (
    ADMIN_ROLE,
    ANONYMOUS,
    OTHER_COUNSELLOR,
    OTHER_PARTNER,
    RECEIVER,
    ROLES,
    SENDER,
    Network,
    build_network,
    referral_in,
    referral_payload,
)

CANARY = "KANARI-7c1e9b"
# No staged spreadsheet import has this id.
UNKNOWN_IMPORT = "00000000-0000-4000-8000-00000000beef"
SIGNED_IN = tuple(role for role in ROLES if role != ANONYMOUS)


@dataclass
class World:
    network: Network
    referral: Referral
    declined: Referral
    sal_id: str
    notification_id: str
    # Where each role is signed in: pages use the cookie, the API a bearer token.
    headers: dict[str, dict[str, str]] = field(default_factory=dict)

    def fresh_referral(self, status: str) -> Referral:
        return referral_in(self.network, status, client_reference=CANARY)


def build_world() -> World:
    network = build_network()
    referral = referral_in(
        network,
        "sent",
        client_reference=CANARY,
        client_initials="K.N.",
        client_contact=CANARY,
        client_safe_contact=CANARY,
        reason=f"Alasan rahasia {CANARY}",
    )
    declined = referral_in(network, "declined", client_reference=CANARY)
    notification = Notification(user_id=network.partner.id, referral_id=referral.id, kind="send")
    db.session.add(notification)
    db.session.commit()
    return World(
        network=network,
        referral=referral,
        declined=declined,
        sal_id=network.service.service_at_locations[0].id,
        notification_id=notification.id,
    )


@dataclass(frozen=True)
class Probe:
    url: Callable[[World], str]
    expect: dict[str, int]
    # "form": an HTML form post with the client's CSRF token; "json": a JSON body.
    form: Callable[[World], dict[str, Any]] | None = None
    json: Callable[[World], Any] | None = None
    # Answers that hold no client data of anyone's: checked for the canary.
    public: bool = False


# A subject access search is a break-glass read: it needs a stated purpose.
SUBJECT_PURPOSE = "Permintaan akses subjek data, surat No. 3/2026"
# Matches no referral: a search that finds the world's referrals would open their client
# data to the administrator (a recorded break-glass read) for the probes that follow.
SUBJECT_REFERENCE = "SUBJEK-TIDAK-ADA"


def everyone(status: int) -> dict[str, int]:
    return dict.fromkeys(ROLES, status)


def public(url: Callable[[World], str] | str, status: int = 200) -> Probe:
    make = url if callable(url) else (lambda _world, url=url: url)
    return Probe(make, everyone(status), public=True)


def signed_in(status: int, anonymous: int = 302, **by_role: int) -> dict[str, int]:
    expect = {ANONYMOUS: anonymous, **dict.fromkeys(SIGNED_IN, status)}
    expect.update({_role(name): code for name, code in by_role.items()})
    return expect


def _role(name: str) -> str:
    return {
        "sender": SENDER,
        "other_counsellor": OTHER_COUNSELLOR,
        "receiver": RECEIVER,
        "other_partner": OTHER_PARTNER,
        "admin": ADMIN_ROLE,
    }[name]


def sides_only(ok: int, *, admin: int, anonymous: int = 302, outsiders: int = 404, **roles: int):
    """The two organizations get ``ok`` unless told otherwise; outsiders 404."""
    expect = {
        ANONYMOUS: anonymous,
        SENDER: ok,
        RECEIVER: ok,
        OTHER_COUNSELLOR: outsiders,
        OTHER_PARTNER: outsiders,
        ADMIN_ROLE: admin,
    }
    expect.update({_role(name): code for name, code in roles.items()})
    return expect


def _fresh_link(world: World) -> str:
    """A partner link to a fresh referral whose client data is all canary."""
    referral = referral_in(
        world.network,
        "sent",
        client_reference=CANARY,
        client_initials="K.N.",
        client_contact=CANARY,
        client_safe_contact=CANARY,
        reason=f"Alasan rahasia {CANARY}",
    )
    raw, _link = operations.create_link(referral, world.network.counsellor)
    db.session.commit()
    return f"/tautan/{raw}"


def _transition_form(world: World) -> dict[str, Any]:
    return {"accept-version": 2}


# Listings (partner self-service and the review queue): a change of the receiving
# partner's service waiting for review, made fresh for each request.
def _pending_change(world: World) -> str:
    service = world.network.service
    change = ListingChange(
        organization_id=service.organization_id,
        resource_type="service",
        resource_id=service.id,
        changes={"wait_time": {"old": service.wait_time or "", "new": "Dua hari kerja."}},
        submitted_by_id=world.network.partner.id,
    )
    db.session.add(change)
    db.session.commit()
    return change.id


PROBES: dict[tuple[str, str], Probe] = {
    # Public pages and the public directory API.
    ("public.home", "GET"): public("/"),
    ("finder.search", "GET"): public(
        lambda w: f"/cari?q=konseling&masalah={w.network.problem_terms[0].id}&rujukan=1"
    ),
    ("public.regions", "GET"): public("/wilayah"),
    ("public.region", "GET"): public("/wilayah/36.73"),
    ("public.organization", "GET"): public(
        lambda w: f"/lembaga/{w.network.service.organization_id}"
    ),
    ("public.service", "GET"): public(lambda w: f"/layanan/{w.network.service.id}"),
    ("map.map_page", "GET"): public("/peta"),
    ("map.map_alias", "GET"): public("/map", 301),
    ("map.map_data", "GET"): public("/peta/data.json"),
    ("i18n.set_language", "GET"): public("/bahasa/en", 302),
    ("static", "GET"): public("/static/css/site.css"),
    ("api.root", "GET"): public("/api/v1/"),
    ("api.openapi", "GET"): public("/api/v1/openapi.json"),
    ("api.list_services", "GET"): public("/api/v1/services?full=true"),
    ("api.get_service", "GET"): public(lambda w: f"/api/v1/services/{w.network.service.id}"),
    ("api.list_organizations", "GET"): public("/api/v1/organizations?full=true"),
    ("api.get_organization", "GET"): public(
        lambda w: f"/api/v1/organizations/{w.network.service.organization_id}"
    ),
    ("api.list_taxonomies", "GET"): public("/api/v1/taxonomies"),
    ("api.get_taxonomy", "GET"): public(f"/api/v1/taxonomies/{TAXONOMY_PROBLEMS}"),
    ("api.list_taxonomy_terms", "GET"): public("/api/v1/taxonomy_terms"),
    ("api.get_taxonomy_term", "GET"): public(
        lambda w: f"/api/v1/taxonomy_terms/{w.network.problem_terms[0].id}"
    ),
    ("api.list_service_at_locations", "GET"): public("/api/v1/service_at_locations?full=true"),
    ("api.get_service_at_location", "GET"): public(
        lambda w: f"/api/v1/service_at_locations/{w.sal_id}"
    ),
    ("api.places", "GET"): public("/api/v1/places?search=serang"),
    # Accounts.
    ("auth.login", "GET"): Probe(lambda w: "/masuk", signed_in(302, anonymous=200)),
    ("auth.login", "POST"): Probe(
        lambda w: "/masuk",
        signed_in(302, anonymous=401),
        form=lambda w: {"email": "tidak-ada@example.org", "password": "bukan kata sandi"},
    ),
    ("auth.logout", "GET"): Probe(lambda w: "/keluar", signed_in(200)),
    ("auth.logout", "POST"): Probe(lambda w: "/keluar", signed_in(302), form=lambda w: {}),
    ("auth.change_password_page", "GET"): Probe(lambda w: "/akun/kata-sandi", signed_in(200)),
    ("auth.change_password_page", "POST"): Probe(
        lambda w: "/akun/kata-sandi", signed_in(400), form=lambda w: {}
    ),
    # Referral pages.
    ("referrals.inbox", "GET"): Probe(lambda w: "/rujukan/masuk", signed_in(200)),
    ("referrals.outbox", "GET"): Probe(lambda w: "/rujukan/keluar", signed_in(200)),
    ("referrals.new", "GET"): Probe(
        lambda w: f"/rujukan/baru?service_id={w.network.service.id}",
        signed_in(200, receiver=403, other_partner=403, admin=403),
    ),
    ("referrals.new", "POST"): Probe(
        lambda w: "/rujukan/baru",
        signed_in(400, receiver=403, other_partner=403, admin=403),
        form=lambda w: {"service_id": w.network.service.id},
    ),
    ("referrals.show", "GET"): Probe(
        lambda w: f"/rujukan/{w.referral.id}", sides_only(200, admin=200)
    ),
    ("referrals.letter", "GET"): Probe(
        lambda w: f"/rujukan/{w.referral.id}/surat", sides_only(200, admin=403)
    ),
    ("referrals.rerefer", "GET"): Probe(
        lambda w: f"/rujukan/{w.declined.id}/rujuk-ulang",
        sides_only(200, admin=403, receiver=403),
    ),
    ("referrals.act", "POST"): Probe(
        lambda w: f"/rujukan/{w.fresh_referral('received').id}/tindakan/accept",
        sides_only(303, admin=403, sender=403),
        form=_transition_form,
    ),
    ("referrals.withdraw_consent", "POST"): Probe(
        lambda w: f"/rujukan/{w.fresh_referral('received').id}/cabut-persetujuan",
        sides_only(303, admin=403, receiver=403),
        form=lambda w: {},
    ),
    # Administrators: the data subject's access request and legal holds.
    ("privacy.subject_access", "GET"): Probe(lambda w: "/admin/privasi", signed_in(403, admin=200)),
    ("privacy.subject_access", "POST"): Probe(
        lambda w: "/admin/privasi",
        signed_in(403, admin=200),
        form=lambda w: {"reference": SUBJECT_REFERENCE, "purpose": SUBJECT_PURPOSE},
    ),
    ("privacy.export", "POST"): Probe(
        lambda w: "/admin/privasi/ekspor",
        signed_in(403, admin=200),
        form=lambda w: {"reference": SUBJECT_REFERENCE, "purpose": SUBJECT_PURPOSE},
    ),
    ("privacy.legal_hold", "POST"): Probe(
        lambda w: f"/admin/privasi/rujukan/{w.declined.id}/penahanan",
        signed_in(403, admin=303),
        form=lambda w: {"reason": "Perkara 12/Pdt.G/2026"},
    ),
    # Notifications.
    ("notifications.index", "GET"): Probe(lambda w: "/notifikasi", signed_in(200)),
    ("notifications.open_one", "POST"): Probe(
        lambda w: f"/notifikasi/{w.notification_id}/buka",
        signed_in(404, receiver=303),
        form=lambda w: {},
    ),
    ("notifications.read_all", "POST"): Probe(
        lambda w: "/notifikasi/baca-semua", signed_in(303), form=lambda w: {}
    ),
    # Listings: staff of an organization (partners, and an LK3's counsellors) keep their
    # own listing; administrators have none and review the queue instead.
    ("listings.overview", "GET"): Probe(lambda w: "/lembaga-saya", signed_in(200, admin=403)),
    ("listings.availability", "POST"): Probe(
        lambda w: f"/lembaga-saya/layanan/{w.network.service.id}/ketersediaan",
        signed_in(404, receiver=303, admin=403),
        form=lambda w: {"capacity_note": "Antrean dua minggu.", "accepting_referrals": "y"},
    ),
    ("listings.edit_organization", "GET"): Probe(
        lambda w: "/lembaga-saya/ubah", signed_in(200, admin=403)
    ),
    ("listings.edit_organization", "POST"): Probe(
        lambda w: "/lembaga-saya/ubah",
        signed_in(303, admin=403),
        form=lambda w: {"name": "Nama baru lembaga (uji)"},
    ),
    ("listings.edit_service", "GET"): Probe(
        lambda w: f"/lembaga-saya/layanan/{w.network.service.id}/ubah",
        signed_in(404, receiver=200, admin=403),
    ),
    ("listings.edit_service", "POST"): Probe(
        lambda w: f"/lembaga-saya/layanan/{w.network.service.id}/ubah",
        signed_in(404, receiver=303, admin=403),
        form=lambda w: {"name": w.network.service.name, "wait_time": "Tiga hari kerja."},
    ),
    ("listings.verify", "POST"): Probe(
        lambda w: "/lembaga-saya/verifikasi", signed_in(303, admin=403), form=lambda w: {}
    ),
    ("listings.withdraw", "POST"): Probe(
        lambda w: f"/lembaga-saya/usulan/{_pending_change(w)}/tarik",
        signed_in(404, receiver=303, admin=403),
        form=lambda w: {},
    ),
    ("listings.queue", "GET"): Probe(lambda w: "/admin/tinjauan", signed_in(403, admin=200)),
    ("listings.review", "GET"): Probe(
        lambda w: f"/admin/tinjauan/{_pending_change(w)}", signed_in(403, admin=200)
    ),
    ("listings.approve", "POST"): Probe(
        lambda w: f"/admin/tinjauan/{_pending_change(w)}/setujui",
        signed_in(403, admin=303),
        form=lambda w: {},
    ),
    ("listings.reject", "POST"): Probe(
        lambda w: f"/admin/tinjauan/{_pending_change(w)}/tolak",
        signed_in(403, admin=303),
        form=lambda w: {"note": "Nomor telepon belum bisa dihubungi."},
    ),
    # Administration (admin blueprint): admins only; everyone else 403, anonymous to /masuk.
    ("admin.dashboard", "GET"): Probe(lambda w: "/admin", signed_in(403, admin=200)),
    ("admin.organizations", "GET"): Probe(
        lambda w: "/admin/lembaga?q=uji", signed_in(403, admin=200)
    ),
    ("admin.organization", "GET"): Probe(
        lambda w: f"/admin/lembaga/{w.network.service.organization_id}", signed_in(403, admin=200)
    ),
    ("admin.organization", "POST"): Probe(
        lambda w: "/admin/lembaga/baru", signed_in(403, admin=400), form=lambda w: {}
    ),
    ("admin.services", "GET"): Probe(lambda w: "/admin/layanan?page=2", signed_in(403, admin=200)),
    ("admin.service", "GET"): Probe(
        lambda w: f"/admin/layanan/{w.network.service.id}", signed_in(403, admin=200)
    ),
    ("admin.service", "POST"): Probe(
        lambda w: f"/admin/layanan/{w.network.service.id}",
        signed_in(403, admin=400),
        form=lambda w: {"name": ""},
    ),
    ("admin.locations", "GET"): Probe(lambda w: "/admin/lokasi", signed_in(403, admin=200)),
    ("admin.location", "GET"): Probe(lambda w: "/admin/lokasi/baru", signed_in(403, admin=200)),
    ("admin.location", "POST"): Probe(
        lambda w: "/admin/lokasi/baru",
        signed_in(403, admin=400),
        form=lambda w: {"region_code": "99.99"},
    ),
    ("admin.terms", "GET"): Probe(lambda w: "/admin/istilah", signed_in(403, admin=200)),
    ("admin.term", "GET"): Probe(
        lambda w: f"/admin/istilah/{w.network.problem_terms[0].id}", signed_in(403, admin=200)
    ),
    ("admin.term", "POST"): Probe(
        lambda w: "/admin/istilah/baru", signed_in(403, admin=400), form=lambda w: {}
    ),
    ("admin.accounts", "GET"): Probe(lambda w: "/admin/akun", signed_in(403, admin=200)),
    ("admin.new_account", "GET"): Probe(lambda w: "/admin/akun/baru", signed_in(403, admin=200)),
    ("admin.new_account", "POST"): Probe(
        lambda w: "/admin/akun/baru", signed_in(403, admin=400), form=lambda w: {}
    ),
    ("admin.account", "GET"): Probe(
        lambda w: f"/admin/akun/{w.network.partner.id}", signed_in(403, admin=200)
    ),
    ("admin.account", "POST"): Probe(
        lambda w: f"/admin/akun/{w.network.partner.id}",
        signed_in(403, admin=400),
        form=lambda w: {"role": "tidak-ada"},
    ),
    ("admin.reset_password", "POST"): Probe(
        lambda w: f"/admin/akun/{w.network.partner.id}/kata-sandi",
        signed_in(403, admin=400),
        form=lambda w: {},
    ),
    ("admin.act", "POST"): Probe(
        lambda w: f"/admin/istilah/{w.network.problem_terms[2].id}/nonaktifkan",
        signed_in(403, admin=303),
        form=lambda w: {},
    ),
    ("admin.audit", "GET"): Probe(
        lambda w: "/admin/jejak-audit?resource_type=service", signed_in(403, admin=200)
    ),
    # Spreadsheet onboarding: administrators only. An import of another id is a 404.
    ("sheets.upload_page", "GET"): Probe(lambda w: "/admin/impor", signed_in(403, admin=200)),
    ("sheets.upload", "POST"): Probe(
        lambda w: "/admin/impor", signed_in(403, admin=400), form=lambda w: {}
    ),
    ("sheets.mapping_page", "GET"): Probe(
        lambda w: f"/admin/impor/{UNKNOWN_IMPORT}/kolom", signed_in(403, admin=404)
    ),
    ("sheets.save_mapping", "POST"): Probe(
        lambda w: f"/admin/impor/{UNKNOWN_IMPORT}/kolom",
        signed_in(403, admin=404),
        form=lambda w: {},
    ),
    ("sheets.preview", "GET"): Probe(
        lambda w: f"/admin/impor/{UNKNOWN_IMPORT}", signed_in(403, admin=404)
    ),
    ("sheets.save_choices", "POST"): Probe(
        lambda w: f"/admin/impor/{UNKNOWN_IMPORT}/pilihan",
        signed_in(403, admin=404),
        form=lambda w: {},
    ),
    ("sheets.confirm", "POST"): Probe(
        lambda w: f"/admin/impor/{UNKNOWN_IMPORT}/simpan",
        signed_in(403, admin=404),
        form=lambda w: {},
    ),
    ("sheets.progress", "GET"): Probe(
        lambda w: f"/admin/impor/{UNKNOWN_IMPORT}/kemajuan", signed_in(403, admin=404)
    ),
    ("sheets.progress_json", "GET"): Probe(
        lambda w: f"/admin/impor/{UNKNOWN_IMPORT}/kemajuan.json", signed_in(403, admin=404)
    ),
    # Gap analysis: administrators only (it counts confidential places, so it is kept
    # from counsellors and partners); it holds no client data (checked for the canary).
    ("gaps.page", "GET"): Probe(
        lambda w: f"/admin/kesenjangan?masalah={w.network.problem_terms[0].id}&jarak=50",
        signed_in(403, admin=200),
        public=True,
    ),
    ("gaps.download", "GET"): Probe(
        lambda w: "/admin/kesenjangan.csv?jarak=50", signed_in(403, admin=200), public=True
    ),
    # The referrals API (bearer tokens).
    ("api.issue_token", "POST"): Probe(
        lambda w: "/api/v1/auth/token",
        everyone(401),
        json=lambda w: {"email": "tidak-ada@example.org", "password": "bukan kata sandi"},
    ),
    ("api.revoke_token", "DELETE"): Probe(lambda w: "/api/v1/auth/token", signed_in(204, 401)),
    ("api.create_referral", "POST"): Probe(
        lambda w: "/api/v1/referrals",
        signed_in(201, 401, receiver=403, other_partner=403, admin=403),
        json=lambda w: referral_payload(w.network),
    ),
    ("api.list_referrals", "GET"): Probe(lambda w: "/api/v1/referrals", signed_in(200, 401)),
    ("api.get_referral", "GET"): Probe(
        lambda w: f"/api/v1/referrals/{w.referral.id}", sides_only(200, admin=200, anonymous=401)
    ),
    ("api.transition", "POST"): Probe(
        lambda w: f"/api/v1/referrals/{w.fresh_referral('received').id}/transitions",
        sides_only(200, admin=403, sender=403, anonymous=401),
        json=lambda w: {"action": "accept", "version": 2, "note": f"diterima {utcnow()}"},
    ),
    # Referral reports (issue 8, part 3): aggregates for administrators only; the
    # answers hold no client data, and are checked for the canary as public ones are.
    ("reports.report_page", "GET"): Probe(
        lambda w: "/admin/laporan?group_by=problem", signed_in(403, admin=200), public=True
    ),
    ("reports.report_csv", "GET"): Probe(
        lambda w: "/admin/laporan.csv?group_by=province", signed_in(403, admin=200), public=True
    ),
    ("api.referral_report", "GET"): Probe(
        lambda w: "/api/v1/reports/referrals?group_by=regency",
        signed_in(403, 401, admin=200),
        public=True,
    ),
    # Each organization's dashboard (issue 17, part 5): its own staff and the
    # coordinators only; aggregates, checked for the canary as public answers are.
    ("dashboard.mine", "GET"): Probe(lambda w: "/dasbor", signed_in(302, admin=200), public=True),
    ("dashboard.organization", "GET"): Probe(
        lambda w: f"/dasbor/lembaga/{w.network.counsellor.organization_id}",
        signed_in(403, sender=200, admin=200),
        public=True,
    ),
    # FHIR export of a referral: seen as GET /referrals/{id} is; client data (asked for
    # here) for administrators only and only after stating a purpose (break-glass), so
    # without one every role is refused with a 403.
    ("api.referral_fhir", "GET"): Probe(
        lambda w: f"/api/v1/referrals/{w.referral.id}/fhir?include_client=true",
        sides_only(403, admin=403, anonymous=401),
    ),
    # Break-glass (issue 16): an administrator states a purpose to read the client data;
    # the organizations see it already (403), outsiders see nothing (404).
    ("referrals.open_break_glass", "POST"): Probe(
        lambda w: f"/rujukan/{w.fresh_referral('received').id}/akses-darurat",
        sides_only(403, admin=303),
        form=lambda w: {"purpose": "Permintaan Pengadilan Agama No. 1/2026"},
    ),
    ("api.open_break_glass", "POST"): Probe(
        lambda w: f"/api/v1/referrals/{w.fresh_referral('received').id}/break-glass",
        sides_only(403, admin=201, anonymous=401),
        json=lambda w: {"purpose": "Permintaan Pengadilan Agama No. 1/2026"},
    ),
    ("admin.break_glass_report", "GET"): Probe(
        lambda w: "/admin/akses-darurat", signed_in(403, admin=200)
    ),
    ("api.break_glass_report", "GET"): Probe(
        lambda w: "/api/v1/reports/break-glass", signed_in(403, 401, admin=200)
    ),
    # The conversation around a referral (issue 17): notes for the staff of both
    # organizations; partner links made and revoked by the sending one.
    ("referrals.add_note", "POST"): Probe(
        lambda w: f"/rujukan/{w.referral.id}/catatan",
        sides_only(303, admin=403),
        form=lambda w: {"text": "Klien datang besok pagi."},
    ),
    ("referrals.create_link", "POST"): Probe(
        lambda w: f"/rujukan/{w.fresh_referral('received').id}/tautan",
        sides_only(200, admin=403, receiver=403),
        form=lambda w: {},
    ),
    ("referrals.revoke_link", "POST"): Probe(
        lambda w: f"/rujukan/{w.referral.id}/tautan/cabut",
        sides_only(303, admin=403, receiver=403),
        form=lambda w: {},
    ),
    ("api.add_note", "POST"): Probe(
        lambda w: f"/api/v1/referrals/{w.referral.id}/notes",
        sides_only(201, admin=403, anonymous=401),
        json=lambda w: {"text": "Klien datang besok pagi."},
    ),
    ("api.create_link", "POST"): Probe(
        lambda w: f"/api/v1/referrals/{w.fresh_referral('received').id}/links",
        sides_only(201, admin=403, receiver=403, anonymous=401),
        json=lambda w: {},
    ),
    ("api.revoke_links", "DELETE"): Probe(
        lambda w: f"/api/v1/referrals/{w.referral.id}/links",
        sides_only(204, admin=403, receiver=403, anonymous=401),
    ),
    # Whoever holds a partner link, signed in or not: never the client data (canary).
    ("partner_links.page", "GET"): Probe(_fresh_link, everyone(200), public=True),
    ("partner_links.answer", "POST"): Probe(
        _fresh_link,
        everyone(200),
        json=lambda w: {"action": "accept", "name": "Petugas Piket"},
        public=True,
    ),
}
