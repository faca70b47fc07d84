"""Sending the e-mail outbox: through SMTP when ``MAIL_SERVER`` is set, otherwise into
``instance/mail/outbox.mbox`` (development), which any mail reader opens.

The text is fixed and carries no client data: a referral needs attention, and a link.
"""

from __future__ import annotations

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

# The fixed text of each kind of e-mail: (subject, body with a {link}).
TEXTS = {
    "referral": (SUBJECT, BODY),
    "listing_stale": (LISTING_STALE_SUBJECT, LISTING_STALE_BODY),
    "break_glass_flag": (BREAK_GLASS_SUBJECT, BREAK_GLASS_BODY),
}


def compose(email: OutgoingEmail, config: Mapping[str, Any]) -> EmailMessage:
    message = EmailMessage()
    subject, body = TEXTS.get(email.kind, TEXTS["referral"])
    message["Subject"] = subject
    message["From"] = config["MAIL_DEFAULT_SENDER"]
    message["To"] = email.to_address
    message["Message-ID"] = make_msgid(domain="jejaring-rujukan")
    link = str(config["PUBLIC_URL"]).rstrip("/") + email.link_path
    message.set_content(body.format(link=link))
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
