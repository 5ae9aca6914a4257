"""The text of the Acme Ltd binary sample documents (docx, pdf, pptx), as blocks that samples/make_binaries.py
renders. All content is fictional."""

from __future__ import annotations

# ---------------------------------------------------------------------------
# Content
#
# A document is a list of blocks:
#   ("h1", text) ("h2", text) ("h3", text) ("p", text) ("meta", text)
#   ("ul", [items]) ("ol", [items]) ("table", [header_row, row, ...])
# Inline **bold** markup is supported in p/meta/list/table text.
# ---------------------------------------------------------------------------

LEAVE_POLICY_EN = [
    ("h1", "Leave Policy"),
    ("meta", "Policy ID: HR-LV-02 · Version 5.0 · Effective 1 January 2024 · Owner: People Team "
             "(people@acme-ltd.example). Applies to employees of the London, Frankfurt and Singapore "
             "offices. Employees of the Shanghai office and the Shenzhen branch follow the "
             "Chinese-language 员工休假制度 (leave-policy-zh.html)."),
    ("h2", "1. Leave year and requests"),
    ("p", "The leave year runs from 1 January to 31 December. All leave is requested and approved in "
          "**PeopleHub**. Requests for absences of 5 or more consecutive working days must be submitted "
          "at least **2 weeks** in advance. Managers respond to leave requests within **3 working days**; "
          "a request with no response after that time is escalated automatically to the People Team."),
    ("h2", "2. Annual leave"),
    ("p", "Annual leave entitlement depends on the office named in your employment contract. Entitlements "
          "are for a full-time, five-day working week and are pro-rated for part-time staff and for "
          "people who join or leave during the year."),
    ("table", [
        ["Office", "Annual leave", "Public holidays"],
        ["London (UK contracts)", "25 days, rising to 26 days after 3 years' service and 27 days after 5 years", "UK bank holidays (usually 8)"],
        ["Frankfurt (German contracts)", "28 days", "Public holidays of the state of Hesse"],
        ["Singapore", "18 days", "Singapore gazetted public holidays"],
    ]),
    ("p", "In addition, the London, Frankfurt and Singapore offices close for **Acme Day**, a company-wide day off on the Friday before "
          "the UK August bank holiday. Acme Day does not count against your annual leave."),
    ("h3", "Carrying leave over"),
    ("p", "You may carry up to **5 days** of unused annual leave into the next leave year. Carried-over "
          "days must be taken by **31 March**; any carried-over days not used by then are lost unless the "
          "People Team agreed otherwise in writing because of long-term sickness or parental leave. "
          "Unused leave is not paid out, except when employment ends."),
    ("h2", "3. Sickness absence"),
    ("p", "If you are too ill to work, tell your manager by phone or Teams call within the first hour of "
          "your normal start time, and record the absence in PeopleHub when you are back."),
    ("ul", [
        "You can **self-certify** absences of up to **7 calendar days**.",
        "From the 8th calendar day, you need a fit note (UK) or a doctor's certificate (Frankfurt and Singapore).",
        "Acme pays **full salary for up to 20 working days** of sickness absence in any rolling 12-month "
        "period. After that, statutory sick pay or the local legal minimum applies.",
        "After any absence longer than 10 working days your manager holds a short return-to-work meeting.",
    ]),
    ("h2", "4. Parental leave"),
    ("p", "Acme offers the same enhanced parental leave to birth parents, adoptive parents and parents "
          "through surrogacy. To qualify for enhanced pay, you need at least **6 months' continuous "
          "service** on the expected date of birth or placement."),
    ("ul", [
        "**Primary carer:** 26 weeks at full pay, followed by up to 26 further weeks of unpaid leave.",
        "**Secondary carer:** 6 weeks at full pay, which can be taken in one block or in blocks of at least "
        "one week within **12 months** of the birth or placement.",
        "Up to **10 keeping-in-touch days** may be worked during parental leave without ending the leave; "
        "these days are paid at your normal daily rate.",
        "Time off for antenatal and adoption appointments is paid and does not need to be made up.",
    ]),
    ("p", "Tell the People Team about your plans at least 15 weeks before the expected week of birth, or "
          "within 7 days of being matched for adoption."),
    ("h2", "5. Other types of leave"),
    ("table", [
        ["Leave type", "Entitlement", "Pay"],
        ["Bereavement (partner, child, parent, sibling)", "5 working days", "Full pay"],
        ["Bereavement (other relatives and friends)", "2 working days", "Full pay"],
        ["Volunteering", "2 days per leave year", "Full pay"],
        ["Jury service", "As required by the court", "Full pay for up to 10 days"],
        ["Sabbatical (after 7 years' service)", "Up to 3 months", "Unpaid"],
    ]),
    ("h2", "6. Contact"),
    ("p", "Questions about leave entitlements should go to the People Team at people@acme-ltd.example. "
          "Your leave balance is always shown on the PeopleHub home page."),
]

