"""How long a sign-in must wait after failures: slowing down, never locking out.

After a few free failures, each further failure doubles the wait before the next attempt
(1, 2, 4, ... seconds, up to a cap). An attempt made too early is refused without looking
at the password; one made after the wait is judged normally, so the right password
always works once the (short) wait is over, and a guesser gets one try per wait. Pure:
the counts and times come in as arguments.
"""

from __future__ import annotations

from datetime import datetime, timedelta


def delay_after(failures: int, *, free: int, base_seconds: float, max_seconds: float) -> float:
    """Seconds to wait after the latest of ``failures`` recent failures."""
    if failures < free or failures <= 0:
        return 0.0
    exponent = min(failures - free, 32)  # 2**32 s is far past any cap
    return float(min(max_seconds, base_seconds * 2**exponent))


def seconds_to_wait(
    failures: int,
    last_failure: datetime | None,
    now: datetime,
    *,
    free: int,
    base_seconds: float,
    max_seconds: float,
) -> float:
    """How much longer an attempt must wait now; 0 when it may go ahead."""
    if last_failure is None:
        return 0.0
    delay = delay_after(failures, free=free, base_seconds=base_seconds, max_seconds=max_seconds)
    return max(0.0, (last_failure + timedelta(seconds=delay) - now).total_seconds())
