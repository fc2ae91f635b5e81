"""Store devices behind small interfaces, each with a fake that takes the same code path.

``decode_frame`` is the single-image barcode decoder the camera calls for every frame; tests,
benchmarks and tools call exactly the same function.
"""

from hardware.decoding import RETAIL_FORMATS, DecodedCode, decode_frame

__all__ = ["RETAIL_FORMATS", "DecodedCode", "decode_frame"]
