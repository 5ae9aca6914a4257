"""`type: web`: an intranet site, crawled from its start URLs and sitemap within allowed prefixes, robots.txt obeyed.

Each page is kept as a file in the source's work folder with its ETag and Last-Modified; the next crawl asks with a
conditional GET, so an unchanged page costs a 304 and keeps its file (the sync plan then skips it by content hash).
A page that answers 404/410, or is no longer linked, leaves the crawl and so the index; a page that fails for another
reason (a 500, one page timing out) keeps its last copy: a flaky server must not empty the index. A site that stops
answering (robots.txt, the sitemap, a start URL or several pages in a row silent for `timeout_s`) fails the sync with
the index kept as it is. The page is read by the same HTML partitioning as .html files (title and headings kept);
citations link to the page's URL.
"""
from __future__ import annotations

import hashlib
import json
import logging
import mimetypes
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Literal
from urllib.parse import urldefrag, urljoin, urlsplit
from urllib.robotparser import RobotFileParser
from xml.etree import ElementTree

import httpx
from pydantic import Field, field_validator

from ingestion.connectors.base import SourceConfig, SourceItem, SourcesError, read_secret, relative_to
from ingestion.partition import SUPPORTED_SUFFIXES

log = logging.getLogger(__name__)
GONE = {404, 410}
MAX_REDIRECTS = 5
SILENT_PAGES = 3  # pages in a row that time out: the site stopped answering, not one slow page
STATE_FILE = "pages.json"


