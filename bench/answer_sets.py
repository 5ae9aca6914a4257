"""The question sets `python -m bench.answer --questions NAME` can ask, each with the index its questions are about.

- `samples` (the default): samples/questions.jsonl about samples/acme, ingested afresh into the run's data dir. A
  question's keywords are its `answer_keywords` (each a case-insensitive substring of the answer's points and
  conclusion; recall is the share found); its gold documents are `expected_sources` (file names).
- `longdocs`: the questions of the long-documents benchmark (bench/data/longdocs_{en,zh}.jsonl) about its one mixed
  index of the Python 3.11 documentation and the Chinese man pages, built by bench.longdocs (or reused from its cache
  in var/bench-cache/longdocs/) and copied into the run's data dir, so the run's own files (audit log, feedback)
  never land in the cache. A question's keyword is its `expected` fact (questions without one count for every other
  metric, not for keywords; see `fact_found` for how it is matched; an option counts in any spelling its gold page
  lists it under, `option_synonyms`); its gold documents are `gold_docs`, a man page
  dropped as an alias counting as the page kept (bench.longdocs.man_aliases), and a source's document is its URI,
  which for these relative sources is the index's `source` metadata, the id bench.longdocs ranks by.
"""
from __future__ import annotations

import re
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import unquote

from ingestion.documents import ATTACHMENT_MARK
from ingestion.embedder import Embedder
from services.settings import Settings


@dataclass(frozen=True)
class BenchQuestion:
    id: str
    text: str
    label: str  # shown beside the id: the language, and for longdocs the style
    keywords: tuple[str, ...]  # the facts its answer should hold
    gold: frozenset[str]  # the documents a citation should name (QuestionSet.doc_of's ids)


@dataclass
class QuestionSet:
    name: str
    default_limit: int
    sample: Callable[[int], list[BenchQuestion]]  # the N questions the metrics are measured on
    timed: Callable[[int], list[BenchQuestion]]  # the N questions timed against the model server directly
    doc_of: Callable[[dict], str]  # a source of the API's answer -> its document id
    recall: Callable[[dict, BenchQuestion], float | None]  # keyword recall of an answer; None: nothing to check
    note: str = ""  # printed before the questions (how the index was made)


def answer_text(out: dict) -> str:
    """What keywords are looked for in: the answer's points and its conclusion (not its quotes or evidence, which
    are the sources' words)."""
    answer = out["answer"]
    return " ".join([p["text"] for p in answer["points"]] + [answer["conclusion"]])


# ----------------------------------------------------------------------------------------------------- samples

def sample_name(uri: str) -> str:
    """A source's name as samples/questions.jsonl's `expected_sources` give it: the file name; for a mail's
    attachment the mail's file name, then #attachment/N/NAME."""
    path, mark, attachment = unquote(uri).partition(ATTACHMENT_MARK)
    return path.rsplit("/", 1)[-1] + mark + attachment


