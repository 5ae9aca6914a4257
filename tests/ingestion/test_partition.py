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


def test_plain_text_with_underlined_headings_is_titled_and_sectioned_by_them(tmp_path):
    # Underlined (setext) headings, as in samples/acme/*.txt: the text reader saw none of them and titled the
    # laptop standard by its last line, "Questions: servicedesk@...".
    f = tmp_path / "standard.txt"
    f.write_text("ACME - DEVICE STANDARD\n======================\n\nVersion: 3.0\n\n\n1. STANDARD EQUIPMENT\n"
                 "---------------------\n\nEvery employee receives one laptop.\n\n2. RETURNS\n----------\n\n"
                 "Return the laptop on your last day.\nQuestions: desk@example.com\n", encoding="utf-8")
    doc = partition_file(f, max_bytes=MB)
    assert doc.title == "ACME - DEVICE STANDARD"
    paths = {s.heading: s.path for s in doc.sections}
    assert paths["2. RETURNS"] == ("ACME - DEVICE STANDARD", "2. RETURNS")
    assert "Return the laptop" in next(s for s in doc.sections if s.heading == "2. RETURNS").text


def test_a_web_page_is_titled_by_its_own_heading_and_sections_keep_their_heading_path(tmp_path):
    # An exported site: the navigation bar's heading (an h3) comes before the page's h1, and each heading ends in a
    # permalink sign (Sphinx, MkDocs).
    page = tmp_path / "travel.html"
    page.write_text("<html><body><div><h3>Navigation</h3><p>index | modules</p></div>"
                    "<h1>Travel guide¶</h1><p>How staff travel.</p>"
                    "<h2>Hotels¶</h2><p>Book through the portal.</p>"
                    "<h3>Nightly caps¶</h3><p>At most 150 euros a night.</p>"
                    "<h2>Flights¶</h2><p>Economy class below six hours.</p></body></html>", encoding="utf-8")
    doc = partition_file(page, max_bytes=MB)
    assert doc.title == "Travel guide"
    paths = {s.heading: s.path for s in doc.sections}
    assert paths["Nightly caps"] == ("Travel guide", "Hotels", "Nightly caps")
    assert paths["Flights"] == ("Travel guide", "Flights")  # a sibling replaces the deeper headings
    assert next(s for s in doc.sections if s.heading == "Nightly caps").text.startswith("Nightly caps\nAt most")


def test_markdown_heading_paths_nest_by_level(tmp_path):
    md = tmp_path / "manual.md"
    md.write_text("# tar\n\n## Options\n\nSome options.\n\n### -z\n\nFilter through gzip.\n\n## Examples\n\nMany.\n",
                  encoding="utf-8")
    doc = partition_file(md, max_bytes=MB)
    assert doc.title == "tar"
    assert [s.path for s in doc.sections] == [("tar", "Options"), ("tar", "Options", "-z"), ("tar", "Examples")]
