"""The referral's closed lists (codes the API uses, labels the pages show) and size limits."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from directory.referrals import states

STATUS_LABELS = {
    states.SENT: _l("Terkirim"),
    # Only opened by the receiver: nothing is decided yet (not "diterima", accepted).
    states.RECEIVED: _l("Dibuka"),
    states.ACCEPTED: _l("Disetujui"),
    states.DECLINED: _l("Ditolak"),
    states.IN_PROGRESS: _l("Sedang ditangani"),
    states.CLOSED: _l("Selesai"),
    states.WITHDRAWN: _l("Ditarik"),
    states.ON_HOLD: _l("Ditunda"),
}

ACTION_LABELS = {
    states.RECEIVE: _l("Tandai sudah dibuka"),
    states.ACCEPT: _l("Setujui rujukan"),
    states.DECLINE: _l("Tolak rujukan"),
    states.START: _l("Mulai penanganan"),
    states.CLOSE: _l("Tutup dengan hasil"),
    states.WITHDRAW: _l("Tarik rujukan"),
    states.HOLD: _l("Tunda penanganan"),
    states.RESUME: _l("Lanjutkan penanganan"),
}
# The timeline's words for what happened; "send" is the referral's first event.
SEND = "send"
# Not a transition: the client withdrew consent (the status stays; see operations).
WITHDRAW_CONSENT = "withdraw_consent"
# Not transitions either, and no one's action: the system's reminder to the receiver of an
# overdue referral, and its escalation to the coordinators (directory.referrals.reminders).
REMIND = "remind"
ESCALATE = "escalate"
# Not a transition either: a note by one of the two organizations (a notification's kind).
NOTE = "note"
EVENT_LABELS = {
    SEND: _l("Rujukan dikirim"),
    REMIND: _l("Pengingat: belum dijawab melewati tenggat"),
    ESCALATE: _l("Diteruskan ke koordinator jaringan: belum dijawab"),
    states.RECEIVE: _l("Rujukan dibuka"),
    states.ACCEPT: _l("Rujukan disetujui"),
    states.DECLINE: _l("Rujukan ditolak"),
    states.START: _l("Penanganan dimulai"),
    states.CLOSE: _l("Rujukan ditutup"),
    states.WITHDRAW: _l("Rujukan ditarik"),
    WITHDRAW_CONSENT: _l("Persetujuan klien dicabut"),
    states.HOLD: _l("Penanganan ditunda"),
    states.RESUME: _l("Penanganan dilanjutkan"),
    NOTE: _l("Catatan baru"),
}

URGENCIES = {
    "emergency": _l("Darurat"),
    "high": _l("Tinggi"),
    "normal": _l("Biasa"),
}

AGE_GROUPS = {
    "0-5": _l("0-5 tahun (anak)"),
    "6-12": _l("6-12 tahun (anak)"),
    "13-17": _l("13-17 tahun (anak)"),
    "18-24": _l("18-24 tahun"),
    "25-59": _l("25-59 tahun"),
    "60+": _l("60 tahun ke atas"),
}
# Each group's ages in years (lowest, highest): services' minimum and maximum age
# are checked against them.
AGE_RANGES = {
    "0-5": (0, 5),
    "6-12": (6, 12),
    "13-17": (13, 17),
    "18-24": (18, 24),
    "25-59": (25, 59),
    "60+": (60, 120),
}
# Under 18: a guardian's consent is required as well.
CHILD_AGE_GROUPS = frozenset({"0-5", "6-12", "13-17"})

SEXES = {"female": _l("Perempuan"), "male": _l("Laki-laki")}

CONSENT_METHODS = {
    "written": _l("Tertulis (formulir bertanda tangan)"),
    "verbal": _l("Lisan, dicatat petugas"),
    "electronic": _l("Elektronik (pesan atau formulir daring)"),
}

DECLINE_REASONS = {
    "capacity_full": _l("Kapasitas layanan penuh"),
    "not_eligible": _l("Klien tidak memenuhi syarat layanan"),
    "outside_service_area": _l("Di luar wilayah layanan"),
    "service_not_offered": _l("Layanan yang dibutuhkan tidak tersedia"),
    "insufficient_information": _l("Informasi rujukan tidak cukup"),
    "client_unreachable": _l("Klien tidak dapat dihubungi"),
    "other": _l("Lainnya"),
}

WITHDRAW_REASONS = {
    "client_withdrew_consent": _l("Klien menarik persetujuannya"),
    "problem_resolved": _l("Masalah sudah teratasi"),
    "referred_elsewhere": _l("Klien dirujuk ke lembaga lain"),
    "no_response": _l("Tidak ada tanggapan dari penerima"),
    "sent_in_error": _l("Rujukan terkirim karena kekeliruan"),
    "other": _l("Lainnya"),
}
HOLD_REASONS = {
    "client_unavailable": _l("Klien sementara tidak dapat hadir atau dihubungi"),
    "client_request": _l("Klien meminta penanganan ditunda"),
    "awaiting_documents": _l("Menunggu dokumen atau hasil pemeriksaan"),
    "awaiting_other_service": _l("Menunggu layanan lain lebih dulu"),
    "capacity": _l("Petugas atau tempat sementara tidak tersedia"),
    "other": _l("Lainnya"),
}
# A reason of "other" must be explained in the free text.
OTHER = "other"
REASONS_BY_ACTION = {
    states.DECLINE: DECLINE_REASONS,
    states.WITHDRAW: WITHDRAW_REASONS,
    states.HOLD: HOLD_REASONS,
}

SUCCESSFUL = "successful"
NOT_SUCCESSFUL = "not_successful"
CLOSE_RESULTS = {SUCCESSFUL: _l("Berhasil"), NOT_SUCCESSFUL: _l("Tidak berhasil")}

# Size limits, shared by the API's schema, the forms and the operations.
MAX_REFERENCE = 64
MAX_INITIALS = 10
MAX_CONTACT = 100
MAX_SAFE_CONTACT = 500
MAX_REASON = 2000
MAX_NOTE = 2000
MAX_REASON_TEXT = 1000
MAX_RELATIONSHIP = 100
MAX_PROBLEM_TERMS = 20
# A suggested service: its id or a link to its page.
MAX_SUGGESTION = 300
# A note between the two organizations (the contract: 1-4,000 characters).
MAX_NOTE_TEXT = 4000
# The name someone acting through a partner link gives.
MAX_LINK_NAME = 100
