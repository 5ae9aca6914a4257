"""A corpus of document families for the version tests and `python -m bench.versions`: 12 families (6 English, 6
Chinese), each with 2-3 versions whose key figure differs (a cap, a number of days, a deadline, a rate), found by
every kind of evidence (years, version numbers, amendment marks, front matter, effective-date sentences, content
overlap), plus look-alikes with similar titles that must stay families of their own. Written to a folder by
`write_corpus`; nothing here comes from shared data."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Doc:
    family: str  # the true family (a look-alike has its own)
    path: str  # relative to the corpus folder
    text: str
    figure: str  # the key figure this version states
    status: str  # expected: current / superseded / draft


def _en(title: str, intro: str, rule: str, extra: str = "") -> str:
    return (f"# {title}\n\n{intro}\n\n## Scope\n\nThis document applies to all employees of Acme Ltd in every "
            f"office, including part-time staff and interns.\n\n## Rule\n\n{rule}\n\n## Questions\n\nContact the "
            f"People team for any question about this document.{extra}\n")


def _zh(title: str, intro: str, rule: str, extra: str = "") -> str:
    return (f"# {title}\n\n{intro}\n\n## 适用范围\n\n"
            "本办法适用于公司全体员工，包括各地分公司的正式员工、兼职员工和实习生。\n\n"
            f"## 具体规定\n\n{rule}\n\n## 其他\n\n本办法由人力资源部负责解释。{extra}\n")


DOCS: list[Doc] = [
    # 1. years in the file name and title
    Doc("travel", "travel-policy-2021.md", _en("Travel Policy 2021", "This policy sets the rules for business travel.",
        "The hotel cap for London is 120 pounds per night, breakfast included."), "120", "superseded"),
    Doc("travel", "travel-policy-2024.md", _en("Travel Policy 2024", "This policy sets the rules for business travel.",
        "The hotel cap for London is 165 pounds per night, breakfast included."), "165", "current"),
    # 2. version numbers, and a draft
    Doc("leave", "leave-policy-v2.md", _en("Leave Policy v2", "Annual leave for employees.",
        "Full-time employees receive 25 days of annual leave per year."), "25", "superseded"),
    Doc("leave", "leave-policy-v3.md", _en("Leave Policy v3", "Annual leave for employees.",
        "Full-time employees receive 27 days of annual leave per year."), "27", "current"),
    Doc("leave", "leave-policy-v4-draft.md", _en("Leave Policy v4 (draft)", "Annual leave for employees.",
        "Full-time employees receive 30 days of annual leave per year."), "30", "draft"),
    # 3. front matter: a new name that declares what it supersedes
    Doc("remote", "remote-working-2020.md", _en("Remote Working Rules", "How often staff may work from home.",
        "Staff may work from home up to 2 days per week with their manager's approval."), "2", "superseded"),
    Doc("remote", "hybrid-working-guidelines.md",
        "---\nsupersedes: remote-working-2020.md\neffective: 2023-09-01\n---\n" + _en(
            "Hybrid Working Guidelines", "How often staff may work from home.",
            "Staff may work from home up to 3 days per week with their manager's approval."), "3", "current"),
    # 4. effective-date sentences
    Doc("claims", "expense-claims-procedure-2019.md", _en(
        "Expense Claims Procedure 2019", "How to claim expenses. This procedure is effective 1 March 2019.",
        "Expense claims must be submitted within 90 days of the expense."), "90", "superseded"),
    Doc("claims", "expense-claims-procedure-2025.md", _en(
        "Expense Claims Procedure 2025", "How to claim expenses. This procedure is effective 1 March 2025.",
        "Expense claims must be submitted within 45 days of the expense."), "45", "current"),
    # 5. three years
    Doc("parental", "parental-leave-2016.md", _en("Parental Leave Policy 2016", "Leave for new parents.",
        "Primary carers receive 14 weeks of fully paid parental leave."), "14", "superseded"),
    Doc("parental", "parental-leave-2018.md", _en("Parental Leave Policy 2018", "Leave for new parents.",
        "Primary carers receive 16 weeks of fully paid parental leave."), "16", "superseded"),
    Doc("parental", "parental-leave-2023.md", _en("Parental Leave Policy 2023", "Leave for new parents.",
        "Primary carers receive 22 weeks of fully paid parental leave."), "22", "current"),
    # 6. revision marks in the title only
    Doc("mileage", "mileage-rates-rev1.md", _en("Mileage Allowance Rates Rev 1", "Car use on company business.",
        "The mileage allowance rate is 45 pence per mile for private cars."), "45", "superseded"),
    Doc("mileage", "mileage-rates-rev2.md", _en("Mileage Allowance Rates Rev 2", "Car use on company business.",
        "The mileage allowance rate is 52 pence per mile for private cars."), "52", "current"),
    # 7. 年份版本
    Doc("差旅", "差旅管理办法（2019年版）.md", _zh("差旅管理办法（2019年版）", "为规范公司差旅管理，制定本办法。",
        "员工在上海出差，住宿费标准为每晚500元。"), "500", "superseded"),
    Doc("差旅", "差旅管理办法（2023年版）.md", _zh("差旅管理办法（2023年版）", "为规范公司差旅管理，制定本办法。",
        "员工在上海出差，住宿费标准为每晚680元。"), "680", "current"),
    # 8. 修正 / 修订
    Doc("奖惩", "员工奖惩条例（2018修正）.md", _zh("员工奖惩条例（2018修正）", "为严明纪律，奖惩分明，制定本条例。",
        "员工连续旷工3日的，公司可以解除劳动合同。"), "3", "superseded"),
    Doc("奖惩", "员工奖惩条例（2023修订）.md", _zh("员工奖惩条例（2023修订）", "为严明纪律，奖惩分明，制定本条例。",
        "员工连续旷工5日的，公司可以解除劳动合同。"), "5", "current"),
    # 9. 版本号
    Doc("加班", "加班管理办法-v1.md", _zh("加班管理办法 V1", "为规范加班管理，保障员工权益，制定本办法。",
        "工作日延长工作时间的，按照不低于工资的百分之一百二十支付加班工资。"), "120", "superseded"),
    Doc("加班", "加班管理办法-v2.md", _zh("加班管理办法 V2", "为规范加班管理，保障员工权益，制定本办法。",
        "工作日延长工作时间的，按照不低于工资的百分之一百五十支付加班工资。"), "150", "current"),
    # 10. 施行日期
    Doc("年休假", "年休假实施细则-2020.md", _zh("年休假实施细则", "根据国家有关规定，制定本细则。",
        "员工累计工作满1年不满10年的，年休假6天。", "本细则自2020年1月1日起施行。"), "6", "superseded"),
    Doc("年休假", "年休假实施细则-2024.md", _zh("年休假实施细则", "根据国家有关规定，制定本细则。",
        "员工累计工作满1年不满10年的，年休假8天。", "本细则自2024年7月1日起施行。"), "8", "current"),
    # 11. 两个年份版本与一份征求意见稿
    Doc("报销", "报销时限规定（2021年版）.md", _zh("报销时限规定（2021年版）", "为加快费用结算，制定本规定。",
        "员工应当在费用发生后60日内提交报销申请。"), "60", "superseded"),
    Doc("报销", "报销时限规定（2024年版）.md", _zh("报销时限规定（2024年版）", "为加快费用结算，制定本规定。",
        "员工应当在费用发生后30日内提交报销申请。"), "30", "current"),
    Doc("报销", "报销时限规定（征求意见稿）.md", _zh("报销时限规定（征求意见稿）", "为加快费用结算，制定本规定。",
        "员工应当在费用发生后15日内提交报销申请。"), "15", "draft"),
    # 12. 名称不同、内容几乎相同：按内容归为一族
    Doc("住房", "住房补贴标准.md", _zh("住房补贴标准", "为帮助员工解决住房困难，公司发放住房补贴。",
        "符合条件的员工每月可领取住房补贴1000元，随工资一并发放。", "本标准自2017年1月1日起施行。"),
        "1000", "superseded"),
    Doc("住房", "住房补贴发放细则.md", _zh("住房补贴发放细则", "为帮助员工解决住房困难，公司发放住房补贴。",
        "符合条件的员工每月可领取住房补贴1800元，随工资一并发放。", "本标准自2022年1月1日起施行。"),
        "1800", "current"),
    # look-alikes: similar titles, other documents
    Doc("travel-claims", "travel-expense-claims-policy-2024.md", _en(
        "Travel Expense Claims Policy 2024", "How travel receipts are checked by Finance.",
        "Receipts for taxis over 30 pounds must be scanned and attached to the claim."), "30", "current"),
    Doc("leave-contractors", "leave-policy-contractors-v3.md", _en(
        "Leave Policy for Contractors v3", "Time off for contractors engaged through agencies.",
        "Contractors are not paid for annual leave; they agree time off with their agency."), "0", "current"),
    Doc("差旅费", "差旅费报销办法（2023年版）.md", _zh(
        "差旅费报销办法（2023年版）", "为规范差旅费报销流程，制定本办法。",
        "出租车票据须由部门负责人签字后方可报销，遗失票据不予报销。"), "-", "current"),
    Doc("加班餐", "加班餐补标准-v2.md", _zh("加班餐补标准 V2", "为关心加班员工，公司提供加班餐补。",
        "晚上九点以后仍在加班的员工，可以报销一份不超过40元的晚餐。"), "40", "current"),
]


@dataclass(frozen=True)
class Question:
    text: str
    family: str
    expected: str  # path of the document that should answer it
    kind: str  # current / old (names an earlier version) / lookalike


QUESTIONS: list[Question] = [
    Question("What is the hotel cap per night in London?", "travel", "travel-policy-2024.md", "current"),
    Question("What was the London hotel cap in the 2021 travel policy?", "travel", "travel-policy-2021.md", "old"),
    Question("How many days of annual leave do full-time employees get?", "leave", "leave-policy-v3.md", "current"),
    Question("How many days of annual leave did leave policy v2 give?", "leave", "leave-policy-v2.md", "old"),
    Question("How many days per week may staff work from home?", "remote", "hybrid-working-guidelines.md",
             "current"),
    Question("Within how many days must expense claims be submitted?", "claims",
             "expense-claims-procedure-2025.md", "current"),
    Question("What deadline for expense claims did the 2019 procedure set?", "claims",
             "expense-claims-procedure-2019.md", "old"),
    Question("How many weeks of paid parental leave do primary carers get?", "parental", "parental-leave-2023.md",
             "current"),
    Question("How many weeks of parental leave did the 2018 policy give?", "parental", "parental-leave-2018.md",
             "old"),
    Question("What is the mileage allowance rate per mile?", "mileage", "mileage-rates-rev2.md", "current"),
    Question("What mileage rate did Rev 1 set?", "mileage", "mileage-rates-rev1.md", "old"),
    Question("在上海出差住宿费每晚标准是多少？", "差旅", "差旅管理办法（2023年版）.md", "current"),
    Question("2019年版差旅管理办法规定上海住宿费每晚多少？", "差旅", "差旅管理办法（2019年版）.md", "old"),
    Question("员工连续旷工几日公司可以解除劳动合同？", "奖惩", "员工奖惩条例（2023修订）.md", "current"),
    Question("2018年的奖惩条例规定连续旷工几日可以解除劳动合同？", "奖惩", "员工奖惩条例（2018修正）.md", "old"),
    Question("工作日加班按工资的百分之多少支付加班工资？", "加班", "加班管理办法-v2.md", "current"),
    Question("员工工作满1年不满10年，年休假有几天？", "年休假", "年休假实施细则-2024.md", "current"),
    Question("2020年的年休假实施细则规定工作满1年不满10年年休假几天？", "年休假", "年休假实施细则-2020.md", "old"),
    Question("费用发生后多少日内要提交报销申请？", "报销", "报销时限规定（2024年版）.md", "current"),
    Question("2021年版报销时限规定要求多少日内提交报销申请？", "报销", "报销时限规定（2021年版）.md", "old"),
    Question("员工每月住房补贴是多少钱？", "住房", "住房补贴发放细则.md", "current"),
    Question("Must taxi receipts over 30 pounds be attached to a travel claim?", "travel-claims",
             "travel-expense-claims-policy-2024.md", "lookalike"),
    Question("Are contractors paid for annual leave?", "leave-contractors", "leave-policy-contractors-v3.md",
             "lookalike"),
    Question("遗失的出租车票据可以报销吗？", "差旅费", "差旅费报销办法（2023年版）.md", "lookalike"),
    Question("晚上加班可以报销多少钱的晚餐？", "加班餐", "加班餐补标准-v2.md", "lookalike"),
]


def write_corpus(folder: Path, docs: list[Doc] | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for doc in docs or DOCS:
        path = folder / doc.path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(doc.text, encoding="utf-8")
    return folder


def true_families(docs: list[Doc] | None = None) -> dict[str, str]:
    """path → true family."""
    return {d.path: d.family for d in docs or DOCS}
