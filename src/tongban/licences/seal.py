"""The electronic seal image (电子印章): a red circle, a five-pointed star, the department's name on the arc.

Drawn as vector graphics on a reportlab canvas, so it is sharp at any zoom.
"""

from __future__ import annotations

import math
from typing import Any

from reportlab.lib.colors import Color

SEAL_RED = Color(0.84, 0.07, 0.09)
CJK_FONT = "STSong-Light"


def _star_path(canvas: Any, cx: float, cy: float, r_outer: float) -> Any:
    r_inner = r_outer * math.sin(math.radians(18)) / math.sin(math.radians(126))
    path = canvas.beginPath()
    for i in range(10):
        r = r_outer if i % 2 == 0 else r_inner
        angle = math.radians(90 + i * 36)
        x, y = cx + r * math.cos(angle), cy + r * math.sin(angle)
        if i == 0:
            path.moveTo(x, y)
        else:
            path.lineTo(x, y)
    path.close()
    return path


def draw_seal(canvas: Any, *, cx: float, cy: float, radius: float, name: str, caption: str = "") -> None:
    """Draw the seal of ``name`` centred at (cx, cy); ``caption`` goes under the star (e.g. 电子证照专用章)."""
    canvas.saveState()
    canvas.setStrokeColor(SEAL_RED)
    canvas.setFillColor(SEAL_RED)
    canvas.setLineWidth(radius * 0.06)
    canvas.circle(cx, cy, radius * 0.94, stroke=1, fill=0)
    canvas.drawPath(_star_path(canvas, cx, cy, radius * 0.28), stroke=0, fill=1)
    # The name runs clockwise along the upper arc, from about 210° to -30°.
    text = name[:24]
    text_radius = radius * 0.70
    font_size = radius * 0.24
    step = math.degrees(font_size * 1.05 / text_radius)
    if step * max(len(text) - 1, 1) > 250:
        step = 250 / max(len(text) - 1, 1)
        font_size = math.radians(step) * text_radius / 1.05
    start = 90 + step * (len(text) - 1) / 2
    for i, ch in enumerate(text):
        angle = math.radians(start - i * step)
        x, y = cx + text_radius * math.cos(angle), cy + text_radius * math.sin(angle)
        canvas.saveState()
        canvas.translate(x, y)
        canvas.rotate(math.degrees(angle) - 90)
        canvas.setFont(CJK_FONT, font_size)
        canvas.drawCentredString(0, -font_size * 0.35, ch)
        canvas.restoreState()
    if caption:
        canvas.setFont(CJK_FONT, radius * 0.14)
        canvas.drawCentredString(cx, cy - radius * 0.52, caption)
    canvas.restoreState()
