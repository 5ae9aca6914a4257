"""Version facts and document families, as pure functions over the test corpus (tests/version_corpus.py): names,
effective dates in English and Chinese, front matter, grouping, look-alikes kept apart, statuses, overrides, and the
stale-content report."""
from __future__ import annotations

from datetime import date

import pytest

from ingestion.version_marks import (
    amended_date,
    asked_markers,
    effective_date,
    end_date,
    name_marks,
    split_front_matter,
)
from ingestion.version_stale import stale_report
from ingestion.versions import DocumentFacts, Overrides, detect_versions
from tests.version_corpus import DOCS, Doc

TODAY = date(2026, 11, 30)


def facts(docs: list[Doc]) -> list[DocumentFacts]:
    out = []
    for d in docs:
        declared, text = split_front_matter(d.text)
        title = text.strip().splitlines()[0].lstrip("# ")
        out.append(DocumentFacts(doc_id=d.path, source=f"/corpus/{d.path}", title=title, text=text,
                                 declared=declared, file_sha256=d.path, ingested_at="2026-11-01T00:00:00+00:00"))
    return out


@pytest.mark.parametrize(("name", "subject", "label"), [
    ("Travel Policy 2024", "travel policy", "2024"),
    ("travel-policy-2021", "travel policy", "2021"),
    ("Leave Policy v4 (draft)", "leave policy", "v4"),
    ("Mileage Allowance Rates Rev 2", "mileage allowance rates", "v2"),
    ("中华人民共和国劳动合同法（2012修正）", "中华人民共和国劳动合同法", "2012修正"),
    ("员工奖惩条例（2023年修订）", "员工奖惩条例", "2023修订"),
    ("差旅管理办法（2019年版）", "差旅管理办法", "2019版"),
    ("加班管理办法 第二版", "加班管理办法", "v2"),
    ("Security Standard 2024-03-01", "security standard", "2024-03-01"),
    ("Travel Expense Claims Policy", "travel expense claims policy", None),
])
def test_names_split_into_subject_and_version(name, subject, label):
    marks = name_marks(name)
    assert (marks.subject, marks.label) == (subject, label)


def test_draft_marks_in_both_languages():
    assert name_marks("Leave Policy v4 (draft)").draft
    assert name_marks("报销时限规定（征求意见稿）").draft and name_marks("数据安全管理办法（草案）").draft
    assert not name_marks("Leave Policy v3").draft


def test_effective_end_and_amendment_dates_from_the_text():
    assert effective_date("本细则自2024年7月1日起施行。") == date(2024, 7, 1)
    assert effective_date("本办法自二〇二三年十二月一日起实施") == date(2023, 12, 1)
    assert effective_date("This procedure is effective 1 March 2025.") == date(2025, 3, 1)
    assert effective_date("The rules take effect on March 15, 2024 for all staff.") == date(2024, 3, 15)
    assert effective_date("Effective from 2022-04-06.") == date(2022, 4, 6)
    assert effective_date("**Effective date:** 1 March 2024") == date(2024, 3, 1)
    assert effective_date("生效日期：2023年5月1日") == date(2023, 5, 1)
    assert effective_date("No date here, only 30 days of leave.") is None
    assert end_date("本办法有效期至2025年12月31日。") == date(2025, 12, 31)
    assert end_date("This policy is valid until 31 December 2024.") == date(2024, 12, 31)
    preamble = ("（2007年6月29日第十届全国人民代表大会常务委员会第二十八次会议通过 根据2012年12月28日第十一届全国人民"
                "代表大会常务委员会第三十次会议《关于修改〈中华人民共和国劳动合同法〉的决定》修正）")
    assert amended_date(preamble) == date(2012, 12, 28)


def test_front_matter_is_read_and_taken_out_of_the_text():
    declared, text = split_front_matter("---\nsupersedes: old.md\neffective: 2023-09-01\nstatus: Active\n"
                                        "owner: hr\n---\n# Title\n\nBody.")
    assert declared == {"supersedes": ["old.md"], "effective": "2023-09-01", "status": "current"}
    assert text.startswith("# Title")
    # a document that merely starts with a rule keeps its text; an unknown status word is ignored
    assert split_front_matter("---\n\nJust text\n")[0] == {}
    assert split_front_matter("---\nstatus: in review\n---\nx")[0] == {}


def test_questions_name_years_and_versions():
    assert asked_markers("What did the 2018 law say?") == {"2018"}
    assert asked_markers("What mileage rate did Rev 1 set?") == {"v1"}
    assert asked_markers("2019年版差旅管理办法规定多少？") == {"2019"}
    assert asked_markers("How many days of leave do I get?") == set()