DATA_PROTECTION_EN = [
    ("h1", "Data Protection Policy"),
    ("meta", "Policy ID: DP-001 · Version 3.1 · Effective 25 May 2024 · Owner: Data Protection Office "
             "(dpo@acme-ltd.example). Applies to all Acme Ltd staff. Personal information of people in "
             "mainland China is additionally governed by the Chinese-language 个人信息保护制度 "
             "(personal-information-protection-zh.docx)."),
    ("h2", "1. Purpose and scope"),
    ("p", "Acme Ltd processes personal data about customers, customers' employees, payment beneficiaries, "
          "job applicants, employees and suppliers. This policy explains how we comply with the UK GDPR and "
          "the Data Protection Act 2018 in London, the EU GDPR in Frankfurt and the Personal Data Protection "
          "Act (PDPA) in Singapore. It applies to personal data in any form, including paper, email, "
          "chat messages and call recordings."),
    ("h2", "2. Principles"),
    ("p", "Everyone who handles personal data at Acme must make sure it is:"),
    ("ol", [
        "processed lawfully, fairly and transparently, on a documented lawful basis;",
        "collected for specified purposes and not reused for unrelated purposes;",
        "limited to what is necessary for those purposes;",
        "accurate and kept up to date;",
        "kept no longer than the Records Retention Schedule (DP-RS-01) allows; and",
        "protected by appropriate security, in line with the Information Security Policy.",
    ]),
    ("h2", "3. Roles"),
    ("p", "The **Data Protection Officer** leads the Data Protection Office, advises the business and is the "
          "contact point for regulators. Each business function appoints a **Data Champion** who keeps the "
          "function's entries in the Record of Processing Activities up to date and reviews them every "
          "6 months."),
    ("h2", "4. New projects and DPIAs"),
    ("p", "A Data Protection Impact Assessment (DPIA) is required before any new system, supplier or "
          "process that involves high-risk processing, such as large-scale monitoring, special category "
          "data, biometric identity checks or automated decisions about customers. Submit the DPIA form to "
          "the Data Protection Office at least **4 weeks before launch**. High-risk processing may not start "
          "until the DPO has signed off the DPIA."),
    ("h2", "5. Handling personal data day to day"),
    ("ul", [
        "Send Confidential or Restricted personal data outside Acme only by encrypted email or the secure "
        "file transfer service.",
        "Never copy personal data to USB storage or to personal devices, accounts or cloud storage.",
        "Do not paste personal data into public generative AI tools. Only **Acme Assist**, the approved "
        "internal assistant, may be used with internal personal data.",
        "Check the recipient before sending: misdirected email is our most common cause of breaches.",
        "Special category data (health, ethnicity, religion, biometrics) may only be processed by named "
        "roles listed in the Record of Processing Activities.",
    ]),
    ("h2", "6. Individuals' rights"),
    ("p", "Anyone may ask to access, correct or delete their data, object to processing or ask for their "
          "data to be transferred. Requests can arrive by any channel. Forward every request to "
          "dpo@acme-ltd.example within **1 business day** of receiving it. The Data Protection Office "
          "verifies the requester's identity and responds within **one calendar month**, which may be "
          "extended by two further months for complex requests."),
    ("h2", "7. Personal data breaches"),
    ("p", "A personal data breach is any security incident that leads to the accidental or unlawful loss, "
          "destruction, alteration, disclosure of or access to personal data. Examples include a lost "
          "laptop, an email sent to the wrong customer or a compromised account."),
    ("ol", [
        "Report any suspected breach **immediately, and no later than 1 hour after discovering it**, to "
        "incident@acme-ltd.example or the SOC hotline on +44 20 7946 0999.",
        "The Data Protection Office assesses the risk to individuals and records every breach in the "
        "breach register, whether or not it is reported externally.",
        "Where required, the DPO notifies the Information Commissioner's Office (ICO) or, for Frankfurt, "
        "the Hesse data protection authority **within 72 hours** of Acme becoming aware of the breach.",
        "For breaches affecting Singapore data that are notifiable under the PDPA, the DPO notifies the "
        "Personal Data Protection Commission (PDPC) within **3 calendar days** of deciding that the breach "
        "is notifiable.",
        "If a breach is likely to result in a high risk to individuals, they are told without undue delay, "
        "in clear language, with advice on how to protect themselves.",
    ]),
    ("h2", "8. International transfers"),
    ("p", "Personal data may leave the UK or the EEA only under an approved transfer mechanism, usually the "
          "UK International Data Transfer Agreement (IDTA) or the EU Standard Contractual Clauses, supported "
          "by a transfer risk assessment. Transfers from mainland China to the London headquarters must also "
          "meet the Chinese requirements in 个人信息保护制度."),
    ("h2", "9. Training and compliance"),
    ("p", "All staff complete the 40-minute Data Protection Basics module when they join and again every "
          "year by **30 November**. Breaches of this policy may lead to disciplinary action. The policy is "
          "reviewed every year by the Data Protection Office."),
]

