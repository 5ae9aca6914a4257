"""Text from images: Tesseract (Debian's tesseract-ocr with its English and Simplified Chinese models), run as a
program on each image or rendered PDF page. The models are files of the Debian packages: nothing is downloaded.
RapidOCR (ONNX models inside its wheel) is the optional other engine: ingestion/ocr_onnx.py.

Why Tesseract and not an ONNX engine from PyPI: README, "Formats and OCR" (measured with `python -m bench.formats`)."""
from __future__ import annotations

import io
import re

from ingestion.errors import PartitionError
from ingestion.external import find_program, run_program
from ingestion.ocr_onnx import recognise_onnx
from ingestion.reading import ReadOptions

# An image larger than this is refused before OCR (an A3 page at 300 dpi is 17 megapixels): decompressing a
# "pixel flood" image would take gigabytes.
MAX_IMAGE_PIXELS = 60_000_000
# One thread per Tesseract run: on a shared box its OpenMP threads fight the embedder's and run slower, not faster.
_SINGLE_THREAD = {"OMP_THREAD_LIMIT": "1"}
_CJK = "\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef"
_SPACE_IN_CJK = re.compile(rf"(?<=[{_CJK}]) +(?=[{_CJK}])")
_WRAPPED_CJK = re.compile(rf"(?<=[{_CJK}])\n(?=[{_CJK}])")


def tidy_ocr_text(text: str) -> str:
    """Tesseract puts a space between Chinese characters (its word boxes); Chinese has none, and a line break inside
    a Chinese sentence is no break either."""
    text = _SPACE_IN_CJK.sub("", text)
    text = _WRAPPED_CJK.sub("", text)
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def check_image(data: bytes) -> int:
    """The number of frames (pages of a TIFF) of a readable image of sane size; a PartitionError otherwise."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
            frames = int(getattr(image, "n_frames", 1))
    except Image.DecompressionBombError as exc:
        raise PartitionError(f"image too large to read ({exc})") from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise PartitionError(f"not a readable image ({exc})") from exc
    if width * height > MAX_IMAGE_PIXELS:
        raise PartitionError(f"image too large to OCR ({width}x{height} pixels, limit "
                             f"{MAX_IMAGE_PIXELS / 1e6:.0f} megapixels)")
    return frames


def recognise(image: bytes, options: ReadOptions) -> list[str]:
    """The text of each page of an image (one, or several for a multi-page TIFF), tidied."""
    if options.ocr_engine == "rapidocr":
        return [tidy_ocr_text(page) for page in recognise_onnx(image)]
    tesseract = find_program("tesseract")
    out = run_program([tesseract, "stdin", "stdout", "-l", options.ocr_languages], stdin=image,
                      timeout_s=options.program_timeout_s, env=_SINGLE_THREAD)
    pages = out.decode("utf-8", "replace").split("\f")
    if len(pages) > 1 and not pages[-1].strip():
        pages = pages[:-1]  # the separator Tesseract writes after the last page
    return [tidy_ocr_text(page) for page in pages]
