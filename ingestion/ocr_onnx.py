"""RapidOCR, an optional OCR engine (`pip install 'perimeter[ocr-onnx]'`, `PERIMETER_OCR_ENGINE=rapidocr`):
PaddleOCR's PP-OCR text detection and recognition models as ONNX files inside the `rapidocr-onnxruntime` wheel, run
by onnxruntime on the CPU, in this process. Nothing is downloaded. Measured against Tesseract (the default) with
`python -m bench.formats --ocr-engine rapidocr`: README, "Formats and OCR"."""
from __future__ import annotations

import io
from functools import cache
from typing import Any

from ingestion.errors import PartitionError

# One onnxruntime thread per run, as Tesseract gets one: the worker's pool processes share out the cores.
_THREADS = 1


@cache
def _engine() -> Any:
    try:
        from rapidocr_onnxruntime import RapidOCR
    except ImportError as exc:
        raise PartitionError("the OCR engine rapidocr is not installed (pip install 'perimeter[ocr-onnx]', or "
                             "PERIMETER_OCR_ENGINE=tesseract)") from exc
    return RapidOCR(intra_op_num_threads=_THREADS, inter_op_num_threads=_THREADS)


def _lines(found: list[Any]) -> str:
    """RapidOCR's text boxes ([corners, text, confidence]) as lines of text: boxes whose vertical middle falls inside
    the line being built join it, left to right; the next box down starts a new line."""
    boxes = sorted(((sum(p[1] for p in box) / 4, max(p[1] for p in box), min(p[0] for p in box), str(text))
                    for box, text, _ in found))
    lines: list[tuple[float, list[tuple[float, str]]]] = []  # (the line's bottom, its boxes)
    for middle, bottom, left, text in boxes:
        if lines and middle < lines[-1][0]:
            lines[-1][1].append((left, text))
            lines[-1] = (max(lines[-1][0], bottom), lines[-1][1])
        else:
            lines.append((bottom, [(left, text)]))
    return "\n".join(" ".join(t for _, t in sorted(parts)) for _, parts in lines)


def recognise_onnx(image: bytes) -> list[str]:
    """The text of each frame of an image (one, or the pages of a TIFF), lines in reading order, not yet tidied."""
    import numpy as np
    from PIL import Image, ImageSequence

    engine = _engine()
    pages = []
    with Image.open(io.BytesIO(image)) as picture:
        for frame in ImageSequence.Iterator(picture):
            pixels = np.asarray(frame.convert("RGB"))[:, :, ::-1]  # OpenCV's channel order, which RapidOCR reads
            found, _ = engine(pixels)
            pages.append(_lines(found or []))
    return pages
