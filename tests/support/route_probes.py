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
from directory.notifications.models import Notification
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


def _transition_form(world: World) -> dict[str, Any]:
    return {"accept-version": 2}


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
        lambda w: "/admin/privasi", signed_in(403, admin=200), form=lambda w: {"reference": CANARY}
    ),
    ("privacy.export", "POST"): Probe(
        lambda w: "/admin/privasi/ekspor",
        signed_in(403, admin=200),
        form=lambda w: {"reference": CANARY},
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
}