TRAVEL_EXPENSE_EN = [
    ("h1", "Travel and Expense Policy"),
    ("meta", "Policy ID: FIN-TE-03 · Version 7.0 · Effective 1 January 2024 · Owner: Finance Shared Services "
             "(expenses@acme-ltd.example) · Approved by the Chief Financial Officer"),
    ("h2", "1. Scope"),
    ("p", "This policy applies to all employees and contractors of the London, Frankfurt and Singapore "
          "offices who travel or spend money on behalf of Acme Ltd. Employees of the Shanghai office and the "
          "Shenzhen branch follow the Chinese-language 差旅费报销规定 (travel-expenses-zh.md) for travel within "
          "mainland China, Hong Kong and Macau, and this policy for all other international travel. Amounts "
          "are stated in pounds sterling (GBP) unless another currency is shown; Finance converts them at "
          "the Acme monthly exchange rate."),
    ("p", "The guiding principle is simple: spend company money as carefully as you would spend your own. "
          "Costs that are not reasonable, not business-related or not supported by evidence will not be "
          "reimbursed, even if they are within the limits below."),
    ("h2", "2. Planning and approval"),
    ("ul", [
        "Every trip that involves a flight or an overnight stay must be approved in ExpenseHub by your line "
        "manager **before booking**.",
        "International trips longer than 10 working days, and any trip with a total estimated cost above "
        "**£5,000**, also need approval from your department head.",
        "All flights, rail tickets and hotels must be booked through the **Acme Travel Desk** "
        "(travel@acme-ltd.example), so that Acme can locate travellers in an emergency.",
        "Book flights at least **14 days** before departure whenever possible. Bookings made later must "
        "include a short reason.",
    ]),
    ("h2", "3. Air travel"),
    ("p", "The class of travel depends on the scheduled duration of each flight segment, not on the total "
          "journey time:"),
    ("table", [
        ["Scheduled flight duration", "Permitted class"],
        ["Under 6 hours", "Economy"],
        ["6 to 9 hours", "Premium economy"],
        ["Over 9 hours", "Business class"],
    ]),
    ("p", "A business class ticket for a shorter flight needs written approval from a Vice President. "
          "Paid seat selection is allowed up to £40 per flight; lounge access, paid upgrades and "
          "in-flight purchases are personal costs. Air miles and loyalty points earned on business travel "
          "may be kept, but must never influence the choice of airline or hotel."),
    ("h2", "4. Rail and ground transport"),
    ("p", "Rail is preferred to air for journeys under 4 hours. Standard class is the default; first class is "
          "allowed for journeys over **3 hours** each way, or where it is cheaper than standard class. Use "
          "public transport or shared airport transfers where practical. Taxis are reimbursed where public "
          "transport is unavailable, unsafe or impractical with luggage."),
    ("p", "Employees who use their own car for business journeys are reimbursed at **45p per mile** for the "
          "first 10,000 business miles in a tax year and 25p per mile after that. Commuting between home and "
          "your usual office is never a business journey. Car hire must be booked through the Travel Desk in "
          "an intermediate or smaller category."),
    ("h2", "5. Hotels"),
    ("p", "Hotels are booked through the Travel Desk at or below the following nightly caps. The caps include "
          "taxes and service charges but exclude breakfast, which is covered by the per diem."),
    ("table", [
        ["City", "Maximum per night"],
        ["London", "£220"],
        ["New York", "US$350"],
        ["Frankfurt", "€190"],
        ["Singapore", "S$320"],
        ["Hong Kong (staff of non-China offices)", "HK$1,900"],
        ["All other cities", "£150"],
    ]),
    ("p", "If a major event pushes local prices above the cap, the Travel Desk can approve a higher rate "
          "before booking. Staying with friends or family instead of a hotel is allowed, and you may claim "
          "a flat **£30 per night** towards a thank-you gift or meal for your hosts."),
    ("h2", "6. Per diem for meals and incidentals"),
    ("p", "Instead of claiming individual meals, travellers receive a daily allowance (per diem) for each "
          "full day of a business trip that includes an overnight stay. The per diem covers breakfast, lunch, "
          "dinner, non-alcoholic drinks, tips and small incidental costs such as laundry."),
    ("table", [
        ["Type of trip", "Full day", "Departure or return day"],
        ["Domestic (within the traveller's home country)", "£55", "50% of the full-day rate"],
        ["International", "£75", "50% of the full-day rate"],
    ]),
    ("p", "When a meal is provided free of charge, for example by a conference organiser or a client, the "
          "per diem is reduced by **15%** for breakfast, **30%** for lunch and **40%** for dinner. Day trips "
          "without an overnight stay do not attract a per diem; in that case reasonable meal costs of up to "
          "£25 per day can be claimed with receipts."),
    ("h2", "7. Client entertainment and gifts"),
    ("p", "Client entertainment must have a clear business purpose and is limited to **£85 per person**, "
          "including drinks. The most senior Acme employee present pays and claims, and the claim must list "
          "every attendee and their organisation. Alcohol is reimbursed only as part of client "
          "entertainment. Gifts or hospitality given or received with a value above **£100** must be "
          "recorded in the Gifts and Hospitality Register within 5 working days, in line with the "
          "Anti-Bribery and Corruption Policy. Gifts to public officials always need prior approval from "
          "Compliance."),
    ("h2", "8. Corporate card"),
    ("p", "Employees who travel more than four times a year receive an **Acme Corporate Visa** card. Use it "
          "for all business travel costs; it must never be used for personal purchases or cash withdrawals "
          "above £200 per trip. Card transactions must be reconciled in ExpenseHub by the **10th of the "
          "following month**. Cards with transactions unreconciled for more than 60 days are suspended."),
    ("h2", "9. Receipts and submitting claims"),
    ("ul", [
        "Submit claims in ExpenseHub within **30 days** of the date the expense was incurred. Claims "
        "submitted more than **90 days** after that date are rejected.",
        "An itemised receipt is required for every item over **£25**. A card slip alone is not enough.",
        "If a receipt is lost, you may complete a lost-receipt declaration **once per quarter**, for an "
        "amount of up to **£75**.",
        "Your line manager approves claims within 5 working days. Claims above **£2,500** also need "
        "approval from your department head.",
        "Finance Shared Services audits a random sample of claims every month.",
    ]),
    ("h2", "10. Expenses that are never reimbursed"),
    ("ul", [
        "Minibar items, in-room films, spa and gym charges.",
        "Traffic and parking fines, and speeding tickets.",
        "Personal travel insurance (business trips are insured by Acme).",
        "Passport fees, luggage and clothing.",
        "Costs for a travelling companion or family member.",
        "Costs arising from personal days added to a business trip.",
    ]),
    ("h2", "11. Safety while travelling"),
    ("p", "Travel to countries on the ISO high-risk travel list needs approval from the Information Security "
          "Office and a loaner laptop (see the Laptop and Device Standard). In an emergency abroad, call the "
          "24-hour assistance line of Acme's travel insurer on +44 20 7946 0123."),
    ("h2", "12. Breaches of this policy"),
    ("p", "Claims that break this policy are returned or reduced. Deliberately false claims are treated as "
          "fraud and may lead to dismissal. Questions about the policy should be sent to "
          "expenses@acme-ltd.example."),
]