def test_the_corpus_families_and_statuses_are_found():
    versions = detect_versions(facts(DOCS), today=TODAY)
    by_path = {d.path: versions[d.path] for d in DOCS}
    truth: dict[str, set[str]] = {}
    found: dict[str, set[str]] = {}
    for d in DOCS:
        truth.setdefault(d.family, set()).add(d.path)
        found.setdefault(by_path[d.path].family, set()).add(d.path)
    assert sorted(map(sorted, truth.values())) == sorted(map(sorted, found.values()))  # look-alikes stay apart
    assert {d.path: by_path[d.path].status for d in DOCS} == {d.path: d.status for d in DOCS}
    assert len({d.family for d in DOCS if "\u4e00" <= d.path[0] <= "\u9fff"}) >= 6
    old = by_path["travel-policy-2021.md"]
    assert old.superseded_by == "travel-policy-2024.md" and by_path["travel-policy-2024.md"].superseded_by is None
    assert by_path["hybrid-working-guidelines.md"].why == "declared"
    assert by_path["住房补贴标准.md"].why == "content"  # other names, the same text
    assert by_path["expense-claims-procedure-2025.md"].effective == "2025-03-01"


def test_a_deleted_current_version_hands_over_to_the_previous_one():
    rest = [d for d in DOCS if d.path != "travel-policy-2024.md"]
    versions = detect_versions(facts(rest), today=TODAY)
    assert versions["travel-policy-2021.md"].status == "current"
    newer = Doc("travel", "travel-policy-2026.md", DOCS[1].text.replace("2024", "2026").replace("165", "180"),
                "180", "current")
    versions = detect_versions(facts([*DOCS, newer]), today=TODAY)
    assert versions["travel-policy-2026.md"].status == "current"
    assert versions["travel-policy-2024.md"].status == "superseded"
    assert versions["travel-policy-2024.md"].superseded_by == "travel-policy-2026.md"


def test_future_and_ended_versions():
    base = DOCS[1].text
    upcoming = Doc("travel", "travel-policy-2027.md", base.replace("2024", "2027") + "\nThis policy is effective "
                   "1 January 2027.\n", "-", "upcoming")
    ended = Doc("x", "canteen-rules-2020.md", "# Canteen Rules 2020\n\nLunch costs 3 pounds. This policy is valid "
                "until 31 December 2025.\n", "3", "expired")
    versions = detect_versions(facts([DOCS[0], DOCS[1], upcoming, ended]), today=TODAY)
    assert versions["travel-policy-2027.md"].status == "upcoming"
    assert versions["travel-policy-2024.md"].status == "current"  # in force until the new one takes effect
    assert versions["canteen-rules-2020.md"].status == "expired"
    later = detect_versions(facts([DOCS[0], DOCS[1], upcoming]), today=date(2027, 1, 2))
    assert later["travel-policy-2027.md"].status == "current"


def test_operator_overrides_mark_current_split_and_merge():
    docs = facts(DOCS)
    overrides = Overrides(current=["/corpus/travel-policy-2021.md"])
    versions = detect_versions(docs, overrides, today=TODAY)
    assert versions["travel-policy-2021.md"].status == "current"
    assert versions["travel-policy-2024.md"].status == "superseded"
    overrides = Overrides()
    overrides.split_off("/corpus/leave-policy-v4-draft.md")
    versions = detect_versions(docs, overrides, today=TODAY)
    assert versions["leave-policy-v4-draft.md"].family_size == 1
    assert versions["leave-policy-v3.md"].family_size == 2
    overrides.join(["/corpus/加班管理办法-v2.md", "/corpus/加班餐补标准-v2.md"])
    versions = detect_versions(docs, overrides, today=TODAY)
    assert versions["加班餐补标准-v2.md"].family == versions["加班管理办法-v1.md"].family
    assert versions["加班餐补标准-v2.md"].why == "operator"


def test_stale_report_by_review_date_and_family_age():
    docs = facts(DOCS)
    docs[1].declared["review_by"] = "2025-06-30"  # the current travel policy was due for review
    versions = detect_versions(docs, today=TODAY)
    items = stale_report(versions, today=TODAY, stale_months=60, review_months=0)
    assert [(i.reason, i.doc_id) for i in items if i.reason == "review_overdue"] == \
           [("review_overdue", "travel-policy-2024.md")]
    old = {i.doc_id for i in items if i.reason == "family_old"}
    assert "住房补贴发放细则.md" not in old  # 2022: within five years
    items = stale_report(versions, today=TODAY, stale_months=36, review_months=0)
    assert "住房补贴发放细则.md" in {i.doc_id for i in items if i.reason == "family_old"}
    assert all(i.folder == "/corpus" for i in items)


def test_an_identical_copy_of_the_current_version_is_current_too():
    docs = facts([DOCS[0], DOCS[1]])
    copy = facts([DOCS[1]])[0]
    copy.doc_id, copy.source = "copy", "/other-folder/travel-policy-2024.md"
    versions = detect_versions([*docs, copy], today=TODAY)
    assert versions["copy"].status == versions["travel-policy-2024.md"].status == "current"
    assert versions["travel-policy-2021.md"].status == "superseded"
