"""PNG screenshots read with the standard library (zlib, struct): enough to tell a rendered page from
a blank one without adding an imaging library to the test dependencies."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

SIGNATURE = b"\x89PNG\r\n\x1a\n"
CHANNELS = {0: 1, 2: 3, 4: 2, 6: 4}  # by colour type: grey, RGB, grey+alpha, RGBA


def pixels(path: Path) -> tuple[int, int, list[bytes]]:
    """Width, height and the unfiltered rows of an 8-bit, non-interlaced PNG."""
    data = path.read_bytes()
    assert data.startswith(SIGNATURE), f"{path} is not a PNG"
    position, compressed, header = len(SIGNATURE), b"", b""
    while position < len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind, body = data[position + 4 : position + 8], data[position + 8 : position + 8 + length]
        position += 12 + length
        header = body if kind == b"IHDR" else header
        compressed += body if kind == b"IDAT" else b""
    width, height, depth, colour, _compression, _filter, interlace = struct.unpack(">IIBBBBB", header)
    assert depth == 8 and interlace == 0, "only 8-bit non-interlaced PNGs (what Chromium writes)"
    step = CHANNELS[colour]
    raw, stride = zlib.decompress(compressed), width * step
    rows, previous = [], bytes(stride)
    for index in range(height):
        start = index * (stride + 1)
        previous = _unfilter(raw[start], raw[start + 1 : start + 1 + stride], previous, step)
        rows.append(previous)
    return width, height, rows


def _unfilter(kind: int, line: bytes, above: bytes, step: int) -> bytes:
    if kind == 0:
        return line
    if kind == 2:  # Up: add the row above byte by byte, all at once (no carry crosses a byte)
        return _add_bytes(line, above)
    out = bytearray(line)
    for i in range(len(out)):
        left = out[i - step] if i >= step else 0
        if kind == 1:
            out[i] = (out[i] + left) & 0xFF
        elif kind == 3:
            out[i] = (out[i] + ((left + above[i]) >> 1)) & 0xFF
        else:
            upper_left = above[i - step] if i >= step else 0
            estimate = left + above[i] - upper_left
            distances = abs(estimate - left), abs(estimate - above[i]), abs(estimate - upper_left)
            best = (left, above[i], upper_left)[distances.index(min(distances))]
            out[i] = (out[i] + best) & 0xFF
    return bytes(out)


def _add_bytes(first: bytes, second: bytes) -> bytes:
    size = len(first)
    low, high = int.from_bytes(b"\x7f" * size, "big"), int.from_bytes(b"\x80" * size, "big")
    a, b = int.from_bytes(first, "big"), int.from_bytes(second, "big")
    return (((a & low) + (b & low)) ^ ((a ^ b) & high)).to_bytes(size, "big")


def colours(path: Path) -> set[bytes]:
    """The distinct pixel values of the image."""
    width, _height, rows = pixels(path)
    step = len(rows[0]) // width
    return {row[i : i + step] for row in rows for i in range(0, len(row), step)}
