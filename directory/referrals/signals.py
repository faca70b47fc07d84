"""What the referral loop announces, for other features to act on: blinker signals.

The referral operations do not call the features that react to them (notifications
today); they send a signal here, and whoever must react connects a receiver. Blinker
calls every receiver synchronously, inside :meth:`Signal.send`, so a receiver's writes
land in the same open transaction as the referral's own, before the operation returns:
the caller still commits once, and a refusal raised afterwards stores none of them. An
exception in a receiver propagates to the operation's caller, as a direct call would.

Receivers are connected at start-up by the app factory
(:func:`directory.notifications.receivers.connect`), never by an import's side effect.

To announce something new (a reminder, a note): add a signal below saying what it sends,
``send`` it from the operation at the point where the direct call would have been, and
connect a receiver in the reacting feature's ``receivers.py``. referrals must never import
notifications (``tests/test_architecture.py`` fails on the cycle).
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

#: A referral was sent, or an action of the state table was taken on it; flushed already.
#: Sender: the :class:`~directory.referrals.models.Referral`; keywords: ``kind`` (``send``,
#: the action, or ``note``) and ``actor`` (the :class:`~directory.auth.models.User` who did
#: it; None for someone acting through a partner link).
referral_event = _signals.signal("referral-event")

#: An administrator was refused a break-glass grant (past the hourly limit); the refusal
#: is added to the session. Sender: the Referral; keyword: ``actor``.
break_glass_refused = _signals.signal("break-glass-refused")

#: A referral is past a deadline and its step (``remind`` or ``escalate``) was recorded as
#: an event; flushed already. Sender: the referral's id; keywords: ``action``, ``people``
#: (the :class:`~directory.auth.models.User` list to tell), ``details`` (the e-mail's
#: fields as JSON: reference, organizations, hours; never the client) and ``now``.
referral_overdue = _signals.signal("referral-overdue")

#: These referrals' notifications and e-mails are to be forgotten (an invented
#: demonstration past, or its removal). Sender: None; keyword: ``referral_ids``.
referral_notices_forgotten = _signals.signal("referral-notices-forgotten")
