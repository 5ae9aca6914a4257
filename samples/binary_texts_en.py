"""The English Acme Ltd binary sample documents (docx, pdf), as blocks that samples/make_binaries.py renders.
All content is fictional."""

from __future__ import annotations

# A document is a list of blocks:
#   ("h1", text) ("h2", text) ("h3", text) ("p", text) ("meta", text)
#   ("ul", [items]) ("ol", [items]) ("table", [header_row, row, ...])
# Inline **bold** markup is supported in p/meta/list/table text.

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
        ["London (UK contracts)", "25 days, rising to 26 days after 3 years' service and 27 days after 5 years",
         "UK bank holidays (usually 8)"],
        ["Frankfurt (German contracts)", "28 days", "Public holidays of the state of Hesse"],
        ["Singapore", "18 days", "Singapore gazetted public holidays"],
    ]),
    ("p", "In addition, the London, Frankfurt and Singapore offices close for **Acme Day**, a company-wide day off on "
          "the Friday before the UK August bank holiday. Acme Day does not count against your annual leave."),
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