CROSS_BORDER_EN = [
    ("h1", "Cross-Border Payments Compliance Policy"),
    ("meta", "Policy ID: FCC-CBP-01 · Version 3.0 · Effective 1 July 2024 · Owner: Financial Crime Compliance "
             "(FCC) · Accountable executive: Money Laundering Reporting Officer (MLRO), mlro@acme-ltd.example"),
    ("h2", "1. Purpose and scope"),
    ("p", "Acme Ltd provides cross-border business payment services under the Acme Pay brand. This policy "
          "sets the minimum controls to prevent Acme Pay from being used for money laundering, terrorist "
          "financing, sanctions evasion or fraud. It applies to all Acme Pay customers and payments handled by "
          "the London, Frankfurt and Singapore offices. Cross-border RMB and foreign-currency payments for "
          "customers in mainland China are handled by the Shanghai office under the Chinese-language "
          "跨境支付合规管理办法 (cross-border-payments-zh.pdf), which sets its own local thresholds."),
    ("h2", "2. Know your customer (KYC)"),
    ("p", "Customer due diligence (CDD) must be completed before an account is opened and before any payment "
          "is made. For each business customer we verify its legal existence, directors, registered address, "
          "nature of business and expected payment activity."),
    ("ul", [
        "Identify and verify every **beneficial owner holding 25% or more** of the shares or voting rights, "
        "or otherwise exercising control.",
        "Apply **enhanced due diligence (EDD)** to customers connected with high-risk third countries, "
        "politically exposed persons (PEPs), complex ownership structures, and customers whose expected annual "
        "cross-border volume exceeds **£5 million**.",
        "EDD customers need approval from an FCC manager before onboarding and evidence of the source of "
        "funds.",
    ]),
    ("p", "Customer files are reviewed on a risk basis: high-risk customers every **12 months**, medium-risk "
          "customers every **24 months** and low-risk customers every **36 months**, and in addition whenever "
          "a trigger event occurs, such as a change of ownership or an unusual payment."),
    ("h2", "3. Payment thresholds and approvals"),
    ("table", [
        ["Payment value (single payment, or equivalent)", "Requirement"],
        ["Below £10,000", "Standard automated checks"],
        ["£10,000 or more", "Payment purpose and supporting documents (e.g. invoice or contract)"],
        ["£50,000 or more", "Second-level approval by an FCC analyst before release"],
        ["£250,000 or more", "Approval by an FCC manager and a call-back to the customer"],
    ]),
    ("p", "Transaction monitoring also aggregates payments. Three or more payments to the same beneficiary "
          "that together exceed **£15,000 within 7 days** are flagged for review as possible structuring "
          "(splitting a payment to avoid thresholds). Staff must never advise a customer on how to stay "
          "below a threshold."),
    ("h2", "4. Sanctions screening"),
    ("p", "All customers, beneficial owners and payment parties are screened against the UK OFSI, UN, EU and "
          "US OFAC sanctions lists before onboarding, in real time before every payment is released, and "
          "nightly. A name match score of **85 or above** generates an alert, which must be reviewed by an FCC "
          "analyst within **4 business hours**. Payments with an open alert are held. Confirmed matches "
          "are frozen and escalated to the MLRO. The detailed steps are in the Sanctions Screening Procedure "
          "(FCC-SSP-02)."),
    ("h2", "5. Suspicious activity reporting"),
    ("p", "Any employee who knows or suspects that a payment or customer is involved in money laundering or "
          "terrorist financing must submit an **internal suspicious activity report (ISAR)** to the MLRO "
          "through the FCC portal or mlro@acme-ltd.example within **1 business day**. The MLRO reviews each "
          "ISAR within **5 business days** and decides whether to file a Suspicious Activity Report (SAR) "
          "with the **National Crime Agency (NCA)**. Where consent to proceed with a payment is needed, the "
          "payment must not be released until the NCA consent period has ended."),
    ("p", "Tipping off is a criminal offence. Never tell a customer, or anyone outside FCC, that a report "
          "has been made or is being considered."),
    ("h2", "6. Regulatory reporting and breaches"),
    ("p", "The MLRO presents a monthly financial crime report to the Board Risk Committee and an annual MLRO "
          "report to the Board. Material breaches of this policy, or of the Money Laundering Regulations, are "
          "notified to the Financial Conduct Authority (FCA) within **3 business days** of FCC confirming "
          "that a breach has occurred."),
    ("h2", "7. Record keeping"),
    ("p", "KYC records are kept for **5 years** after the end of the customer relationship, and payment "
          "records for 5 years after the date of the payment, as set out in the Records Retention Schedule."),
    ("h2", "8. Training"),
    ("p", "Staff in payments, operations and customer-facing roles complete the Financial Crime and Sanctions "
          "module within 30 days of joining and then every year. The pass mark is **80%**. Staff who fail twice "
          "attend a classroom session run by FCC."),
]

