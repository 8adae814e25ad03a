"""What sits in quotation marks without being anybody's words.

Titles ('Saturday Night Live', 'Law and Order'), names of works after a word that announces one
('son livre « … »', 'the film "…"'), scare quotes (a few words without a verb, a sentence end
or anybody saying them: 'la « sobriété heureuse »'), names quoted again and again ('les
« gilets jaunes »') and subheadings that scraping ran into the text.
"""

from __future__ import annotations

import re
from functools import lru_cache

from streams.nlp.quotes.article_index import END_PUNCT, ArticleIndex
from streams.nlp.quotes.attributor import QuoteCandidate
from streams.nlp.quotes.lexicon import CueLexicon
from streams.nlp.quotes.quote_marks import SPACE_CHARS

__all__ = [
    "after_work_word",
    "is_heading_line",
    "is_inline_heading",
    "is_numbered_name",
    "listed_terms",
    "is_repeated_name",
    "is_scare_quote",
    "is_title",
    "repeated_names",
    "word_count",
]

_WORD_RE = re.compile(r"\w")
# Scripts written without spaces between words (Chinese, Japanese, Thai, Lao, Khmer, Myanmar,
# Tibetan): their words cannot be counted by spaces.
_NO_SPACE_RE = re.compile("[\u0e00-\u0eff\u0f00-\u0fff\u1000-\u109f\u1780-\u17ff"
                          "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
                          "\U00020000-\U0002fa1f]")


def _no_space_chars(text: str) -> int:
    return len(_NO_SPACE_RE.findall(text))


CACHED_TEXT_CHARS = 1000
"""word_count remembers texts up to this long: a quote's words are counted by several rules, but
an unclosed mark can make a "quote" of a whole body, which the cache must not keep."""


def word_count(text: str) -> int:
    """Words by spaces; a run in a script without spaces counts about one word per 1.3
    characters (so four characters already make a short sentence)."""
    return _word_count_cached(text) if len(text) <= CACHED_TEXT_CHARS else _word_count(text)


@lru_cache(maxsize=4096)
def _word_count_cached(text: str) -> int:
    return _word_count(text)


