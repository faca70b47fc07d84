"""Sending the e-mail outbox: through SMTP when ``MAIL_SERVER`` is set, otherwise into
``instance/mail/outbox.mbox`` (development), which any mail reader opens.

The text is fixed and carries no client data: a referral needs attention, and a link.
"""

from __future__ import annotations

import json
import logging
import mailbox
import smtplib
from collections.abc import Callable, Mapping
from datetime import datetime
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from typing import Any

from sqlalchemy import select

from directory.database import utcnow
from directory.extensions import db
from directory.notifications.models import OutgoingEmail

log = logging.getLogger(__name__)

# Delivery is tried this many times before an e-mail is left alone.
MAX_ATTEMPTS = 5

SUBJECT = "Jejaring Rujukan: rujukan memerlukan perhatian / a referral needs attention"
BODY = """\
Ada rujukan di Jejaring Rujukan yang memerlukan perhatian Anda. Buka tautan ini
(masuk dulu bila diminta):

    {link}

A referral in Jejaring Rujukan needs your attention. Open the link above (sign in
if asked).

Email ini sengaja tidak memuat data klien. / This e-mail deliberately holds no client
data.
"""

LISTING_STALE_SUBJECT = (
    "Jejaring Rujukan: mohon periksa data lembaga Anda / please check your listing"
)
LISTING_STALE_BODY = """\
Data lembaga Anda di Jejaring Rujukan belum diverifikasi lebih dari enam bulan, sehingga
ditandai "perlu diperiksa" di direktori. Mohon periksa data lembaga dan layanannya, ubah
yang sudah tidak benar, lalu tekan "Data masih benar" (masuk dulu bila diminta):

    {link}

Your organization's listing in Jejaring Rujukan has not been verified for more than six
months and is flagged in the directory. Please check it, correct what has changed and
press "Data masih benar" (the data is still correct) at the link above.
"""

BREAK_GLASS_SUBJECT = "Jejaring Rujukan: batas akses darurat terlampaui / break-glass limit reached"
BREAK_GLASS_BODY = """\
Seorang administrator meminta membuka data klien lebih sering daripada yang diizinkan
dalam satu jam; permintaan itu ditolak dan dicatat. Periksa laporan akses darurat:

    {link}

An administrator asked to read client data more often than allowed in an hour; the
request was refused and recorded. Please review the break-glass report at the link above.
"""

# An overdue referral (directory.referrals.reminders): filled with ``details``, which
# hold the reference number, the organizations' names and the hours overdue, never client
# data.
OVERDUE_SUBJECT = (
    "Jejaring Rujukan: rujukan {reference} belum dijawab / referral {reference} unanswered"
)
OVERDUE_BODY = """\
Rujukan {reference} dari {sender} kepada {receiver} belum disetujui atau ditolak,
{hours} jam melewati tenggat jawabannya. Mohon buka dan jawab rujukan ini (masuk dulu
bila diminta):

    {link}

Referral {reference} from {sender} to {receiver} has been neither accepted nor declined,
{hours} hours past its response deadline. Please open and answer it at the link above.

Email ini sengaja tidak memuat data klien. / This e-mail deliberately holds no client
data.
"""
ESCALATED_SUBJECT = (
    "Jejaring Rujukan: rujukan {reference} belum dijawab, perlu tindak lanjut koordinator / "
    "referral {reference} escalated"
)
ESCALATED_BODY = """\
Rujukan {reference} dari {sender} kepada {receiver} masih belum dijawab, {hours} jam
melewati tenggatnya, satu hari kerja setelah penerima diingatkan. Sebagai koordinator
jaringan, mohon hubungi {receiver} (atau pengirimnya) agar klien tidak menunggu:

    {link}

Referral {reference} from {sender} to {receiver} is still unanswered, {hours} hours past
its deadline and one working day after the receiver was reminded. As a coordinator of the
network, please contact {receiver} (or the sender) so that the client is not left waiting.

Email ini sengaja tidak memuat data klien. / This e-mail deliberately holds no client
data.
"""

# The fixed text of each kind of e-mail: (subject, body with a {link}, and for some kinds
# the e-mail's ``details``).
TEXTS = {
    "referral": (SUBJECT, BODY),
    "listing_stale": (LISTING_STALE_SUBJECT, LISTING_STALE_BODY),
    "break_glass_flag": (BREAK_GLASS_SUBJECT, BREAK_GLASS_BODY),
    "referral_overdue": (OVERDUE_SUBJECT, OVERDUE_BODY),
    "referral_escalated": (ESCALATED_SUBJECT, ESCALATED_BODY),
}


class _Blanks(dict[str, object]):
    """Fills a text whose details are missing with "?" rather than failing to send."""

    def __missing__(self, key: str) -> str:
        return "?"


def compose(email: OutgoingEmail, config: Mapping[str, Any]) -> EmailMessage:
    message = EmailMessage()
    subject, body = TEXTS.get(email.kind, TEXTS["referral"])
    link = str(config["PUBLIC_URL"]).rstrip("/") + email.link_path
    values = _Blanks(json.loads(email.details) if email.details else {})
    values["link"] = link
    message["Subject"] = subject.format_map(values)
    message["From"] = config["MAIL_DEFAULT_SENDER"]
    message["To"] = email.to_address
    message["Message-ID"] = make_msgid(domain="jejaring-rujukan")
    message.set_content(body.format_map(values))
    return message


def file_deliverer(instance_path: Path) -> Callable[[EmailMessage], None]:
    folder = instance_path / "mail"
    folder.mkdir(parents=True, exist_ok=True)

    def deliver(message: EmailMessage) -> None:
        box = mailbox.mbox(folder / "outbox.mbox")
        box.lock()
        try:
            box.add(message)
            box.flush()
        finally:
            box.unlock()
            box.close()

    return deliver


def smtp_deliverer(config: Mapping[str, Any]) -> Callable[[EmailMessage], None]:
    def deliver(message: EmailMessage) -> None:
        with smtplib.SMTP(config["MAIL_SERVER"], int(config["MAIL_PORT"]), timeout=30) as smtp:
            if config.get("MAIL_USE_TLS"):
                smtp.starttls()
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
            smtp.send_message(message)

    return deliver


def deliverer_for(config: Mapping[str, Any], instance_path: Path) -> Callable[[EmailMessage], None]:
    if config.get("MAIL_SERVER"):
        return smtp_deliverer(config)
    return file_deliverer(instance_path)


def send_pending(
    config: Mapping[str, Any],
    deliver: Callable[[EmailMessage], None],
    *,
    limit: int = 100,
    now: datetime | None = None,
) -> tuple[int, int]:
    """Send up to ``limit`` waiting e-mails, committing after each. Returns (sent, failed)."""
    pending = db.session.scalars(
        select(OutgoingEmail)
        .where(OutgoingEmail.sent_at.is_(None), OutgoingEmail.attempts < MAX_ATTEMPTS)
        .order_by(OutgoingEmail.id)
        .limit(limit)
    ).all()
    sent = failed = 0
    for email in pending:
        email.attempts += 1
        try:
            deliver(compose(email, config))
        except (OSError, smtplib.SMTPException) as error:
            # The error names the server, never the message's content.
            email.last_error = f"{type(error).__name__}: {error}"[:500]
            log.warning(
                "e-mail %s not sent (attempt %s): %s",
                email.id,
                email.attempts,
                type(error).__name__,
            )
            failed += 1
        else:
            email.sent_at = now or utcnow()
            email.last_error = None
            sent += 1
        db.session.commit()
    return sent, failed