PIP_ZH = [
    ("h1", "艾克米有限公司个人信息保护制度"),
    ("meta", "文件编号：CN-LC-002　版本：2.2　生效日期：2024年5月1日　归口管理部门：法务合规部"),
    ("h2", "第一章　总则"),
    ("p", "第一条　为规范公司个人信息处理活动，保护个人信息主体的合法权益，根据《中华人民共和国个人信息保护法》"
          "《中华人民共和国数据安全法》及相关法规，结合集团《数据保护政策》（DP-001），制定本制度。"),
    ("p", "第二条　本制度适用于上海办公室和深圳分公司在中国境内处理客户、客户员工、收款人、求职者、员工及供应商"
          "个人信息的全部活动。"),
    ("p", "第三条　公司设个人信息保护负责人，由法务合规部总监担任，负责对个人信息处理活动及保护措施进行监督。"
          "个人信息保护负责人的联系邮箱为 privacy-cn@acme-ltd.example，并在公司官网和隐私政策中公布。"),
    ("h2", "第二章　处理规则"),
    ("p", "第四条　处理个人信息应当具有明确、合理的目的，并限于实现处理目的的最小范围，不得过度收集。"),
    ("p", "第五条　处理个人信息前，应以显著方式、清晰易懂的语言告知个人处理者名称、处理目的、处理方式、"
          "个人信息种类、保存期限以及个人行使权利的方式；需要取得同意的，应在告知后取得个人同意。"),
    ("p", "第六条　处理下列敏感个人信息，应当取得个人的单独同意，并告知处理的必要性以及对个人权益的影响："),
    ("ul", [
        "生物识别信息，如人脸、指纹；",
        "金融账户信息，如银行卡号、支付账户；",
        "医疗健康信息；",
        "行踪轨迹信息；",
        "身份证件号码；",
        "不满十四周岁未成年人的个人信息。",
    ]),
    ("p", "第七条　委托第三方处理个人信息的，应当与受托方签订委托处理协议，约定处理目的、期限、方式和安全措施，"
          "并由法务合规部每年对受托方至少开展一次合规审计。"),
    ("h2", "第三章　个人信息保护影响评估"),
    ("p", "第八条　有下列情形之一的，业务部门应在处理活动开始前完成个人信息保护影响评估，并报个人信息保护负责人审核："
          "处理敏感个人信息；利用个人信息进行自动化决策；委托处理或向其他处理者提供个人信息；向境外提供个人信息；"
          "其他对个人权益有重大影响的处理活动。"),
    ("p", "第九条　影响评估报告和相应的处理情况记录应当至少保存3年。"),
    ("h2", "第四章　个人信息出境"),
    ("p", "第十条　向境外提供个人信息，包括向伦敦总部及集团其他境外办公室传输员工或客户信息，应遵守以下规定："),
    ("table", [
        ["自当年1月1日起累计向境外提供的数量", "应履行的程序"],
        ["10万人以上、不满100万人的个人信息（不含敏感个人信息），或不满1万人的敏感个人信息", "与境外接收方订立个人信息出境标准合同，并在合同生效之日起10个工作日内向省级网信部门备案"],
        ["100万人以上的个人信息，或1万人以上的敏感个人信息", "通过省级网信部门向国家网信部门申报数据出境安全评估"],
    ]),
    ("p", "第十一条　任何个人信息出境前，均须完成个人信息保护影响评估，取得个人的单独同意，并经个人信息保护负责人书面批准。"),
    ("h2", "第五章　个人的权利"),
    ("p", "第十二条　个人有权查阅、复制、更正、补充、删除其个人信息，并有权撤回同意。收到个人行使权利的请求后，"
          "接收部门应在1个工作日内转交法务合规部，公司应在收到请求之日起15个工作日内予以答复；拒绝请求的，应当说明理由。"),
    ("h2", "第六章　保存期限"),
    ("p", "第十三条　个人信息的保存期限应为实现处理目的所必要的最短时间。中国办公室的主要保存期限如下："),
    ("ul", [
        "未录用求职者的简历及面试记录：招聘结束后90天内删除；",
        "已离职员工的人事档案及劳动合同：离职后保存2年，法律另有规定的除外；",
        "办公区监控录像：保存90天；",
        "访客登记信息：保存6个月；",
        "客户身份资料和交易记录：按反洗钱规定，在业务关系结束后至少保存5年。",
    ]),
    ("h2", "第七章　个人信息安全事件"),
    ("p", "第十四条　员工发现个人信息泄露、篡改、丢失或可能发生上述情况的，应按照《信息安全守则》在15分钟内报告信息安全部，"
          "并同时抄送个人信息保护负责人。"),
    ("p", "第十五条　个人信息保护负责人应在接报后2小时内完成初步评估。依法需要向监管部门报告的，"
          "应在确认事件后24小时内向属地网信部门报告；可能对个人权益造成影响的，应在确认后3个工作日内通知受影响的个人，"
          "告知事件原因、可能造成的危害以及个人可以采取的补救措施。事件的具体处置按《数据安全事件应急处置流程》执行。"),
    ("h2", "第八章　培训与责任"),
    ("p", "第十六条　全体员工每年须参加不少于2学时的个人信息保护培训，新员工应在入职30天内完成。"),
    ("p", "第十七条　违反本制度造成个人信息泄露的，公司将视情节给予警告、降级直至解除劳动合同等处理；构成犯罪的，依法移送司法机关。"),
    ("p", "第十八条　本制度由法务合规部负责解释，自发布之日起施行。"),
]

