"""Side doors that are not questions: guessed document downloads (ids of restricted documents and chunks, their file
paths, traversal and encoding tricks), the feedback store and its export, admin and service endpoints, and forged
identities. Requests go out byte for byte (http.client), so no client tidies a path before the server sees it."""
from __future__ import annotations

import http.client
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from ingestion.chunk import doc_id
from tests.leaks.attempts import Person
from tests.leaks.corpus import Corpus

INSIDERS_ANSWER = "feedback on an insider's answer, by its id"


@dataclass(frozen=True)
class Raw:
    label: str
    method: str
    path: str
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes | None = None


def send(base_url: str, request: Raw, person: Person | None) -> tuple[int, str]:
    """(status, everything received) for one request sent exactly as written, as `person` (via the proxy)."""
    where = urlsplit(base_url)
    assert where.hostname, base_url
    conn = http.client.HTTPConnection(where.hostname, where.port, timeout=60)
    try:
        conn.putrequest(request.method, request.path, skip_accept_encoding=True)
        sent = list(person.headers.items()) if person else []
        for name, value in sent + list(request.headers):
            conn.putheader(name, value)
        if request.body is not None:
            conn.putheader("Content-Type", "application/json")
            conn.putheader("Content-Length", str(len(request.body)))
        conn.endheaders(request.body)
        response = conn.getresponse()
        body = response.read().decode("utf-8", "replace")
        headers = "\n".join(f"{k}: {v}" for k, v in response.getheaders())
        return response.status, f"HTTP {response.status}\n{headers}\n\n{body}"
    finally:
        conn.close()


def restricted_ids(corpus: Corpus, collection) -> dict[str, tuple[str, str]]:
    """secret key → (its document id, the id of its first chunk), as the index holds them."""
    out = {}
    for key, secret in corpus.secrets.items():
        document = doc_id(str(secret.path))
        chunks = collection.get(where={"doc_id": document}, include=[])["ids"]
        assert chunks, f"{secret.path} is not in the index"
        out[key] = (document, sorted(chunks)[0])
    return out


def download_attempts(corpus: Corpus, ids: dict[str, tuple[str, str]], outsider: Person) -> list[Raw]:
    public = doc_id(str(corpus.public["salary-policy.md"]))
    out: list[Raw] = []
    for key, secret in corpus.secrets.items():
        document, chunk = ids[key]
        folder, name = secret.path.parent.name, secret.path.name
        out += [
            Raw(f"{key}: its document id", "GET", f"/v1/documents/{document}"),
            Raw(f"{key}: its preview", "GET", f"/v1/documents/{document}/preview"),
            Raw(f"{key}: its preview of page 1", "GET", f"/v1/documents/{document}/preview?page=1"),
            Raw(f"{key}: the id in upper case", "GET", f"/v1/documents/{document.upper()}"),
            Raw(f"{key}: a chunk id", "GET", f"/v1/documents/{chunk}"),
            Raw(f"{key}: the file path, encoded", "GET", f"/v1/documents/{quote(str(secret.path), safe='')}"),
            Raw(f"{key}: the id with a NUL", "GET", f"/v1/documents/{document}%00"),
            Raw(f"{key}: traversal from the id", "GET", f"/v1/documents/..%2F{folder}%2F{quote(name)}"),
        ]
    salary, heron = ids["salary"][0], ids["heron"][0]
    name = quote(corpus.secrets["salary"].path.name)
    path = quote(str(corpus.secrets["salary"].path), safe="")
    out += [
        Raw("HEAD of a restricted id", "HEAD", f"/v1/documents/{salary}"),
        Raw("a byte range of a restricted id", "GET", f"/v1/documents/{heron}", (("Range", "bytes=0-200"),)),
        Raw("dot segments after a public id", "GET", f"/v1/documents/{public}/../{salary}"),
        Raw("a public id with the path as a parameter", "GET", f"/v1/documents/{public}?path={path}"),
        Raw("a public id with a restricted id as a parameter", "GET", f"/v1/documents/{public}?doc_id={salary}"),
        Raw("a public id's preview with a restricted id as a parameter", "GET",
            f"/v1/documents/{public}/preview?doc_id={salary}"),
        Raw("the preview through dot segments", "GET", f"/v1/documents/{public}/..%2F{salary}/preview"),
        Raw("a restricted id with groups as a parameter", "GET", f"/v1/documents/{salary}?groups=hr"),
        Raw("encoded dot segments", "GET", f"/v1/documents/%2e%2e%2f%2e%2e%2fhr%2f{name}"),
        Raw("double-encoded traversal", "GET", f"/v1/documents/..%252Fhr%252F{name}"),
        Raw("traversal through the static files", "GET", f"/web/..%2Fhr%2F{name}"),
        Raw("the file name under the static files", "GET", f"/web/{name}"),
        Raw("a leading space", "GET", f"/v1/documents/%20{salary}"),
        Raw("the id with a file suffix", "GET", f"/v1/documents/{salary}.md"),
        Raw("a doubled slash", "GET", f"//v1/documents/{salary}"),
        Raw("a wildcard", "GET", "/v1/documents/%2A"),
        Raw("a second groups header after the proxy's", "GET", f"/v1/documents/{salary}",
            (("X-Forwarded-Groups", "hr,board"),)),
        Raw("a second user header after the proxy's", "GET", f"/v1/documents/{heron}", (("X-Forwarded-User", "bo"),)),
    ]
    return out


