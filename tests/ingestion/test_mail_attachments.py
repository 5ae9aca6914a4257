"""A mail's attachments are documents of their own, in real Chroma with the real embedding model: an attachment's
fact is found and cited as the attachment, with the mail named; the attachments follow their mail when it changes,
moves and is deleted (a folder source; the mailbox's own test: test_connector_imap.py)."""
from __future__ import annotations

import pytest

from ingestion.chunk import doc_id
from ingestion.connectors.folder import FolderSourceConfig
from ingestion.documents import FileStatus
from services.answering.retrieve import to_source
from services.components import build_retriever, sync_source
from tests.conftest import make_settings
from tests.office_docs import make_eml, make_xlsx

pytestmark = pytest.mark.integration

RATES = "Per diem rates for 2027 attached."


def _rates(folder, tokyo: str):
    return make_xlsx(folder.parent / f"rates-{tokyo}.xlsx", title="Per diem rates 2027", sheets={
        "Per diem": [["City", "Per diem"], ["Tokyo", tokyo], ["Lagos", "70 USD"], ["Lima", "55 USD"]]}).read_bytes()


def _mail_with_rates(folder, tokyo: str):
    return make_eml(folder / "per-diem-decision.eml", "New per diem rates", RATES,
                    [("per-diem-2027.xlsx", _rates(folder, tokyo)),
                     ("oncall.csv", b"Week,Engineer\n12,Ingrid Moss\n13,Tomas Vega\n")])


def test_attachments_are_documents_cited_with_their_mail_and_follow_it(tmp_path, embedder):
    folder = tmp_path / "mail"
    folder.mkdir()
    mail = _mail_with_rates(folder, "13,500 JPY")
    make_eml(folder / "unrelated.eml", "Parking", "The car park closes at 22:00.")
    settings = make_settings(tmp_path / "data")
    source = FolderSourceConfig(name="mail", path=folder, groups=["all"])

    first = sync_source(settings, source, embedder=embedder)
    assert not first.failed and {f.status for f in first.files} == {FileStatus.ADDED}
    assert len(first.files) == 2  # one result per file: the attachments are indexed with their mail

    retriever = build_retriever(settings, embedder)
    tokyo = retriever.search("What is the per diem in Tokyo?", ["all"], 3)[0]
    meta = tokyo.metadata
    assert meta["source"] == f"{mail}#attachment/1/per-diem-2027.xlsx" and "| Tokyo | 13,500 JPY |" in tokyo.text
    assert meta["doc_id"] != doc_id(str(mail)) and meta["parent_doc_id"] == doc_id(str(mail))
    assert meta["title"] == "Per diem rates 2027" and meta["sheet"] == "Per diem"
    cited = to_source(1, tokyo, 200)
    assert cited.title == "Per diem rates 2027" and cited.attachment == "per-diem-2027.xlsx"
    assert cited.mail == "“New per diem rates”, 2026-11-03" and cited.mail_doc_id == doc_id(str(mail))
    assert cited.place() == "attachment per-diem-2027.xlsx of mail “New per diem rates”, 2026-11-03"
    assert cited.uri == mail.as_uri() + "#attachment/1/per-diem-2027.xlsx"
    oncall = retriever.search("Who is on call in week 13?", ["all"], 3)[0]
    assert oncall.metadata["source"].endswith("#attachment/2/oncall.csv")
    assert oncall.metadata["mail_subject"] == "New per diem rates"

    # The mail changes: its attachments are replaced with it (the old figure is gone, the new one found).
    _mail_with_rates(folder, "14,000 JPY")
    changed = sync_source(settings, source, embedder=embedder)
    assert sorted(f.status for f in changed.files) == [FileStatus.UNCHANGED, FileStatus.UPDATED]
    texts = [h.text for h in build_retriever(settings, embedder).search("per diem in Tokyo", ["all"], 10)]
    assert any("14,000 JPY" in t for t in texts) and not any("13,500 JPY" in t for t in texts)

    # The mail moves: its attachments move with it, re-used without embedding, under the mail's new place.
    (folder / "archive").mkdir()
    moved_mail = mail.rename(folder / "archive" / mail.name)
    moved = sync_source(settings, source, embedder=embedder)
    assert FileStatus.MOVED in {f.status for f in moved.files}
    hit = build_retriever(settings, embedder).search("What is the per diem in Tokyo?", ["all"], 3)[0]
    assert hit.metadata["source"] == f"{moved_mail}#attachment/1/per-diem-2027.xlsx"
    assert hit.metadata["parent_source"] == str(moved_mail)

    # The mail is deleted: its attachments leave the index and the search with it.
    moved_mail.unlink()
    deleted = sync_source(settings, source, embedder=embedder)
    assert sorted(f.status for f in deleted.files) == [FileStatus.DELETED, FileStatus.UNCHANGED]
    retriever = build_retriever(settings, embedder)
    assert not retriever.collection.get(where={"parent_source": str(moved_mail)})["ids"]
    for question in ("What is the per diem in Tokyo?", "Who is on call in week 13?"):
        assert all(h.metadata["source"].endswith("unrelated.eml") for h in retriever.search(question, ["all"], 5))


def test_a_mail_with_200_attachments_indexes_twenty_documents_and_reports_the_rest(tmp_path, embedder):
    folder = tmp_path / "mail"
    folder.mkdir()
    make_eml(folder / "rota.eml", "Rota files", "All 200 rota files attached.",
             [(f"rota-{n:03}.csv", f"Day,Person\nMonday,Person {n}\n".encode()) for n in range(200)])
    settings = make_settings(tmp_path / "data")
    report = sync_source(settings, FolderSourceConfig(name="mail", path=folder, groups=["all"]), embedder=embedder)
    (result,) = report.files
    assert result.status == FileStatus.ADDED
    assert result.notes == ["180 of 200 attachments not read (limit 20 per mail, PERIMETER_MAX_ATTACHMENTS)"]
    metas = build_retriever(settings, embedder).collection.get(include=["metadatas"])["metadatas"] or []
    assert len({m["doc_id"] for m in metas}) == 21  # the mail and its first 20 attachments