KYC_ZH = [
    ("h1", "客户身份识别（KYC）操作细则"),
    ("meta", "文件编号：CN-FCC-009　版本：1.3　生效日期：2024年9月1日　归口管理部门：合规部（compliance-cn@acme-ltd.example）"),
    ("h2", "一、目的与适用范围"),
    ("p", "为落实《跨境支付合规管理办法》关于客户身份识别的要求，规范上海办公室对企业客户的准入审核、风险评级和持续识别工作，"
          "制定本细则。公司跨境支付服务仅面向依法设立的企业客户，不为个人客户开立账户。"),
    ("h2", "二、开户须提交的材料"),
    ("ol", [
        "营业执照（统一社会信用代码）；",
        "公司章程及最近一次股权变更文件；",
        "法定代表人有效身份证件；",
        "授权经办人的身份证件及加盖公章的授权委托书；",
        "受益所有人信息登记表及受益所有人身份证件；",
        "主要贸易合同或业务说明，以及预计年度跨境收付金额。",
    ]),
    ("h2", "三、受益所有人识别"),
    ("p", "合规专员应逐层穿透股权结构，识别并核实以下自然人：直接或间接持有客户超过25%股权或表决权的自然人；"
          "通过人事、财务等其他方式对客户实施实际控制的自然人。按上述标准均无法识别的，应将客户的高级管理人员登记为受益所有人，"
          "并在档案中说明理由。"),
    ("h2", "四、身份核验方式"),
    ("ul", [
        "企业信息通过国家企业信用信息公示系统核验，并截图留档；",
        "法定代表人、经办人和受益所有人的身份证件通过公民身份信息联网核查系统核验；",
        "对高风险客户，须通过视频核验或实地走访确认其经营场所真实存在。",
    ]),
    ("h2", "五、客户风险等级与定期复核"),
    ("table", [
        ["风险等级", "典型情形", "定期复核周期"],
        ["高风险", "注册地或主要交易对手位于高风险国家或地区；股权结构超过3层且涉及离岸公司；受益所有人为政治公众人物", "每6个月"],
        ["中风险", "成立不满2年；业务涉及多个国家或地区", "每12个月"],
        ["低风险", "成立满2年、股权结构简单、交易规模稳定的境内贸易企业", "每36个月"],
    ]),
    ("p", "此外，成立不满6个月但预计年度跨境交易额超过等值500万美元的客户，一律评定为高风险。"),
    ("h2", "六、强化尽职调查"),
    ("p", "对高风险客户应开展强化尽职调查：要求客户书面说明资金来源和主要交易背景；核实主要交易对手；"
          "由合规部高级经理审核；与高风险客户建立业务关系须经合规部负责人批准。"),
    ("h2", "七、审核时限"),
    ("p", "客户资料齐全后，合规专员应在3个工作日内完成审核；高风险客户的审核时限为5个工作日。资料不全的，"
          "应一次性告知客户需补充的全部材料。"),
    ("h2", "八、拒绝开户或终止业务关系的情形"),
    ("ul", [
        "客户拒绝提供身份资料，或提供的资料明显虚假；",
        "无法识别受益所有人；",
        "客户或其受益所有人命中制裁名单；",
        "客户经营范围与申报的跨境交易明显不符且无法合理解释。",
    ]),
    ("h2", "九、持续识别"),
    ("p", "客户名称、法定代表人、受益所有人等信息发生变更的，应在变更后10个工作日内通知公司。系统在客户证件有效期届满前30天"
          "自动提醒；证件过期超过90天仍未更新的，暂停该客户的跨境付款功能，直至资料更新完毕。"),
    ("h2", "十、档案保存"),
    ("p", "客户身份资料及核验记录应在业务关系结束后至少保存5年。档案以电子方式保存在客户身份识别系统中，"
          "调阅须经合规部批准并留有记录。"),
]

