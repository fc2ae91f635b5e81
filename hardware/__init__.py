"""Store devices behind small interfaces, each with a fake that takes the same code path.

``decode_frame`` is the single-image barcode decoder the camera calls for every frame; tests,
benchmarks and tools call exactly the same function. It is imported on first use (it brings numpy
and the decoders), so a till without a camera does not pay for them at start.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hardware.decoding import RETAIL_FORMATS, DecodedCode, decode_frame

__all__ = ["RETAIL_FORMATS", "DecodedCode", "decode_frame"]


def __getattr__(name: str):
    if name in __all__:
        from hardware import decoding

        return getattr(decoding, name)
    raise AttributeError(f"module 'hardware' has no attribute {name!r}")