def samples(settings: Settings, embedder: Embedder) -> tuple[QuestionSet, Settings]:
    from services.components import run_ingest
    from tests.conftest import SAMPLES, load_questions

    run_ingest(settings, [SAMPLES], embedder=embedder)
    questions = [BenchQuestion(q["id"], q["question"], q["lang"], tuple(q["answer_keywords"]),
                               frozenset(q["expected_sources"])) for q in load_questions()]

    def recall(out: dict, q: BenchQuestion) -> float:
        text = answer_text(out).lower()
        return sum(k.lower() in text for k in q.keywords) / len(q.keywords) if q.keywords else 1.0

    return QuestionSet(
        "samples", 25,
        sample=lambda n: questions[:: max(1, len(questions) // max(1, n))][:n],  # en and zh alike
        timed=lambda n: questions[:n],
        doc_of=lambda source: sample_name(source["uri"]),
        recall=recall), settings


# ----------------------------------------------------------------------------------------------------- longdocs

# An expected fact is code-like when it is an option (starts with "-"), holds code punctuation, or has a capital
# after its first letter (DictReader, TERM, funcName, None and False).
_CODE_PUNCT = re.compile(r"[_.()'\"=+/`]")
_TOKEN = "A-Za-z0-9_-"  # characters that continue an identifier or an option


def is_code_like(expected: str) -> bool:
    return expected.startswith("-") or bool(_CODE_PUNCT.search(expected)) or any(c.isupper() for c in expected[1:])


def fact_pattern(expected: str) -> re.Pattern[str]:
    """How an `expected` fact is found in an answer. Always as a whole token: no letter, digit, "_" or "-" of the
    answer may continue it where its own end is one (so `-t` is not found in `-type` nor `30` in `300`, `TERM` not in
    `terminate`, `force` not in `enforce`); Chinese text around it is no boundary to need. Runs of spaces match any
    whitespace. Prose (`main thread`, `Day of the year`, `getenv`) ignores case, as the sample questions' keywords do.
    Code-like facts keep their case (`-R` and `-r` are different options of vim; `TERM` is a signal's name) and a
    quote in them may be either Python quote (`nargs='+'` or `nargs="+"`, `newline=''` or `newline=""`): the same
    literal. Nothing else is loosened: a bare `+`, `breakpoint` without its `()`, `return` for `r(eturn)` or
    typographic quotes do not count."""
    code = is_code_like(expected)
    parts: list[str] = []
    for char in expected.strip():
        if char.isspace():
            if parts[-1] != r"\s+":
                parts.append(r"\s+")
        elif code and char in "'\"":
            parts.append("['\"]")
        else:
            parts.append(re.escape(char))
    token = re.compile(f"[{_TOKEN}]")
    left = f"(?<![{_TOKEN}])" if token.match(expected.strip()[0]) else ""
    right = f"(?![{_TOKEN}])" if token.match(expected.strip()[-1]) else ""
    return re.compile(left + "".join(parts) + right, 0 if code else re.IGNORECASE)


def fact_found(out: dict, expected: str, synonyms: tuple[str, ...] = ()) -> bool:
    text = answer_text(out)
    return any(fact_pattern(fact).search(text) is not None for fact in (expected, *synonyms))


_OPTION = re.compile(r"-{1,2}[A-Za-z0-9?][A-Za-z0-9_-]*")


def option_synonyms(expected: str, gold_texts: list[str]) -> tuple[str, ...]:
    """The other spellings a gold page gives an expected option on the line that lists it: `ls -h` answers "which
    option prints human-readable sizes" as well as `--human-readable`, and the man page says so itself ("-h,
    --human-readable"). Only the comma-separated options a line starts with (before its description); nothing for a
    fact that is not an option."""
    if not expected.startswith("-"):
        return ()
    found: list[str] = []
    for text in gold_texts:
        for line in text.splitlines():
            head = re.split(r"\s{2,}|\t", line.strip(), maxsplit=1)[0]
            if not head.startswith("-"):
                continue
            names = [m.group(0) for item in head.split(",") if (m := _OPTION.match(item.strip()))]
            if expected in names:
                found += [n for n in names if n != expected and n not in found]
    return tuple(found)


# Strata in the order their first seats are given (so `--limit 2` asks one English and one Chinese question):
# (the document's corpus, style, asked in the other language).
STRATA = [("en", "direct", False), ("zh", "direct", False), ("en", "employee", False), ("zh", "employee", False),
          ("zh", "direct", True), ("en", "direct", True), ("zh", "employee", True), ("en", "employee", True)]


def stratified(questions: list, n: int) -> list:
    """A fixed sample of `n` bench.longdocs Questions: one seat for each stratum (STRATA's order) while `n` lasts,
    the rest given in proportion to the strata's sizes (Sainte-Laguë, ties in STRATA's order); within a stratum the
    questions that carry an `expected` fact first (keywords are measured on them), evenly spaced in file order, then
    those without. Returned round-robin over the strata, so any prefix mixes them too."""
    groups = {s: [q for q in questions if (q.corpus, q.style, q.cross_language) == s] for s in STRATA}
    seats = {s: 0 for s in STRATA}
    for s in STRATA[:n]:
        seats[s] = min(1, len(groups[s]))
    while sum(seats.values()) < min(n, len(questions)):
        open_strata = [s for s in STRATA if seats[s] < len(groups[s])]
        seats[max(open_strata, key=lambda s: len(groups[s]) / (2 * seats[s] + 1))] += 1
    picks = {s: _spread(groups[s], k) for s, k in seats.items()}
    return [picks[s][r] for r in range(max(seats.values(), default=0)) for s in STRATA if r < seats[s]]


def _spread(group: list, k: int) -> list:
    with_fact = [q for q in group if q.expected]
    rest = [q for q in group if not q.expected]
    if k <= len(with_fact):
        return [with_fact[i * len(with_fact) // k] for i in range(k)]
    more = k - len(with_fact)
    return with_fact + [rest[i * len(rest) // more] for i in range(more)]


def longdocs(settings: Settings, embedder: Embedder) -> tuple[QuestionSet, Settings]:
    from bench.cache import CachedEmbedder
    from bench.longdocs import as_today, build_index, default_index_name, load_questions, man_aliases
    from bench.longdocs_corpus import have_corpora, load_corpus

    missing = have_corpora()
    if missing:
        raise SystemExit(f"bench.answer --questions longdocs: {missing}")
    started = time.time()
    corpus = load_corpus()
    default = Settings()  # the index Perimeter's default settings search in bench.longdocs (its RESULT row)
    headings = default.ingestion.embed_headings
    index = build_index(default_index_name(default), corpus, CachedEmbedder(embedder, "longdocs"), titles=as_today,
                        rebuild=False, embed_headings=headings)
    shutil.copytree(index.settings.storage.data_dir, settings.storage.data_dir, dirs_exist_ok=True)
    settings = settings.with_values(collection=index.settings.storage.collection, embed_headings=headings)
    everything = load_questions(man_aliases(corpus))
    by_id = {q.id: q for q in everything}

    def asked(qs: list) -> list[BenchQuestion]:
        return [BenchQuestion(q.id, q.text, f"{q.language}, {q.style}{', other language' if q.cross_language else ''}",
                              (q.expected,) if q.expected else (), frozenset(q.gold)) for q in qs]

    paths = {doc: path for _, doc, path in corpus.docs}
    synonyms = {q.id: option_synonyms(q.expected, [paths[d].read_text(encoding="utf-8") for d in q.gold if d in paths])
                for q in everything if q.expected}

    def recall(out: dict, q: BenchQuestion) -> float | None:
        return float(fact_found(out, q.keywords[0], synonyms.get(q.id, ()))) if q.keywords else None

    note = (f"long-documents index '{index.name}' ({index.built}; ready in {time.time() - started:.0f} s, "
            f"0 to embed when cached), {len(by_id)} questions")
    return QuestionSet(
        "longdocs", 30,
        sample=lambda n: asked(stratified(everything, n)),
        timed=lambda n: asked(stratified(everything, n)),
        doc_of=lambda source: source["uri"],
        recall=recall, note=note), settings


QUESTION_SETS: dict[str, Callable[[Settings, Embedder], tuple[QuestionSet, Settings]]] = {
    "samples": samples, "longdocs": longdocs}
