"""The report e-mail's chart as a PNG, drawn here without an imaging library: mail clients show an
inline PNG (Gmail and Outlook drop inline SVG), and the chart is only bars on a grid, so a pixel
buffer and the PNG format's three chunks (zlib and CRC-32 from the standard library) are enough.

The colours and series are the admin's (admin_numbers.CHART_SERIES); the legend and the numbers are
text in the e-mail's HTML beside the image, not pixels, so they are translated and readable."""

from __future__ import annotations

import struct
import zlib

from .admin_numbers import CHART_SERIES

BACKGROUND = (255, 255, 255)
AXIS = (153, 153, 153)
GRID = (230, 230, 230)


def _rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


class _Canvas:
    def __init__(self, width: int, height: int):
        self.width, self.height = width, height
        self.pixels = bytearray(bytes(BACKGROUND) * width * height)

    def fill(self, x0: int, y0: int, x1: int, y1: int, colour: tuple[int, int, int]) -> None:
        """Fill the rectangle [x0, x1) × [y0, y1), clipped to the canvas."""
        x0, x1 = max(0, x0), min(self.width, x1)
        y0, y1 = max(0, y0), min(self.height, y1)
        if x0 >= x1 or y0 >= y1:
            return
        row = bytes(colour) * (x1 - x0)
        for y in range(y0, y1):
            start = (y * self.width + x0) * 3
            self.pixels[start : start + len(row)] = row

    def png(self) -> bytes:
        stride = self.width * 3
        # Each scanline starts with its filter type (0: none).
        raw = b"".join(b"\x00" + bytes(self.pixels[y * stride : (y + 1) * stride]) for y in range(self.height))
        header = struct.pack(">IIBBBBB", self.width, self.height, 8, 2, 0, 0, 0)  # 8-bit RGB
        return (
            b"\x89PNG\r\n\x1a\n"
            + _chunk(b"IHDR", header)
            + _chunk(b"IDAT", zlib.compress(raw, 9))
            + _chunk(b"IEND", b"")
        )


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def daily_chart_png(days: list[dict], *, width: int = 560, height: int = 180) -> bytes:
    """Grouped bars per day (selectors.campaign_daily_totals), one colour per series of
    admin_numbers.CHART_SERIES, over four grid lines; an empty grid when nothing happened yet."""
    canvas = _Canvas(width, height)
    left, right, top, bottom = 8, 8, 8, 12
    plot_width, plot_height = width - left - right, height - top - bottom
    base = top + plot_height
    for step in range(1, 5):
        y = base - plot_height * step // 4
        canvas.fill(left, y, width - right, y + 1, GRID)
    canvas.fill(left, base, width - right, base + 1, AXIS)
    if not days:
        return canvas.png()
    peak = max(max(day[name] for name in CHART_SERIES) for day in days) or 1
    group = plot_width / len(days)
    bar = max(group * 0.8 / len(CHART_SERIES), 1.0)
    for position, day in enumerate(days):
        x0 = left + position * group + group * 0.1
        for index, (name, colour) in enumerate(CHART_SERIES.items()):
            bar_height = round(plot_height * day[name] / peak)
            if bar_height == 0 and day[name]:
                bar_height = 1  # a small count is still visible
            x = round(x0 + index * bar)
            canvas.fill(x, base - bar_height, max(x + 1, round(x0 + (index + 1) * bar)), base, _rgb(colour))
    return canvas.png()