CROSS_BORDER_ZH = [
    ("h1", "艾克米有限公司跨境支付合规管理办法"),
    ("meta", "文件编号：CN-FCC-007　版本：2.0　生效日期：2024年9月1日　归口管理部门：合规部　咨询邮箱：compliance-cn@acme-ltd.example"),
    ("h2", "第一章　总则"),
    ("p", "第一条　为加强公司跨境支付业务的合规管理，防范洗钱、恐怖融资和违反制裁规定的风险，根据《中华人民共和国反洗钱法》、"
          "中国人民银行和国家外汇管理局的相关规定，以及集团《跨境支付合规政策》（FCC-CBP-01），制定本办法。"),
    ("p", "第二条　本办法适用于上海办公室为中国境内企业客户办理的跨境人民币及外汇收付业务。伦敦、法兰克福和新加坡办公室办理的"
          "业务适用集团政策，不适用本办法。"),
    ("p", "第三条　合规部是跨境支付合规管理的牵头部门，负责客户身份识别审核、交易监测、名单筛查和监管报送。业务部门负责人"
          "是本部门合规管理的第一责任人。"),
    ("h2", "第二章　客户身份识别"),
    ("p", "第四条　公司在与客户建立业务关系前，应当完成客户身份识别，核实客户及其受益所有人的身份，了解客户的业务性质和"
          "预计交易规模。具体要求见《客户身份识别（KYC）操作细则》。未完成身份识别的客户，不得办理任何跨境收付。"),
    ("h2", "第三章　交易真实性审核"),
    ("p", "第五条　公司坚持“展业三原则”，即了解客户、了解业务、尽职审查，确保跨境收付具有真实、合法的交易背景。"),
    ("p", "第六条　跨境付款按金额实行分级审核："),
    ("table", [
        ["单笔金额（等值）", "审核要求"],
        ["5万美元以下", "系统自动校验交易信息"],
        ["5万美元以上（含）", "客户须提供合同、发票、报关单或物流单据等贸易背景材料，由合规专员审核"],
        ["50万美元以上（含）", "除提供上述材料外，须经合规部负责人审批"],
    ]),
    ("p", "第七条　同一付款人在7日内向同一收款人多次付款、累计金额达到等值4万美元以上且每笔均低于5万美元的，系统自动生成"
          "拆分交易预警，合规专员应在2个工作日内完成核查。"),
    ("h2", "第四章　大额交易和可疑交易报告"),
    ("p", "第八条　企业客户当日单笔或累计跨境款项划转达到人民币200万元以上或外币等值20万美元以上的，属于大额交易。"
          "合规部应在大额交易发生之日起5个工作日内，向中国反洗钱监测分析中心报送大额交易报告。"),
    ("p", "第九条　员工在业务中发现交易金额、频率、流向或客户行为明显异常的，应在发现当日通过合规系统提交内部可疑交易报告。"
          "合规部经分析确认为可疑交易的，应在确认后5个工作日内向中国反洗钱监测分析中心报送可疑交易报告；涉嫌犯罪的，"
          "还应及时向当地公安机关报案。"),
    ("p", "第十条　任何员工不得向客户或无关人员泄露可疑交易报告的相关信息。"),
    ("h2", "第五章　制裁名单筛查"),
    ("p", "第十一条　公司对客户、受益所有人、交易对手及相关银行进行名单筛查，筛查名单包括：联合国安理会制裁名单；"
          "我国有关部门公布的恐怖活动组织及人员名单和反制裁清单；以及集团要求的美国、欧盟和英国制裁名单。"),
    ("p", "第十二条　名单更新后24小时内导入筛查系统。名称匹配度达到80分以上的，系统生成预警并暂停交易，合规专员应在"
          "1个工作日内完成处理。确认命中的，立即冻结相关资金，并在1小时内报告合规部负责人和集团反洗钱报告官。"),
    ("h2", "第六章　国际收支申报"),
    ("p", "第十三条　公司应协助客户按照国家外汇管理局的规定办理国际收支申报：对外付款应在付款当日完成申报信息录入；"
          "涉外收入应在款项入账之日起5个工作日内完成申报。申报信息与交易背景材料须保持一致。"),
    ("h2", "第七章　监管报告与检查"),
    ("p", "第十四条　发生重大合规事件，或在监管检查中被发现重大问题的，合规部应在知悉后2个工作日内报告集团反洗钱报告官，"
          "并按要求向中国人民银行上海总部报告。"),
    ("h2", "第八章　记录保存与培训"),
    ("p", "第十五条　客户身份资料在业务关系结束后、交易记录在交易结束后，均应至少保存5年。"),
    ("p", "第十六条　从事跨境支付业务的员工每年须参加不少于6学时的反洗钱与制裁合规培训，考试成绩须达到80分。"),
    ("h2", "第九章　附则"),
    ("p", "第十七条　违反本办法的，公司将依据《员工奖惩制度》追究责任。本办法由合规部负责解释，自2024年9月1日起施行。"),
]

