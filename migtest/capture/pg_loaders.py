"""PostgreSQL values read by the driver straight into the form a capture keeps them in.

`normalize_value` turns a NUMERIC's Decimal into an int, a float or the Decimal itself, and a
timestamp or date into its ISO text; done per value in Python after the driver built the Decimal
or datetime, that was most of a capture's time. These loaders, registered on the capture's cursor
only, make the same value from the server's text directly: an integral NUMERIC's text is the int,
a fractional one whose float prints back as the same number the float, and a timestamp's ISO text
(DateStyle ISO) is what `isoformat(" ")` prints, microseconds padded to six digits. Any other text
(NaN, infinity, BC, years past 9999, digits a float would lose) goes the old way: the driver's own
loader, then `normalize_value`, so that every value, and every error, is exactly what it was.
Arrays of these types keep the driver's loaders: `normalize_value` leaves a list as it is.
"""

from __future__ import annotations

from typing import Any

from psycopg import Cursor
from psycopg.abc import AdaptContext
from psycopg.adapt import Buffer, Loader
from psycopg.postgres import types
from psycopg.pq import Format

from migtest.capture.dialects import normalize_value

# a NUMERIC's text this long (its point included) has 15 significant digits at most, which a
# float keeps (DBL_DIG): its repr is the same number, the float is what `normalize_value` makes
SURE = 16
FRACTION = 26  # len("2024-01-01 00:00:00.000001"): a timestamp's text with all six digits of microseconds


class _Driver(Loader):
    """The driver's own loader of the type, as the connection has it (not the cursor: an array's
    loader would take the cursor's loader of its elements)."""

    def __init__(self, oid: int, context: AdaptContext | None = None) -> None:
        super().__init__(oid, context)
        connection = getattr(context, "connection", context)
        self.driver = connection.adapters.get_loader(oid, Format.TEXT)(oid, connection)  # type: ignore[union-attr]

    def load(self, data: Buffer) -> Any:
        return self.driver.load(data)


class _Normalized(_Driver):
    """A value the fast way where its text allows, else as before: the driver's, normalized."""

    def slow(self, data: Buffer) -> Any:
        return normalize_value(self.driver.load(data))


class NumericLoader(_Normalized):
    def load(self, data: Buffer) -> Any:
        text = bytes(data)
        if len(text) <= SURE and text[-1:].isdigit():  # not NaN, Infinity: a float holds its digits
            value = float(text)
            if not value.is_integer():  # a fraction of 15 digits at most is never a whole float
                return value
        whole, point, fraction = text.partition(b".")
        if fraction.strip(b"0"):
            if len(text) <= SURE + text.startswith(b"-"):  # 15 digits at most: a float holds them
                return float(text)
            value = float(text)
            shortest = repr(value)
            if "e" not in shortest and shortest.encode() == text.rstrip(b"0"):  # the float is the number
                return value
            return self.slow(data)
        if point or whole.lstrip(b"-").isdigit():
            return int(whole)
        return self.slow(data)  # NaN, Infinity


class TimestampLoader(_Normalized):
    def load(self, data: Buffer) -> Any:
        text = bytes(data).decode()
        size = len(text)
        if size == 19 and text[4] == "-":  # whole seconds, a four-digit year AD
            return text
        if 19 < size <= FRACTION and text[4] == "-" and text[19] == "." and text[-1].isdigit():
            return text + "0" * (FRACTION - size)
        return self.slow(data)


class DateLoader(_Normalized):
    def load(self, data: Buffer) -> Any:
        text = bytes(data).decode()
        return text if len(text) == 10 and text[4] == "-" else self.slow(data)  # not BC, infinity, year 10000


def register(cursor: Cursor[Any]) -> None:
    """Read the cursor's NUMERIC values, and its timestamps and dates where the session writes them
    in ISO style, the fast way; other cursors of the connection read as before."""
    loaders: dict[str, type[Loader]] = {"numeric": NumericLoader}
    if (cursor.connection.info.parameter_status("DateStyle") or "").startswith("ISO"):
        loaders |= {"timestamp": TimestampLoader, "date": DateLoader}
    for name, loader in loaders.items():
        cursor.adapters.register_loader(types[name].oid, loader)
        cursor.adapters.register_loader(types[name].array_oid, _Driver)
