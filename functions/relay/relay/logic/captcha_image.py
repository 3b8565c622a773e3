"""A 4-digit captcha as a PNG, drawn in pure Python (zlib + struct, no imaging library).

Digits come from a 5×7 bitmap font, scaled, shifted and slanted a little each, over noise dots and lines, in
an RGB image of 120×40. Enough to stop a script that only reads text; the per-IP limits do the rest.
"""

from __future__ import annotations

import base64
import secrets
import struct
import zlib

WIDTH, HEIGHT = 120, 40

FONT = {  # 5 columns × 7 rows, one string per row
    "0": ("01110", "10001", "10011", "10101", "11001", "10001", "01110"),
    "1": ("00100", "01100", "00100", "00100", "00100", "00100", "01110"),
    "2": ("01110", "10001", "00001", "00010", "00100", "01000", "11111"),
    "3": ("11110", "00001", "00001", "01110", "00001", "00001", "11110"),
    "4": ("00010", "00110", "01010", "10010", "11111", "00010", "00010"),
    "5": ("11111", "10000", "11110", "00001", "00001", "10001", "01110"),
    "6": ("00110", "01000", "10000", "11110", "10001", "10001", "01110"),
    "7": ("11111", "00001", "00010", "00100", "01000", "01000", "01000"),
    "8": ("01110", "10001", "10001", "01110", "10001", "10001", "01110"),
    "9": ("01110", "10001", "10001", "01111", "00001", "00010", "01100"),
}


def _rand(n: int) -> int:
    return secrets.randbelow(n)


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png(pixels: list[bytearray]) -> bytes:
    """RGB rows (3 bytes per pixel) as a PNG file."""
    raw = b"".join(b"\x00" + bytes(row) for row in pixels)  # filter type 0 on every row
    header = struct.pack(">IIBBBBB", WIDTH, HEIGHT, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(raw, 9)) + _chunk(
        b"IEND", b"")


def _put(pixels: list[bytearray], x: int, y: int, color: tuple[int, int, int]) -> None:
    if 0 <= x < WIDTH and 0 <= y < HEIGHT:
        pixels[y][3 * x:3 * x + 3] = bytes(color)


def render(code: str) -> bytes:
    background = (235 + _rand(20), 235 + _rand(20), 235 + _rand(20))
    pixels = [bytearray(bytes(background) * WIDTH) for _ in range(HEIGHT)]
    for _ in range(120):  # noise dots
        _put(pixels, _rand(WIDTH), _rand(HEIGHT), (_rand(200), _rand(200), _rand(200)))
    for _ in range(3):  # noise lines
        x0, y0, x1, y1 = _rand(WIDTH), _rand(HEIGHT), _rand(WIDTH), _rand(HEIGHT)
        color = (_rand(180), _rand(180), _rand(180))
        steps = max(abs(x1 - x0), abs(y1 - y0), 1)
        for step in range(steps + 1):
            _put(pixels, x0 + (x1 - x0) * step // steps, y0 + (y1 - y0) * step // steps, color)
    for index, digit in enumerate(code):
        scale = 4
        left = 8 + index * 27 + _rand(5)
        top = 3 + _rand(6)
        slant = _rand(3) - 1
        color = (_rand(120), _rand(120), _rand(120))
        for row, bits in enumerate(FONT[digit]):
            for column, bit in enumerate(bits):
                if bit == "1":
                    for dy in range(scale - 1 if row % 2 else scale):
                        for dx in range(scale):
                            y = top + row * scale + dy
                            _put(pixels, left + column * scale + dx + (slant * (y - 20)) // 6, y, color)
    return png(pixels)


def data_url(code: str) -> str:
    return "data:image/png;base64," + base64.b64encode(render(code)).decode("ascii")
