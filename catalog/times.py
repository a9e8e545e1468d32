"""RFC 3339 instants (section 5.6) and full dates, parsed strictly, as UTC.

Search parameters and CQL2 literals both use these: a date-time needs its time zone and a ``.``
before a fraction; ``Z``/``z`` and ``T``/``t`` are accepted, a leap second (``:60``) reads as the
minute's last whole second, fractions beyond microseconds are dropped.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

_INSTANT = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:[Zz]|([+-])(\d{2}):(\d{2}))",
    re.ASCII,
)
_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})", re.ASCII)


def instant(text: str) -> datetime:
    """An RFC 3339 date-time as an aware UTC datetime; ``ValueError`` if it is not one."""
    found = _INSTANT.fullmatch(text.strip())
    if found is None:
        raise ValueError(f"{text!r} is not an RFC 3339 date-time")
    year, month, day, hour, minute, second = (int(g) for g in found.groups()[:6])
    fraction, sign, zone_hours, zone_minutes = found.groups()[6:]
    if int(zone_hours or 0) > 23 or int(zone_minutes or 0) > 59:
        raise ValueError(f"{text!r} has no valid time zone offset")
    offset = timedelta(hours=int(zone_hours or 0), minutes=int(zone_minutes or 0))
    try:
        moment = datetime(
            year,
            month,
            day,
            hour,
            minute,
            59 if second == 60 else second,
            int((fraction or "0")[:6].ljust(6, "0")),
            timezone(-offset if sign == "-" else offset),
        )
        return moment.astimezone(timezone.utc)
    except OverflowError:
        raise ValueError(f"{text!r} is out of range in UTC") from None


def date(text: str) -> datetime:
    """An RFC 3339 full-date as its first instant, in UTC."""
    found = _DATE.fullmatch(text.strip())
    if found is None:
        raise ValueError(f"{text!r} is not an RFC 3339 full-date (YYYY-MM-DD)")
    year, month, day = (int(g) for g in found.groups())
    return datetime(year, month, day, tzinfo=timezone.utc)