def _word_count(text: str) -> int:
    if not _NO_SPACE_RE.search(text):  # the common case: one scan for the whole text
        return sum(1 for word in text.split() if _WORD_RE.search(word))
    count = 0
    for word in text.split():
        no_space = _no_space_chars(word)
        if no_space:
            count += max(1, 3 * no_space // 4)
        elif _WORD_RE.search(word):
            count += 1
    return count


def is_title(text: str, lex: CueLexicon | None) -> bool:
    """'Saturday Night Live', 'Law and Order': capitalised words, no sentence punctuation."""
    stripped = text.rstrip(SPACE_CHARS + ".,")
    if not stripped or stripped[-1] in END_PUNCT:
        return False
    words = [word.strip("()[]'’\"“”«»,;:") for word in stripped.split()]
    words = [word for word in words if word and _WORD_RE.search(word)]
    if not words or len(words) > 10:
        return False
    function_words = lex.function_words if lex is not None else frozenset()
    return all(word[0].isupper() or word[0].isdigit() or word.lower() in function_words for word in words) and (
        words[0][0].isupper() or words[0][0].isdigit()
    )


def after_work_word(article: ArticleIndex, lex: CueLexicon, quote: QuoteCandidate) -> bool:
    """'son livre « … »', 'the film "…"', 'le groupe Facebook « … »', 'calling themselves the
    "…"': a work's or a group's name, not words."""
    if word_count(article.body[quote.start:quote.end]) > 12 or not article.token_count:
        return False
    doc = article.doc
    i = article.token_at(quote.span.open_at) - 1
    while i >= 0 and (doc[i].is_space or doc[i].text in (",", ":")):
        i -= 1
    if i >= 0 and not article.in_quote[i] and doc[i].lower_ in lex.determiners:
        i -= 1  # 'the "red scarves"'
    for _ in range(_PLATFORM_WORDS):  # 'le groupe Facebook « … »': a platform's name in between
        if i > 0 and doc[i].text[:1].isupper() and not article.in_quote[i] and doc[i - 1].text[:1].islower():
            i -= 1
    if i < 0 or article.in_quote[i]:
        return False
    if doc[i].lower_ in lex.work_words:
        return True
    # 'calling themselves the "red scarves"', 'a group called "…"', but not 'a dit « nous partons »'
    # (a name has no verb) nor 'which he called "a cartel"' (someone's words: the verb has a subject)
    naming = doc[i]
    if naming.lower_ not in lex.naming_words or "Fin" in naming.morph.get("VerbForm") or any(
            c.dep_.startswith("nsubj") for c in naming.children):
        return False
    return not any(doc[j].pos_ in ("VERB", "AUX") for j in article.token_range(quote.start, quote.end))


_PLATFORM_WORDS = 2


def is_scare_quote(article: ArticleIndex, quote: QuoteCandidate, text: str) -> bool:
    """A few words without a verb, no sentence end and nobody saying them: 'la « sobriété
    heureuse »', 'the "so-called elites"'."""
    if word_count(text) > 4 or text.rstrip()[-1:] in END_PUNCT or not article.has_pos:
        return False
    if _no_space_chars(text) >= 4:
        return False  # a sentence in a script the parser does not know
    return not any(article.doc[i].pos_ in ("VERB", "AUX") for i in article.token_range(quote.start, quote.end))


def _name_key(text: str) -> str:
    """'Gilets jaunes', 'gilet jaune' -> one key: case and plural -s/-x set aside."""
    words = re.findall(r"\w+", text.casefold())
    return " ".join(word[:-1] if len(word) > 3 and word[-1] in "sx" else word for word in words)


def repeated_names(body: str, candidates: list[QuoteCandidate]) -> set[str]:
    """Keys of the short phrases an article quotes more than once, or also writes without
    quotation marks: a movement, a slogan used as a name ('les « gilets jaunes »'), not
    anybody's words each time."""
    counts: dict[str, int] = {}
    for quote in candidates:
        text = body[quote.start:quote.end]
        if 2 <= word_count(text) <= 4 and text.rstrip()[-1:] not in END_PUNCT:
            key = _name_key(text)
            counts[key] = counts.get(key, 0) + 1
    if not counts:
        return set()
    unquoted = f" {_name_key(_outside_quotes(body, candidates))} "  # padded once, not per key
    return {key for key, count in counts.items() if count > 1 or f" {key} " in unquoted}


def _outside_quotes(body: str, candidates: list[QuoteCandidate]) -> str:
    parts, at = [], 0
    for quote in sorted(candidates, key=lambda q: q.span.open_at):
        parts.append(body[at:quote.span.open_at])
        at = max(at, quote.span.close_at + 1 if quote.span.close_at is not None else quote.end)
    parts.append(body[at:])
    return " ".join(parts)


def is_repeated_name(body: str, quote: QuoteCandidate, names: set[str]) -> bool:
    return _name_key(body[quote.start:quote.end]) in names


def _whole_span(body: str, quote: QuoteCandidate) -> bool:
    """The quote is everything between its two marks (not a piece cut around an incise)."""
    span = quote.span
    if span.close_at is None:
        return False
    inside = body[span.open_at + 1:span.close_at].strip(SPACE_CHARS + ",")
    return body[quote.start:quote.end].strip(SPACE_CHARS + ",") == inside


def is_heading_line(body: str, paragraph: tuple[int, int], quote: QuoteCandidate) -> bool:
    """'\n« Aspirations légitimes »\n': a few words in marks, alone on their line and not ending
    a sentence, head a section; they are not anybody's words."""
    span = quote.span
    if not _whole_span(body, quote):
        return False
    text = body[span.open_at + 1:span.close_at].strip(SPACE_CHARS)
    if word_count(text) > 8 or text[-1:] in END_PUNCT or text[-1:] in ",;:":
        return False
    line = body[paragraph[0]:paragraph[1]].strip(SPACE_CHARS + "\n")
    return line == body[span.open_at:span.close_at + 1].strip(SPACE_CHARS)


# Roman numerals (II, VIII, XIV) and numbers: 'l'« acte VIII »', 'the "act 11"' name an event.
_NUMBER_RE = re.compile(r"^(?:[IVXLC]{2,6}|[VX]|\d+(?:[.,]\d+)?)$")  # not "I": the pronoun of "I love you"


def is_numbered_name(article: ArticleIndex, quote: QuoteCandidate) -> bool:
    """Two or three words, one of them a number or a Roman numeral, no sentence end: the name of
    an event or a thing ('l'« acte V »', 'the "act 11" protests'), not words anybody says."""
    text = article.body[quote.start:quote.end]
    if text.rstrip(SPACE_CHARS)[-1:] in END_PUNCT:
        return False
    words = [word.strip(".,;:!?()") for word in re.split(r"[\s'’]+", text) if word.strip(".,;:!?()")]
    return 2 <= len(words) <= 3 and any(_NUMBER_RE.match(word) for word in words)


# What may stand between the items of a list of marked terms: commas, 'ou', 'et', 'or', and a
# word or two set off by commas ('« A » ou, plus original, « B »').
_LIST_CONJUNCTIONS = frozenset({"ou", "et", "voire", "ni", "encore", "or", "and", "nor", "even"})
_LIST_GLUE_WORDS = 3


def _is_list_glue(glue: str) -> bool:
    words = re.findall(r"[^\s,;]+", glue)
    others = [word for word in words if word.lower() not in _LIST_CONJUNCTIONS]
    if not others:
        return True
    joined = "," in glue or len(others) < len(words)
    return joined and len(others) <= _LIST_GLUE_WORDS and all(word.isalpha() and word.islower() for word in others)


_LIST_ITEMS = 3
_LIST_ITEM_WORDS = 10


def listed_terms(body: str, candidates: list[QuoteCandidate]) -> set[int]:
    """Positions (in `candidates`) of quotes that are items of a list of three or more marked
    terms, one after the other with only commas or a conjunction between them: charges
    ('« outrage », « rébellion » ou « port d'armes »'), brand names, slogans used as names."""
    ordered = sorted(range(len(candidates)), key=lambda k: candidates[k].span.open_at)
    listed: set[int] = set()
    run: list[int] = []

    def close_run() -> None:
        if len(run) >= _LIST_ITEMS:
            listed.update(run)
        run.clear()

    for k in ordered:
        quote = candidates[k]
        text = body[quote.start:quote.end]
        if word_count(text) > _LIST_ITEM_WORDS or text.rstrip(SPACE_CHARS)[-1:] in END_PUNCT:
            close_run()
            continue
        if run:
            previous = candidates[run[-1]].span
            glue = body[previous.close_at + 1:quote.span.open_at] if previous.close_at is not None else "?"
            if not _is_list_glue(glue):
                close_run()
        run.append(k)
    close_run()
    return listed


def is_inline_heading(article: ArticleIndex, quote: QuoteCandidate) -> bool:
    """'… réuni 136 000 personnes. «Conscience collective» «Tout a changé…»': a section
    subheading that scraping ran into the text, in quotation marks: a few words standing
    between the end of one sentence and the start of the next, with no punctuation of their own."""
    body, span = article.body, quote.span
    if not _whole_span(body, quote):
        return False
    text = body[span.open_at + 1:span.close_at].strip(SPACE_CHARS)
    last = text[-1:]
    if word_count(text) > 8 or not last or last in END_PUNCT or last in ",;:":
        return False
    before = body[max(0, span.open_at - 3):span.open_at].rstrip(SPACE_CHARS)
    if before and before[-1] not in END_PUNCT and before[-1] not in "»”\"":
        return False
    after = body[span.close_at + 1:span.close_at + 4].lstrip(SPACE_CHARS)
    return bool(after) and (after[0].isupper() or after[0] in "«“\"")
