"""The Acme Ltd IT orientation slides (pptx) that samples/make_binaries.py renders. All content is fictional."""

from __future__ import annotations

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
