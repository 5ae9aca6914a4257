"""Reading files: formats, encodings, page numbers, and clear reasons for files that cannot be read."""
import pytest

from ingestion.partition import PartitionError, decode_text, partition_file
from tests.conftest import REPO
from tests.docs import make_pdf, write_hostile_files

MB = 10**6


def test_pdf_keeps_page_numbers(tmp_path):
    pdf = make_pdf(tmp_path / "handbook.pdf", ["Chapter one: badges.", "Chapter two: parking permits."],
                   title="Handbook")
    doc = partition_file(pdf, max_bytes=MB)
    assert doc.title == "Handbook"
    assert [s.page for s in doc.sections] == [1, 2]
    assert "parking permits" in doc.sections[1].text


def test_markdown_headings_become_sections(tmp_path):
    md = tmp_path / "policy.md"
    md.write_text("# Leave policy\n\n## Annual leave\n\nStaff get 25 days.\n\n## 病假\n\n病假每年10天。\n",
                  encoding="utf-8")
    doc = partition_file(md, max_bytes=MB)
    assert doc.title == "Leave policy"
    headings = [s.heading for s in doc.sections]
    assert "Annual leave" in headings and "病假" in headings
    assert any("病假每年10天" in s.text for s in doc.sections)


@pytest.mark.parametrize("encoding", ["gbk", "utf-16", "utf-8-sig"])
def test_chinese_text_in_other_encodings(tmp_path, encoding):
    f = tmp_path / f"notice-{encoding}.txt"
    f.write_bytes("员工每年享有带薪年假十五天。\n请提前两周申请。".encode(encoding))
    doc = partition_file(f, max_bytes=MB)
    assert "带薪年假十五天" in " ".join(s.text for s in doc.sections)


def test_each_hostile_file_fails_with_its_reason(tmp_path):
    expected = write_hostile_files(tmp_path)
    for name, word in expected.items():
        with pytest.raises(PartitionError) as err:
            partition_file(tmp_path / name, max_bytes=MB)
        assert word.lower() in str(err.value).lower(), (name, str(err.value))


def test_size_limit_missing_file_and_unsupported_type(tmp_path):
    big = tmp_path / "big.txt"
    big.write_text("x" * 2000)
    with pytest.raises(PartitionError, match="too large"):
        partition_file(big, max_bytes=1000)
    with pytest.raises(PartitionError, match="not found|disappeared"):
        partition_file(tmp_path / "nope.md", max_bytes=MB)
    exe = tmp_path / "tool.exe"
    exe.write_bytes(b"MZ")
    with pytest.raises(PartitionError, match="unsupported"):
        partition_file(exe, max_bytes=MB)


def test_decode_rejects_binary():
    with pytest.raises(PartitionError):
        decode_text(b"\x00\x01\x02" * 100)


def _read_all(paths):
    out = []
    for path in paths:
        doc = partition_file(path, max_bytes=MB)
        out.append((doc.title, [(s.text, s.heading, s.page) for s in doc.sections]))
    return out


def test_markdown_and_html_are_read_without_spacy_and_the_same_as_with_it(monkeypatch):
    """Markdown/HTML skip unstructured's spaCy narrative-text test (it only picks NarrativeText vs Text, which is
    never read): the documents must be exactly what the full heuristics give, and spaCy must not run for them."""

    from unstructured.nlp import tokenize
    from unstructured.partition.html import parser
    from unstructured.partition.text_type import is_possible_narrative_text

    samples = REPO / "samples"
    paths = sorted(p for p in samples.rglob("*") if p.suffix in {".md", ".html", ".htm"})
    assert len(paths) >= 5
    tokenize._process_cached.cache_clear()
    fast = _read_all(paths)
    assert tokenize._process_cached.cache_info().misses == 0, "spaCy ran on a Markdown/HTML file"
    assert parser.is_possible_narrative_text is not is_possible_narrative_text
    monkeypatch.setattr(parser, "is_possible_narrative_text", is_possible_narrative_text)
    assert _read_all(paths) == fast
    assert tokenize._process_cached.cache_info().misses > 0  # the control: the full heuristics do run spaCy


def test_plain_text_keeps_unstructured_title_detection(tmp_path):
    f = tmp_path / "notice.txt"
    f.write_text("Parking Permits\n\nStaff who drive to the office must display a permit at all times.\n")
    doc = partition_file(f, max_bytes=MB)
    assert [s.heading for s in doc.sections] == ["Parking Permits"]