ORIENTATION_SLIDES = [
    # (title, bullets) ; the first slide is a title slide (title, subtitle)
    ("IT Orientation for New Starters",
     "Acme Ltd · IT Service Desk · Version 2024-09 · London, Frankfurt and Singapore offices"),
    ("Your accounts", [
        "Username format: firstname.lastname@acme-ltd.example",
        "A temporary password is sent by text message to your personal phone on day one",
        "The temporary password is valid for 24 hours only",
        "Replace it with a passphrase of at least 14 characters at first sign-in",
        "Store all work passwords in Acme Vault, never in your browser",
    ]),
    ("Set up MFA within 48 hours", [
        "Install the Acme Authenticator app on your phone during the welcome session",
        "You must enrol in MFA within 48 hours of your first sign-in",
        "Accounts without MFA after 48 hours are suspended automatically",
        "Administrators and payment approvers also collect two FIDO2 security keys from the Service Desk",
        "Never approve a sign-in prompt you did not start yourself",
    ]),
    ("Your equipment", [
        "Laptop: Lenovo ThinkPad T14 (most roles) or MacBook Pro 14-inch (engineering and data)",
        "Headset and laptop bag are included",
        "Check that the asset tag matches the one shown in PeopleHub",
        "Report any damage within 5 working days of delivery",
        "Need a second monitor at home? Order it through the Service Desk portal",
    ]),
    ("Wi-Fi and remote access", [
        "Acme-Corp: company-managed devices only, connects automatically",
        "Acme-Guest: visitors only; the password changes every day at 06:00",
        "Use the Acme Connect VPN whenever you work on public Wi-Fi",
        "Shanghai and Shenzhen colleagues use AcmeLink-CN instead (see the China security code)",
    ]),
    ("Printing", [
        "FollowMe secure printing: print from any device, then tap your badge at any printer",
        "Uncollected print jobs are deleted after 24 hours",
        "Confidential documents must always use FollowMe, never direct printing",
    ]),
    ("Core apps you will use", [
        "Outlook and Teams: email, chat and meetings",
        "PeopleHub: leave, payslips and personal details",
        "ExpenseHub: travel approvals and expense claims",
        "Acme Academy: mandatory e-learning (complete 4 modules within 30 days)",
        "Acme Assist: the approved internal AI assistant for internal documents",
    ]),
    ("Security basics", [
        "Lock your screen every time you leave your desk (auto-lock after 5 minutes)",
        "Suspicious email? Use the Report Phish button in Outlook",
        "Clear desk at the end of every day",
        "USB storage is blocked; use OneDrive or Teams to share files",
    ]),
    ("Getting help", [
        "IT Service Desk: extension 4357 or servicedesk@acme-ltd.example",
        "Self-service portal: help.acme-ltd.example",
        "Opening hours: 07:00-19:00 UK time, Monday to Friday",
        "Urgent security issue out of hours: SOC hotline +44 20 7946 0999 (24/7)",
    ]),
]
