"""E-mails (.eml; Outlook .msg when python-oxmsg is installed): the sender, recipients, date and subject as labels of
every chunk and as the first lines of the text; the body; and each attachment read as a document of its own kind.

A mail's attachments are documents of their own (a price list sent by mail is cited as the price list, "attachment
of the mail 'New prices', 3 March"), with the mail's readers and the mail's headers as labels. They live inside the
mail's file: the mail is the one entry of the manifest, so that changing, moving or deleting it replaces, moves or
deletes its attachments with it. A mail inside a mail is one attachment document, its own attachments read as
sections of it. A mail holds at most `max_attachments` read attachments; the others, and those that cannot be read,
are reported as notes of the file, which is indexed."""
from __future__ import annotations

import hashlib
from collections.abc import Callable
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.utils import parsedate_to_datetime

from ingestion.documents import Document, Labels, Section, attachment_source
from ingestion.errors import PartitionError
from ingestion.reading import Attached, Parsed, ReadOptions

# Reads one attachment (its file name, its bytes) as a document of its kind; raises PartitionError when it cannot.
ReadAttachment = Callable[[str, bytes], Parsed]


def _header(message: EmailMessage, name: str) -> str:
    try:
        return " ".join(str(message.get(name, "") or "").split())
    except (ValueError, TypeError, IndexError):  # a malformed header is left out, not the whole mail
        return ""


def _date(value: str) -> str:
    try:
        return parsedate_to_datetime(value).isoformat()
    except (ValueError, TypeError, IndexError):
        return value


def mail_parsed(headers: dict[str, str], body: str, body_is_html: bool, attachments: list[tuple[str, bytes]],
                options: ReadOptions, read: ReadAttachment, separate: bool = True) -> Parsed:
    """What every kind of mail file becomes, from its parts. `separate`: its attachments become documents of their
    own (a mail that is a file); else sections of the mail (a mail attached to a mail)."""
    labels: Labels = {f"mail_{k}": v for k, v in headers.items() if v}
    head = "\n".join(f"{k.capitalize()}: {v}" for k, v in headers.items() if v)
    subject = headers.get("subject") or None
    parsed = Parsed(title=subject, sections=[], labels=labels)
    if body_is_html and body.strip():
        parsed.sections.append(Section(text=head, heading=subject, path=(subject,) if subject else ()))
        try:
            parsed.sections += read("message.html", body.encode("utf-8")).sections
        except PartitionError as exc:
            parsed.notes.append(f"the mail's HTML body not read: {exc}")
    else:
        parsed.sections.append(Section(text="\n\n".join(p for p in (head, body.strip()) if p), heading=subject,
                                       path=(subject,) if subject else ()))
    for number, (name, data) in enumerate(attachments[: options.max_attachments], start=1):
        try:
            part = read(name, data)
        except PartitionError as exc:
            parsed.notes.append(f"attachment '{name}' not read: {exc}")
            continue
        parsed.ocr_pages += part.ocr_pages
        parsed.notes += [f"attachment '{name}': {note}" for note in part.notes]
        if not part.sections:
            parsed.notes.append(f"attachment '{name}' not read: no text found in it")
        elif separate:  # its document's labels name it (attachment_documents)
            parsed.attachments.append(Attached(number, name, hashlib.sha256(data).hexdigest(), part))
        else:
            place = f"Attachment: {name}"
            for section in part.sections:
                section.path = (place, *section.path)
                section.heading = section.heading or place
                section.labels = {**section.labels, "attachment": name}
                parsed.sections.append(section)
    if len(attachments) > options.max_attachments:
        parsed.notes.append(f"{len(attachments) - options.max_attachments} of {len(attachments)} attachments not "
                            f"read (limit {options.max_attachments} per mail, PERIMETER_MAX_ATTACHMENTS)")
    return parsed


def attachment_documents(mail: Document, attached: list[Attached]) -> list[Document]:
    """The mail's attachments as documents of their own: each titled by its own title or file name, labelled with
    the mail's headers and the link back to the mail (chunk.py adds `parent_source`, `parent_doc_id`)."""
    return [Document(source=attachment_source(mail.source, a.number, a.name), title=a.parsed.title or a.name,
                     sha256=a.sha256, sections=a.parsed.sections, declared=a.parsed.declared,
                     labels={**a.parsed.labels, **mail.labels, "attachment": a.name, "mail_title": mail.title},
                     ocr_pages=a.parsed.ocr_pages, parent=mail.source)
            for a in attached]


def read_eml(data: bytes, options: ReadOptions, read: ReadAttachment, separate: bool = True) -> Parsed:
    message = BytesParser(policy=policy.default).parsebytes(data)
    if not isinstance(message, EmailMessage) or not message.keys():
        raise PartitionError("not an e-mail message (no headers)")
    headers = {"from": _header(message, "From"), "to": _header(message, "To"), "cc": _header(message, "Cc"),
               "date": _date(_header(message, "Date")), "subject": _header(message, "Subject")}
    body_part = message.get_body(preferencelist=("plain", "html"))
    body, is_html = "", False
    if isinstance(body_part, EmailMessage):
        try:
            body = str(body_part.get_content())
        except (LookupError, ValueError) as exc:  # an unknown charset: the body is lost, the rest is kept
            raise PartitionError(f"mail body not readable ({exc})") from exc
        is_html = body_part.get_content_type() == "text/html"
    attachments = []
    for n, part in enumerate(message.iter_attachments(), start=1):
        name = part.get_filename() or (f"attachment-{n}.eml" if part.get_content_type() == "message/rfc822"
                                       else f"attachment-{n}")
        if part.get_content_type() == "message/rfc822":
            inner = part.get_payload(0) if part.is_multipart() else None
            payload = inner.as_bytes() if isinstance(inner, Message) else b""
        else:
            decoded = part.get_payload(decode=True)
            payload = decoded if isinstance(decoded, bytes) else b""
        attachments.append((name, payload))
    return mail_parsed(headers, body, is_html, attachments, options, read, separate)


def read_msg(data: bytes, options: ReadOptions, read: ReadAttachment, separate: bool = True) -> Parsed:
    """An Outlook .msg file, through python-oxmsg (which unstructured depends on and itself uses for .msg)."""
    from oxmsg import Message

    try:
        message = Message.load(data)
    except ValueError as exc:
        raise PartitionError(f"not an Outlook mail ({exc})") from exc
    sent = message.sent_date
    headers = {"from": message.sender or "",
               "to": ", ".join(f"{r.name} <{r.email_address}>" if r.name else r.email_address
                               for r in message.recipients),
               "cc": "", "date": sent.isoformat() if sent else "", "subject": message.subject or ""}
    body, is_html = message.body or "", False
    if not body.strip() and message.html_body:
        body, is_html = message.html_body, True
    attachments = [(a.file_name or f"attachment-{n}", a.file_bytes or b"")
                   for n, a in enumerate(message.attachments, start=1)]
    return mail_parsed(headers, body, is_html, attachments, options, read, separate)
