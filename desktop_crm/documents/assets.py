"""Images of a render context (logo, stamp, signature, QR code) as assets:
``{"src": data-URI, "mime", "width_mm"}``; a QR code's data-URI names :data:`PIXELATED`."""

from __future__ import annotations

import base64
import io
from functools import lru_cache
from typing import Any


def qr_asset(payload: str, width_mm: int = 35) -> dict[str, Any]:
    return asset(qr_png(payload), width_mm, pixelated=True)  # type: ignore[return-value]


@lru_cache(maxsize=32)
def qr_png(payload: str, scale: int = 1, border: int = 2) -> bytes:
    """The QR code as an 8-bit grey PNG with segno's pixels, one pixel a module by default.

    Not segno's own 1-bit PNG: weasyprint converts a 1-bit or palette image to RGB and re-encodes
    it twice on every PDF render, while a grey PNG goes into the PDF with a single re-encode; at
    one pixel a module that re-encode is of 5,000 pixels instead of 340,000 (8 pixels a module),
    and the asset is drawn without smoothing (see :data:`PIXELATED`). Cached per payload: a
    draft's preview is rendered again and again with the same code (segno spends ~20 ms choosing
    the mask).
    """
    import segno
    from PIL import Image

    code = segno.make(payload, error="m", encoding="utf-8", micro=False)
    width, height = code.symbol_size(scale=1, border=border)
    pixels = bytes(0 if dark else 255 for row in code.matrix_iter(scale=1, border=border) for dark in row)
    image = Image.frombytes("L", (int(width), int(height)), pixels)
    if scale != 1:
        image = image.resize((width * scale, height * scale), Image.Resampling.NEAREST)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


# The media-type parameter of an asset whose pixels are to be drawn as squares, never smoothed
# (a QR code at one pixel a module): in every template the PDF draws it with ``image-rendering:
# pixelated`` and the Word file gets it enlarged without smoothing (documents/render.py).
PIXELATED = "rendering=pixelated"


def asset(data: bytes | None, width_mm: int, pixelated: bool = False) -> dict[str, Any] | None:
    if not data:
        return None
    mime = "image/png"
    if data[:3] == b"\xff\xd8\xff":
        mime = "image/jpeg"
    elif data.lstrip()[:4] in (b"<svg", b"<?xm"):
        mime = "image/svg+xml"
    encoded = base64.b64encode(data).decode("ascii")
    media = f"{mime};{PIXELATED}" if pixelated and mime == "image/png" else mime
    return {"src": f"data:{media};base64,{encoded}", "mime": mime, "width_mm": width_mm}
