"""Timestamps compared as the instants they name, when a column changes between naive and zoned.

`timestamp` to `timestamptz` done right (`USING at AT TIME ZONE 'UTC'`) keeps every instant but
reads differently (`10:00:00` becomes `10:00:00+00:00`); done in the wrong zone, it reads
differently and names other instants. Read in the declared zone (`checks.naive_timezone`), a
naive value becomes an instant, so the two cases part: only the second is a change.
"""

from __future__ import annotations

import datetime
import re
import zoneinfo
from functools import cache
from typing import Any

# how captures write a timestamp (migtest.capture.dialects.normalize_value): date, time, optional offset
_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(?:\.\d{1,6})?(?:[+-]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")


@cache
def _zone(name: str) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(name)


def _timestamp(value: Any) -> datetime.datetime | None:
    """A captured timestamp, naive or zoned as captured; None for any other value."""
    if not isinstance(value, str) or not _TIMESTAMP.fullmatch(value):
        return None
    try:
        return datetime.datetime.fromisoformat(value)
    except ValueError:  # the shape of a timestamp, not a real one (month 13)
        return None


def instant(value: Any, zone: str) -> datetime.datetime | None:
    """The instant a captured timestamp names, a naive one read in `zone`; None for any other value."""
    moment = _timestamp(value)
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=_zone(zone))


def naive_and_zoned(old: Any, new: Any) -> bool:
    """One timestamp naive and the other zoned: the pair a naive <-> zoned column change makes."""
    was, now = _timestamp(old), _timestamp(new)
    return was is not None and now is not None and (was.tzinfo is None) != (now.tzinfo is None)


def same_instant(old: Any, new: Any, zone: str) -> bool:
    """A naive and a zoned timestamp naming the same instant when the naive one is read in `zone`."""
    return naive_and_zoned(old, new) and instant(old, zone) == instant(new, zone)


def comparable(value: Any, zone: str) -> Any:
    """A timestamp as its instant in UTC (so naive and zoned values of one instant are equal), any
    other value as it is: for rows compared as a whole, where no value has a partner to pair with."""
    moment = instant(value, zone)
    return value if moment is None else moment.astimezone(datetime.UTC).isoformat(sep=" ")