class WebSourceConfig(SourceConfig):
    type: Literal["web"] = "web"
    start_urls: list[str] = Field(min_length=1)
    allowed_prefixes: list[str] = Field(default_factory=list, description="URL prefixes the crawl may enter; "
                                        "default: the start URLs' scheme and host")
    prefix_groups: dict[str, list[str]] = Field(default_factory=dict, description="URL prefix → the groups that "
                                                "may read pages under it (the longest matching prefix wins)")
    sitemap: bool = True
    robots: bool = True
    max_depth: int = Field(3, ge=0)
    max_pages: int = Field(500, ge=1)
    user_agent: str = "PerimeterBot"
    timeout_s: float = Field(20.0, gt=0, description="a request the site leaves unanswered this long fails: on "
                             "robots.txt, the sitemap or a start URL, or on several pages in a row, the whole sync")
    header_name: str | None = Field(None, description="a header carrying the site's credentials (Authorization)")
    header_value_env: str | None = None
    header_value_file: Path | None = None

    @field_validator("start_urls", "allowed_prefixes")
    @classmethod
    def http_urls(cls, urls: list[str]) -> list[str]:
        for url in urls:
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise ValueError(f"'{url}' is not an http(s) URL")
        return urls

    @field_validator("prefix_groups")
    @classmethod
    def prefix_groups_valid(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        cls.http_urls(list(value))
        cleaned = {prefix: sorted({g.strip() for g in groups if g.strip()}) for prefix, groups in value.items()}
        empty = [p for p, g in cleaned.items() if not g]
        if empty:
            raise ValueError(f"prefix '{empty[0]}' needs at least one group")
        return cleaned

    def resolve_paths(self, base: Path) -> None:
        self.header_value_file = relative_to(base, self.header_value_file)

    def prefixes(self) -> list[str]:
        if self.allowed_prefixes:
            return self.allowed_prefixes
        return sorted({f"{urlsplit(u).scheme}://{urlsplit(u).netloc}/" for u in self.start_urls})

    def groups_for(self, url: str) -> tuple[str, ...]:
        matching = [p for p in self.prefix_groups if url.startswith(p)]
        return tuple(self.prefix_groups[max(matching, key=len)] if matching else self.groups)


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.hrefs += [v for k, v in attrs if k == "href" and v]


def page_links(url: str, html: str) -> list[str]:
    parser = _Links()
    parser.feed(html)
    return [urldefrag(urljoin(url, href))[0] for href in parser.hrefs]


def sitemap_urls(xml: bytes) -> list[str]:
    """The <loc> entries of a sitemap (a sitemap index's <loc> are further sitemaps, also returned)."""
    try:
        root = ElementTree.fromstring(xml)  # noqa: S314 (our own intranet's sitemap; no entity expansion in etree)
    except ElementTree.ParseError:
        return []
    return [el.text.strip() for el in root.iter() if el.tag.endswith("loc") and el.text]


@dataclass
class _Page:
    file: str
    etag: str = ""
    last_modified: str = ""


class WebConnector:
    def __init__(self, source: WebSourceConfig, workdir: Path):
        self.source = source
        self.workdir = workdir
        self.pages_dir = workdir / "pages"
        self.prefixes = source.prefixes()
        headers = {"User-Agent": source.user_agent}
        value = read_secret(source.name, "header_value", source.header_value_env, source.header_value_file)
        if source.header_name:
            if value is None:
                raise SourcesError(f"source '{source.name}': header_name needs header_value_env or "
                                   "header_value_file")
            headers[source.header_name] = value
        self.headers = headers
        self.robots: dict[str, RobotFileParser] = {}
        self.timeouts_in_a_row = 0

    def silent(self, url: str, exc: httpx.TimeoutException) -> SourcesError:
        """A site that accepts the connection and then says nothing fails the sync (keeping the index as it is)
        within `timeout_s`, where treating each page as failed would wait that long for every known page."""
        return SourcesError(f"source '{self.source.name}': {url} did not answer within {self.source.timeout_s:g} s "
                            f"(timeout_s; {type(exc).__name__}); the sync stopped, the index is unchanged")

    def allowed(self, url: str) -> bool:
        return any(url.startswith(p) for p in self.prefixes)

    def _robots_allow(self, client: httpx.Client, url: str) -> bool:
        if not self.source.robots:
            return True
        parts = urlsplit(url)
        site = f"{parts.scheme}://{parts.netloc}"
        if site not in self.robots:
            parser = RobotFileParser()
            try:
                answer = client.get(f"{site}/robots.txt")
                parser.parse(answer.text.splitlines() if answer.status_code == 200 else [])
            except httpx.TimeoutException as exc:
                raise self.silent(f"{site}/robots.txt", exc) from exc
            except httpx.HTTPError:
                parser.parse([])
            self.robots[site] = parser
        return self.robots[site].can_fetch(self.source.user_agent, url)

    def _seeds(self, client: httpx.Client) -> list[str]:
        seeds = [urldefrag(u)[0] for u in self.source.start_urls]
        if not self.source.sitemap:
            return seeds
        queue = [f"{p.rstrip('/')}/sitemap.xml" for p in
                 sorted({f"{urlsplit(u).scheme}://{urlsplit(u).netloc}" for u in self.source.start_urls})]
        seen: set[str] = set()
        while queue and len(seen) < 50:  # a sitemap index may name further sitemaps; a loop stops here
            sitemap = queue.pop(0)
            seen.add(sitemap)
            try:
                answer = client.get(sitemap)
            except httpx.TimeoutException as exc:
                raise self.silent(sitemap, exc) from exc
            except httpx.HTTPError:
                continue
            if answer.status_code != 200:
                continue
            for loc in sitemap_urls(answer.content):
                if loc.endswith(".xml") and loc not in seen:
                    queue.append(loc)
                elif self.allowed(loc):
                    seeds.append(urldefrag(loc)[0])
        return list(dict.fromkeys(seeds))

    def _load_state(self) -> dict[str, _Page]:
        path = self.workdir / STATE_FILE
        if not path.exists():
            return {}
        return {url: _Page(**page) for url, page in json.loads(path.read_text(encoding="utf-8")).items()}

    def _save_state(self, pages: dict[str, _Page]) -> None:
        path = self.workdir / STATE_FILE
        path.with_suffix(".tmp").write_text(json.dumps({u: p.__dict__ for u, p in pages.items()}), encoding="utf-8")
        path.with_suffix(".tmp").replace(path)

    def _fetch(self, client: httpx.Client, url: str, known: _Page | None) -> tuple[_Page | None, bool]:
        """The page's copy after asking the server (None: gone or not a document), and whether it still stands."""
        conditional: dict[str, str] = {}
        if known and (self.pages_dir / known.file).exists():
            conditional = {k: v for k, v in (("If-None-Match", known.etag),
                                             ("If-Modified-Since", known.last_modified)) if v}
        target = url
        try:
            for _ in range(MAX_REDIRECTS + 1):
                answer = client.get(target, headers=conditional)
                if not (answer.is_redirect and answer.next_request):
                    break
                # Redirects are followed by hand: the credentials header goes to allowed prefixes only, never to
                # a sign-in page or another site a redirect names.
                target = urldefrag(str(answer.next_request.url))[0]
                if not self.allowed(target):
                    if url in self.source.start_urls:
                        raise SourcesError(f"source '{self.source.name}': {url} redirects to {target}, outside the "
                                           "allowed prefixes (a sign-in page? check header_name and its value)")
                    return None, False
        except httpx.TimeoutException as exc:
            self.timeouts_in_a_row += 1
            if url in self.source.start_urls or self.timeouts_in_a_row >= SILENT_PAGES:
                raise self.silent(url, exc) from exc
            log.warning("web source %s: %s timed out; its last copy stays", self.source.name, url)
            return known, known is not None
        except httpx.HTTPError as exc:
            log.warning("web source %s: %s failed (%s); its last copy stays", self.source.name, url, exc)
            return known, known is not None
        self.timeouts_in_a_row = 0
        if answer.status_code == 304 and known:
            return known, True
        if answer.status_code in (401, 403) and url in self.source.start_urls:
            # Refused at the door: the credentials are wrong or expired. Failing keeps the index as it is, where
            # treating every page as gone would empty it.
            raise SourcesError(f"source '{self.source.name}': {url} refused the crawler ({answer.status_code}); "
                               "check header_name and its value")
        if answer.status_code in GONE or answer.status_code in (401, 403):  # gone, or no longer the crawler's
            return None, False
        if answer.status_code != 200:
            log.warning("web source %s: %s answered %s; its last copy stays", self.source.name, url,
                        answer.status_code)
            return known, known is not None
        media = answer.headers.get("content-type", "text/html").split(";")[0].strip().lower()
        suffix = ".html" if media in ("text/html", "application/xhtml+xml") else mimetypes.guess_extension(media)
        if not suffix or suffix not in SUPPORTED_SUFFIXES:
            return None, False
        page = _Page(hashlib.sha256(url.encode()).hexdigest()[:32] + suffix, answer.headers.get("etag", ""),
                     answer.headers.get("last-modified", ""))
        self.pages_dir.mkdir(parents=True, exist_ok=True)
        temporary = self.pages_dir / (page.file + ".part")
        temporary.write_bytes(answer.content)
        temporary.replace(self.pages_dir / page.file)
        return page, True

    def items(self) -> Iterator[SourceItem]:
        known = self._load_state()
        found: dict[str, _Page] = {}
        with httpx.Client(headers=self.headers, timeout=self.source.timeout_s, follow_redirects=False) as client:
            queue = deque((url, 0) for url in self._seeds(client))
            queued = {url for url, _ in queue}
            while queue and len(found) < self.source.max_pages:
                url, depth = queue.popleft()
                if not self.allowed(url) or not self._robots_allow(client, url):
                    continue
                page, standing = self._fetch(client, url, known.get(url))
                if not standing or page is None:
                    continue
                found[url] = page
                if depth >= self.source.max_depth or not page.file.endswith(".html"):
                    continue
                html = (self.pages_dir / page.file).read_text(encoding="utf-8", errors="replace")
                for link in page_links(url, html):
                    if link not in queued and self.allowed(link):
                        queued.add(link)
                        queue.append((link, depth + 1))
        for url, page in known.items():  # copies of pages that left the site are removed with them
            if url not in found and page.file not in {p.file for p in found.values()}:
                (self.pages_dir / page.file).unlink(missing_ok=True)
        self._save_state(found)
        for url, page in sorted(found.items()):
            yield SourceItem(uri=url, path=self.pages_dir / page.file, groups=self.source.groups_for(url),
                             location=url)


CONFIG = WebSourceConfig


def connect(source: WebSourceConfig, workdir: Path) -> WebConnector:
    return WebConnector(source, workdir)
