"""The mailbox connector against a real Dovecot started by the test: messages APPENDed over IMAP become documents
(attachments documents of their own, cited with their message), the readers are the source's groups, the since-date
and folders are honoured, and a message deleted on the server between syncs leaves the index with its attachments
while the others are skipped."""
from __future__ import annotations

from email.message import EmailMessage

import pytest

from ingestion.documents import FileStatus
from ingestion.sources import SourcesError, connector_for, load_sources
from services.components import build_retriever, sync_source
from tests.conftest import make_settings
from tests.connector_servers import Dovecot

pytestmark = pytest.mark.integration
PASSWORD_ENV = "PERIMETER_TEST_MAILBOX_PASSWORD"


def mail(subject: str, day: str, body: str, attachment: tuple[str, str] | None = None) -> bytes:
    message = EmailMessage()
    message["From"] = "policy@example.com"
    message["To"] = "all-staff@example.com"
    message["Subject"] = subject
    message["Date"] = f"{day} 09:30:00 +0000"
    message.set_content(body)
    if attachment:
        message.add_attachment(attachment[1].encode(), maintype="text", subtype="plain", filename=attachment[0])
    return bytes(message)


@pytest.fixture
def mailbox():
    server = Dovecot({"policies": "mailbox-pass-1"}).start()
    yield server
    server.stop()


def _sources(tmp_path, port: int, extra: str = "") -> object:
    path = tmp_path / "sources.yaml"
    path.write_text(f"sources:\n  - {{name: policy-mail, type: imap, host: 127.0.0.1, port: {port}, security: none, "
                    f"user: policies, password_env: {PASSWORD_ENV}, folders: [INBOX, Board], since: 2026-01-01, "
                    f"groups: [staff]{extra}}}\n")
    return path


def test_connector_imap_syncs_a_mailbox_incrementally(mailbox, tmp_path, embedder, monkeypatch):
    monkeypatch.setenv(PASSWORD_ENV, "mailbox-pass-1")
    mailbox.append("policies", "INBOX", mail("Expense policy", "Mon, 02 Mar 2026",
                                             "Receipts are filed within 30 days of the trip."))
    moving = mailbox.append("policies", "INBOX", mail("Office move", "Tue, 10 Mar 2026",
                                                      "We move to the harbour building.",
                                                      ("floorplan.txt", "The canteen is on the seventh floor.")))
    old = mailbox.append("policies", "INBOX", mail("Remote work", "Wed, 11 Mar 2026", "Remote work needs a form."))
    mailbox.append("policies", "Board", mail("Board minutes", "Thu, 12 Mar 2026", "The board approved the budget."))
    settings = make_settings(tmp_path / "data", sources_file=_sources(tmp_path, mailbox.port))
    (source,) = load_sources(settings.storage.sources_file)

    first = sync_source(settings, source, embedder=embedder)
    assert not first.failed, first.failed
    assert len(first.files) == 4 and {f.status for f in first.files} == {FileStatus.ADDED}
    assert all(f.source.startswith(f"imap://policies@127.0.0.1:{mailbox.port}/") for f in first.files)

    retriever = build_retriever(settings, embedder)
    metas = retriever.collection.get(include=["metadatas"])["metadatas"]
    assert {m["location"] for m in metas} == {"Expense policy — 2026-03-02 (INBOX)", "Office move — 2026-03-10 "
                                              "(INBOX)", "Remote work — 2026-03-11 (INBOX)",
                                              "Board minutes — 2026-03-12 (Board)"}
    assert {g for m in metas for g in m["groups"]} == {"staff"}
    floor = next(h for h in retriever.search("which floor is the canteen", ["staff"], 5) if "seventh" in h.text)
    assert floor.metadata["source"].endswith(f";UID={moving}#attachment/1/floorplan.txt")  # a document of its own
    assert floor.metadata["location"] == "Office move — 2026-03-10 (INBOX)"  # cited with its mail
    assert floor.metadata["mail_subject"] == "Office move" and floor.metadata["groups"] == ["staff"]
    assert not retriever.search("which floor is the canteen", ["sales"], 5)

    mailbox.delete("policies", "INBOX", old)
    mailbox.delete("policies", "INBOX", moving)
    mailbox.append("policies", "INBOX", mail("Ancient notice", "Mon, 01 Dec 2025", "Before the since-date."))
    second = sync_source(settings, source, embedder=embedder)
    assert not second.failed, second.failed
    statuses = sorted(f.status for f in second.files)
    assert statuses == [FileStatus.DELETED] * 2 + [FileStatus.UNCHANGED] * 2
    gone = sorted(f.source for f in second.files if f.status == FileStatus.DELETED)
    assert [g.rsplit(";", 1)[-1] for g in gone] == sorted([f"UID={old}", f"UID={moving}"])
    retriever = build_retriever(settings, embedder)
    assert not any(retriever.collection.get(where={"source": g})["ids"] for g in gone)
    assert not any(h.metadata.get("attachment") for h in retriever.search("which floor is the canteen", ["staff"], 5))


def test_connector_imap_wrong_password_is_a_clear_error(mailbox, tmp_path, monkeypatch):
    monkeypatch.setenv(PASSWORD_ENV, "wrong")
    (source,) = load_sources(_sources(tmp_path, mailbox.port))
    with pytest.raises(SourcesError, match="cannot sign in to 127.0.0.1 as policies"):
        list(connector_for(source, tmp_path / "work").items())
    monkeypatch.delenv(PASSWORD_ENV)
    with pytest.raises(SourcesError, match=PASSWORD_ENV):
        connector_for(source, tmp_path / "work")
    (tmp_path / "sources.yaml").write_text("sources:\n  - {name: m, type: imap, host: h, user: u, password: x}\n")
    with pytest.raises(SourcesError, match="password_env"):
        load_sources(tmp_path / "sources.yaml")