def side_door_attempts(ids: dict[str, tuple[str, str]], keys: dict[str, str],
                       insiders_answer: str = "0" * 32) -> list[Raw]:
    """Feedback (naming restricted sources, or rating an insider's answer by its id), its export, admin and service
    endpoints, and credentials that are not the caller's."""
    salary = ids["salary"][0]
    feedback = (f'{{"rating": "down", "question": "salary bands?", "comment": "show me", '
                f'"sources": ["{salary}", "{ids["heron"][0]}"]}}').encode()
    return [
        Raw("feedback naming restricted sources", "POST", "/v1/feedback", body=feedback),
        Raw(INSIDERS_ANSWER, "POST", "/v1/feedback",
            body=b'{"answer_id": "%s", "rating": "down", "comment": "what did it say?"}' % insiders_answer.encode()),
        Raw("the feedback export", "GET", "/v1/admin/feedback"),
        Raw("the feedback export, wrong admin token", "GET", "/v1/admin/feedback",
            (("Authorization", "Bearer not-the-admin-token-but-long-enough"),)),
        Raw("the feedback export, a user's API key", "GET", "/v1/admin/feedback", (("X-API-Key", keys["outsider"]),)),
        Raw("the feedback export, the hr key's stored digest", "GET", "/v1/admin/feedback",
            (("X-API-Key", keys["hr_digest"]),)),
        Raw("a search with the hr key's stored digest", "POST", "/v1/search", (("X-API-Key", keys["hr_digest"]),),
            b'{"question": "salary band senior canteen manager"}'),
        Raw("an unsigned token claiming hr", "POST", "/v1/search", (("Authorization", f"Bearer {keys['jwt_none']}"),),
            b'{"question": "salary band senior canteen manager"}'),
        Raw("a token signed with a guessed secret", "GET", f"/v1/documents/{salary}",
            (("Authorization", f"Bearer {keys['jwt_hs256']}"),)),
        Raw("admin jobs", "GET", "/v1/admin/jobs"),
        Raw("admin sources", "GET", "/v1/admin/sources"),
        Raw("OpenAPI", "GET", "/openapi.json"),
        Raw("readiness", "GET", "/readyz"),
        Raw("metrics", "GET", "/metrics"),
        Raw("models", "GET", "/v1/models"),
    ]
