"""Splits a Document into chunks with LangChain's recursive splitter, cutting Chinese at sentence ends."""
from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from langchain_text_splitters import RecursiveCharacterTextSplitter

from ingestion.documents import Chunk, Document
from ingestion.tables import split_table

SEPARATORS = ["\n\n", "\n", "。", "！", "？", "；", ". ", "! ", "? ", "; ", "，", ", ", " ", ""]


_CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")


def estimate_tokens(text: str) -> int:
    """Rough model tokens without a tokenizer: about one per CJK character, one per four other characters.

    Sizes in tokens rather than characters keep Chinese and English chunks (and prompts) about equally long for a model.
    The splitter counts with the embedding model's own tokenizer instead (Embedder.count_tokens): e5's tokenizer
    takes 1.33 CJK characters per token, so this estimate left Chinese chunks a quarter short of their size.
    """
    cjk = len(_CJK.findall(text))
    return cjk + (len(text) - cjk + 3) // 4


class Splitter(RecursiveCharacterTextSplitter):
    """LangChain's recursive splitter that also says its size and how it counts, for tables cut by whole rows."""

    def __init__(self, chunk_tokens: int, overlap_tokens: int, count_tokens: Callable[[str], int]):
        # LangChain counts each piece two or three times (to decide whether to split it further, to merge it, to drop
        # it from the overlap): 21,332 tokenizer calls for 800 SciFact abstracts, against 8,028 when each piece is
        # counted once (3.6 s against 1.0 s, timed while another benchmark shared the box), in ingestion's main thread
        # beside the model. Bounded: the splitter lives as long as its indexer.
        count_tokens = lru_cache(maxsize=4096)(count_tokens)
        super().__init__(
            chunk_size=chunk_tokens,
            chunk_overlap=min(overlap_tokens, chunk_tokens // 2),
            length_function=count_tokens,
            separators=SEPARATORS,
            keep_separator="end",
            strip_whitespace=True,
        )
        self.chunk_tokens = chunk_tokens
        self.count_tokens = count_tokens

    def split_table(self, text: str) -> list[str]:
        """A Markdown table by whole rows, each piece with the table's heading and header rows (no overlap: a row
        repeated in two chunks would be found twice)."""
        return split_table(text, self.count_tokens, self.chunk_tokens)


def make_splitter(chunk_tokens: int, overlap_tokens: int,
                  count_tokens: Callable[[str], int] = estimate_tokens) -> Splitter:
    """Chunks of `chunk_tokens` as counted by `count_tokens`: pass the embedding model's (Embedder.count_tokens) so
    that a chunk fills as much of the model's window in Chinese as in English."""
    return Splitter(chunk_tokens, overlap_tokens, count_tokens)


def chunk_id(source: str, position: int, text: str) -> str:
    """Deterministic: the same text at the same place of the same source always gets the same id."""
    content = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return hashlib.sha256(f"{source}\x00{position}\x00{content}".encode()).hexdigest()[:40]


def doc_id(source: str) -> str:
    return hashlib.sha256(source.encode("utf-8")).hexdigest()[:16]


def chunk_document(doc: Document, splitter: Splitter, base_metadata: dict[str, Any]) -> list[Chunk]:
    """The chunks of one document, positions counted from 0 (a mail's attachments are chunked apart: chunk_file)."""
    chunks: list[Chunk] = []
    for section in doc.sections:
        pieces = splitter.split_table(section.text) if section.table else splitter.split_text(section.text)
        for piece in pieces:
            piece = piece.strip()
            if not piece:
                continue
            position = len(chunks)
            metadata = {
                **base_metadata,
                **doc.labels,
                **section.labels,
                "source": doc.source,
                "doc_id": doc_id(doc.source),
                "title": doc.title,
                "file_sha256": doc.sha256,
                "chunk_sha256": hashlib.sha256(piece.encode("utf-8")).hexdigest(),
                "position": position,
            }
            if doc.parent:  # a mail's attachment: the link back to its mail, which deleting or changing follows
                metadata["parent_source"] = doc.parent
                metadata["parent_doc_id"] = doc_id(doc.parent)
            # Chroma refuses None values: absent fields are simply left out.
            if section.page is not None:
                metadata["page"] = section.page
            if section.heading:
                metadata["heading"] = section.heading
            if section.path:
                metadata["heading_path"] = HEADING_SEPARATOR.join(section.path)
            chunks.append(Chunk(id=chunk_id(doc.source, position, piece), text=piece, metadata=metadata))
    return chunks


HEADING_SEPARATOR = " > "


def chunk_file(doc: Document, splitter: Splitter, base_metadata: dict[str, Any],
               own_metadata: Callable[[Document], dict[str, Any]] = lambda _: {}) -> list[Chunk]:
    """The chunks of a file: its document's, then each attachment's (a mail's), each with its own source, title and
    positions, plus `own_metadata` of the document they belong to (the version facts each declares)."""
    return [chunk for d in (doc, *doc.attachments)
            for chunk in chunk_document(d, splitter, {**base_metadata, **own_metadata(d)})]


def embedding_text(title: str, text: str, heading_path: str = "") -> str:
    """What the embedding model sees for a chunk: the document title, then the text, so a chunk deep in a document
    still says what it is about. The BM25 index reads title and text.

    `heading_path` (ingestion's `embed_headings`) puts the chunk's headings between them, so that the 30th chunk of a
    section still carries "Options > -z" and not only the page's title; the path's last heading is left out when the
    text already starts with it (a section's first chunk)."""
    if heading_path:
        parts = heading_path.split(HEADING_SEPARATOR)
        if text.startswith(parts[-1]):
            parts = parts[:-1]
        heading_path = HEADING_SEPARATOR.join(p for p in parts if p != title)
    return "\n".join(part for part in (title, heading_path, text) if part)
