"""Cleaning the model's spans: trimmed to the name proper, metadata and false names dropped.

spaCy's small models tag noise (elided "n'", headings, verbs at sentence start, web addresses) and
include articles, titles and punctuation in spans ("l'OTAN", "Mr. Smith,").
"""

from __future__ import annotations

import functools
import re
from bisect import bisect_right

from spacy.tokens import Doc, Span, Token

from streams.nlp.entities.aliases import alias_key
from streams.nlp.entities.name_shapes import given_names, initials, looks_like_demonym
from streams.nlp.entities.records import Tokens
from streams.nlp.entities.scan import clause_starts, line_breaks, matches_at, starts_of
from streams.nlp.entities.vocabulary import (
    ABBREVIATION_END,
    ADJECTIVE_DEMONYM_ENDING,
    AGENCY_CREDIT,
    AGENCY_CREDIT_BRACKETS,
    BYLINE,
    COMMON_CAPITAL_KEYS,
    COURTESY_TITLE,
    COURTESY_TITLE_WORDS,
    ELISION,
    FRENCH_COURTESY_TITLE,
    FUNCTION_WORDS,
    INSIDE_NAME_WORDS,
    LEADING_ARTICLE,
    LOWER_CASE_OPENERS,
    NAME_PARTICLES,
    PERSON_TITLES,
    SIGN_OFF,
    STANCE,
    TIME_ZONE,
    TRAILING_WORDS,
    WEEKDAYS,
)

_ARTICLES_CAPITALISED = frozenset({"le", "la", "les", "l'", "the", "un", "une", "a", "an"})
_POSSESSIVE = re.compile(r"['\u2019]s?$")
_TRAIL_PUNCT = " \t\n,;:!?\"'\u2019\u00ab\u00bb\u201c\u201d()[]{}\u2013\u2014-/*"
_LEAD_PUNCT = " \t\n,;:!?.\"'\u2019\u00ab\u00bb\u201c\u201d()[]{}\u2013\u2014-/*"
_WEBLIKE = re.compile(r"@|https?:|www\.|\w\.(?:com|org|net|mw|fr|de|uk|io|info|int)\b|#", re.IGNORECASE)
_WEB_MARKS = "@:.#"  # one of them is in every _WEBLIKE match
_RUN_ON_SENTENCE = re.compile(r"(?<=[A-Za-zÀ-ÿ]{2})\.(?=[A-ZÀ-Ý][a-zà-ÿ])")  # "AFP.Ce": scraped paragraphs run together
_SCORE = re.compile(r"\s+\d{1,2}\s?[-:\u2013]\s?\d{1,2}$")  # "Montpellier 2-1": a match score, not the name
# A dateline's agency credit: "BRUSSELS (Demo Wire) —", "PARIS (AFP) -" opening the body or a paragraph.
_DATELINE_CREDIT = re.compile(r"(?:^|\n)[A-ZÀ-Ý][A-ZÀ-Ý .,'\u2019-]{1,40}\s*(\([^()\n]{1,40}\))\s*[\u2014\u2013-]")
_ACRONYM_DEFINED = re.compile(r"((?:[\w-]+,?\s+){1,10})\(([A-Z]{2,8})\)")
_ACRONYM_BRACKET = re.compile(r"\([A-Z]{2,8}\)")  # where an _ACRONYM_DEFINED match ends


def trim(text: str, start: int, end: int, language: str) -> tuple[int, int]:
    """Shrink [start, end) of text to the name proper: no elided article, 'the', punctuation, 's."""
    if not 0 <= start < end <= len(text):
        return _trim(text, start, end, language)
    cut_start, cut_end = _trimmed(text[start:end], language)
    return start + cut_start, start + cut_end


@functools.lru_cache(maxsize=1 << 16)
def _trimmed(span: str, language: str) -> tuple[int, int]:
    """trim of a whole string: the trim reads nothing outside its span, and a long body gives the
    same names thousands of times, so each is trimmed once."""
    return _trim(span, 0, len(span), language)


def _trim(text: str, start: int, end: int, language: str) -> tuple[int, int]:
    changed = True
    while changed and start < end:
        changed = False
        span = text[start:end]
        stripped = span.lstrip(_LEAD_PUNCT)
        if stripped != span:
            start += len(span) - len(stripped)
            changed = True
            continue
        match = ELISION.match(span) if language != "en" or span[:2].lower() in ("l'", "d'") else None
        if match and end - start > match.end():
            start += match.end()
            changed = True
            continue
        match = (LEADING_ARTICLE.match(span) or COURTESY_TITLE.match(span)
                 or (FRENCH_COURTESY_TITLE.match(span) if language == "fr" else None))
        if match and end - start > match.end():
            start += match.end()
            changed = True
            continue
        match = _POSSESSIVE.search(span)
        if match and match.start() > 0 and language == "en":
            end = start + match.start()
            changed = True
            continue
        zone = TIME_ZONE.search(span)
        if zone:
            end = start + zone.start()
            changed = True
            continue
        rstripped = span.rstrip(_TRAIL_PUNCT)
        if rstripped.endswith(".") and not ABBREVIATION_END.search(rstripped):
            rstripped = rstripped[:-1]
        if rstripped != span:
            end = start + len(rstripped)
            changed = True
    return start, end


def refine(doc: Doc, text: str, start: int, end: int, type_: str, language: str,
           places: dict[str, int], tokens: Tokens | None = None) -> tuple[int, int]:
    """Boundary fixes the trim cannot see: an unclosed "(", trailing function words and scores,
    "pro-"/"anti-" prefixes, and role words, demonyms or sentence-initial verbs before a person's
    name ("Following Mubarak", "Superintendent Shekhar Prabhudessai", "Estonian Herman Simm")."""
    if type_ == "PER":  # bodies and places joined by a hyphen are pairs or adjectives ("US-German")
        start, end = hyphen_joined(text, start, end)
    for _ in range(4):
        before = (start, end)
        span = text[start:end]
        open_at = span.find("(")
        if open_at > 0 and ")" not in span[open_at:]:
            end = start + open_at
        span = text[start:end]
        stance = STANCE.match(span) if "-" in span else None  # the patterns' own characters first: cheaper
        if stance:
            start += stance.end()
        run_on = _RUN_ON_SENTENCE.search(text, start, end) if text.find(".", start, end) >= 0 else None
        if run_on:
            end = run_on.start()
        score = _SCORE.search(text[start:end]) if _ends_in_digit(text[start:end]) else None
        if score:
            end = start + score.start()
        words = text[start:end].split()
        # a preposition left by that strip is no particle outside a person's name: "centre spatial
        # [de Toulouse]" is Toulouse, "de Gaulle" keeps its "de"
        preposition = (language == "fr" and type_ != "PER" and len(words) >= 2
                       and words[0] in ("de", "du", "des") and words[1][:1].isupper())  # "de la X": french_fragment
        if (len(words) >= 2 and words[0][:1].islower() and (words[0] not in LOWER_CASE_OPENERS or preposition)
                and not any(c.isupper() for c in words[0]) and "'" not in words[0]):
            start = start + text[start:end].find(words[1], len(words[0]))  # "ministre russe des Affaires..."
            words = words[1:]
        last_cf = words[-1].casefold().strip(".,") if len(words) >= 2 else ""
        if last_cf in _TRAILING or (
                last_cf in WEEKDAYS and words[-2].casefold() not in NAME_PARTICLES):
            end = start + text[start:end].rstrip().rfind(words[-1])  # "Crédit Agricole mardi", not "Journal du dimanche"
        words = text[start:end].split()
        if type_ != "PER" and len(words) >= 2 and alias_key(words[-1]) in PERSON_TITLES and _person_follows(doc, start, end):
            end = start + text[start:end].rstrip().rfind(words[-1])  # "[Fed] Chair Jerome Powell"
            continue
        if type_ == "PER":
            words = text[start:end].split()
            if len(words) >= 2:
                first = words[0]
                key = alias_key(first)
                drop = (first[:1].islower() and (first.casefold() not in NAME_PARTICLES or len(words) >= 3
                                                 and words[1] in given_names())  # "[de] François Bayrou"
                        or key in PERSON_TITLES or key.rstrip("s") in PERSON_TITLES
                        or looks_like_demonym(key, places) and len(words) >= 3
                        and ADJECTIVE_DEMONYM_ENDING.search(key) is not None)  # "Russian ...", not "George W. Bush"
                if not drop:
                    tok = _token_of(doc, start, start + len(first), tokens)
                    drop = (tok is not None and tok.tag_ == "VBG"
                            and (tok.is_sent_start or tok.i == 0 or doc[tok.i - 1].is_punct))
                if drop:
                    start = start + text[start:end].find(words[1], len(first))
        start, end = trim(text, start, end, language)
        if (start, end) == before or end <= start:
            break
    return start, end


def _token_of(doc: Doc, start: int, end: int, tokens: Tokens | None) -> Token | None:
    """The one token that is [start, end) exactly (doc.char_span's, if one long), or None; with
    ``tokens`` (the doc's) found by bisection in their offsets, no Span made."""
    if tokens is None:
        inner = doc.char_span(start, end)
        return inner[0] if inner is not None and len(inner) == 1 else None
    i = bisect_right(tokens.idx, start) - 1
    return doc[i] if i >= 0 and tokens.idx[i] == start and len(tokens.orth[i]) == end - start else None


_TRAILING = TRAILING_WORDS | {"-", "\u2013", "/"}
_HYPHEN_AFTER = re.compile(r"-[A-ZÀ-Ý][^\W\d_]+")
_OPENS_LONGER = re.compile(r" [A-ZÀ-Ý]")
_HYPHEN_BEFORE = re.compile(r"[A-ZÀ-Ý][^\W\d_]+-$")


def _ends_in_digit(span: str) -> bool:
    """What _SCORE needs: a digit last, or before a final line break (``$``)."""
    return span[-1:].isdecimal() or span[-1:] == "\n" and span[-2:-1].isdecimal()


def hyphen_joined(text: str, start: int, end: int) -> tuple[int, int]:
    """A person's span the model cut at a hyphen ("M. [Son]-Forget", "Son-[Forget]") grown over the
    capitalised parts written onto it."""
    while True:
        after = _HYPHEN_AFTER.match(text, end)
        if after is None or not text[end - 1:end].isalpha() or _OPENS_LONGER.match(text, after.end()):
            break  # "Paris-[Saint Germain]": the part opens a longer name the span does not hold
        end = after.end()
    while start > 0 and text[start:start + 1].isupper():
        before = _HYPHEN_BEFORE.search(text, max(0, start - 30), start)
        if before is None or (before.start() > 0 and text[before.start() - 1].isalnum()):
            break
        start = before.start()
    return start, end


def _person_follows(doc: Doc, start: int, end: int) -> bool:
    """A person's name (as the model tags it) starts right after [start, end): "Chair [Jerome Powell]"."""
    span = doc.char_span(start, end, alignment_mode="expand")
    if span is None or span.end >= len(doc):
        return False
    after = doc[span.end]
    return after.idx - end <= 1 and after.ent_type_ in ("PERSON", "PER") and after.ent_iob_ == "B"


Spans = tuple[tuple[int, int], ...]


@functools.lru_cache(maxsize=4)
def _bylines_and_sign_offs(text: str) -> tuple[Spans, Spans]:
    """Where BYLINE and SIGN_OFF match, tried only where a clause starts (finditer's try at every
    character cost more than the rest of the metadata); kept for credited_names, which reads them too."""
    starts = clause_starts(text)
    return (tuple(m.span() for m in matches_at(BYLINE, text, starts)),
            tuple(m.span() for m in matches_at(SIGN_OFF, text, starts)))


@functools.lru_cache(maxsize=4)
def _agency_credits(text: str) -> Spans:
    """Where AGENCY_CREDIT matches, tried only at the brackets that may hold one (it backtracks hard)."""
    brackets = [at for at in starts_of(AGENCY_CREDIT_BRACKETS, text) if _few_credit_words(text, at)]
    return tuple(m.span() for m in matches_at(AGENCY_CREDIT, text, brackets))


_CREDIT_GAPS = re.compile(r"[\s,/;]+")
_CREDIT_MOST_WORDS = 6  # AGENCY_CREDIT's {1,6}


def _few_credit_words(text: str, at: int) -> bool:
    """Whether the bracket opened at ``at`` has few enough words for AGENCY_CREDIT: each word but a
    joining "and"/"et" takes one of its six repeats. A longer one ("(Reporting by X; Additional
    reporting by Y; Editing by Z)") cannot match, and trying it backtracked through every way to cut
    its words: 25 ms for one wire story."""
    inner = text[at + 1:text.find(")", at)]
    words = [w for w in _CREDIT_GAPS.split(inner) if w and w not in ("and", "et")]
    return len(words) <= _CREDIT_MOST_WORDS


def metadata_spans(text: str) -> list[tuple[int, int]]:
    """Character ranges of bylines, agency credits, datelines' credits and sign-offs ("Author: X (AFP, dpa)
    Editor: Y", "BRUSSELS (Reuters) —")."""
    bylines, sign_offs = _bylines_and_sign_offs(text)
    spans = [*bylines, *_agency_credits(text), *sign_offs]
    datelines = matches_at(_DATELINE_CREDIT, text, [0] + line_breaks(text))
    spans += [(m.start(1), m.end(1)) for m in datelines]  # the city stays a place
    return spans


_CREDIT_PARTS = re.compile(r"\s*(?:[,/;]|\band\b|\bet\b)\s*")
# staff initials right before a credit, as sign-offs vary: "slk, ncy/ai (AP)", "mkg/ (dpa)", "nm/ rc(AP)"
_INITIALS_BEFORE = re.compile(r"(?:^|\s)[a-z]{1,5}(?:\s*[,/]\s*[a-z]{0,5})+\s*$")


def credited_names(text: str) -> list[tuple[int, int]]:
    """Where the names of a bare bracketed credit are ("... nécessité. (afp/nxp)", "(Le Matin)"): the
    press's way to credit the agency or paper a story is from. A credit inside a byline or after a
    staff sign-off ("Author: X (AFP, dpa)", "mm/rc (AFP, dpa)") is the publisher's bookkeeping."""
    credits = _agency_credits(text)
    if not credits:
        return []
    bylines, sign_offs = _bylines_and_sign_offs(text)
    held = [*bylines, *sign_offs]
    out = []
    for start, end in credits:
        initials = _INITIALS_BEFORE.search(text, max(0, start - 40), start)
        if any(s <= start and end <= e for s, e in held) or initials and "/" in initials.group():
            continue
        inner_start = text.index("(", start) + 1
        inner_end = text.rindex(")", start, end)
        at = inner_start
        for sep in _CREDIT_PARTS.finditer(text, inner_start, inner_end):
            out.append((at, sep.start()))
            at = sep.end()
        out.append((at, inner_end))
    return [(s, e) for s, e in out if e > s]


def _is_heading_paragraph(doc: Doc, text: str, span: Span) -> bool:
    """True when the span sits in a short verbless line, like a section heading (text: doc.text)."""
    para_start = text.rfind("\n", 0, span.start_char) + 1
    para_end = text.find("\n", span.end_char)
    para_end = len(text) if para_end < 0 else para_end
    if para_end - para_start > 100:
        return False
    line = text[para_start:para_end].strip()
    if not line or line[-1] in ".!?:;\u00bb\"" or len(line.split()) > 8:
        return False
    para = doc.char_span(para_start, para_end, alignment_mode="expand")
    if para is None:
        return False
    return not any(t.pos_ in ("VERB", "AUX") for t in para)


_QUOTED_LINE = re.compile(r"[\"\u00ab\u201c]\s*([^\"\u00ab\u00bb\u201c\u201d\n]{2,60}?)\s*[\"\u00bb\u201d]")


def _after_opening_quote(text: str, line_start: int, start: int) -> bool:
    """Only spaces, an opening quote and spaces stand between the line's start and ``start``: what
    _QUOTED_LINE needs before the words it holds."""
    before = start
    while before > line_start and text[before - 1].isspace():
        before -= 1
    return before > line_start and text[before - 1] in _OPENING_QUOTES and (
        before - 1 == line_start or text[line_start:before - 1].isspace())


_OPENING_QUOTES = "\"\u00ab\u201c"


def _quoted_heading(text: str, start: int, end: int) -> bool:
    """A subheading made of a few quoted words ('"Mobilisation générale"', '« Gyros bleus »' alone on
    their line) that the span opens, the words after it in lower case: the press quotes a phrase as
    a heading, and its capital is the heading's, not a name's."""
    line_start = text.rfind("\n", 0, start) + 1
    if not _after_opening_quote(text, line_start, start):
        return False  # the line is not read for every span
    line_end = text.find("\n", end)
    line_end = len(text) if line_end < 0 else line_end
    line = text[line_start:line_end].strip()
    quoted = _QUOTED_LINE.fullmatch(line)
    if quoted is None or len(quoted.group(1).split()) > 4:
        return False
    inner_start = line_start + (len(text[line_start:line_end]) - len(text[line_start:line_end].lstrip())) + quoted.start(1)
    rest = text[inner_start:inner_start + len(quoted.group(1))].split()[1:]
    return start == inner_start and all(w[:1].islower() for w in rest)


# word -> whether it is punctuation or a space (lexical flags, the same in every vocab)
_BLANK: dict[str, bool] = {}


def _is_blank(doc: Doc, word: str) -> bool:
    blank = _BLANK.get(word)
    if blank is None:
        if len(_BLANK) >= 1 << 16:
            _BLANK.clear()  # bounded: a long-lived worker sees new words forever
        lexeme = doc.vocab[word]
        blank = _BLANK[word] = lexeme.is_punct or lexeme.is_space
    return blank


def _content(doc: Doc, span: Span, start: int, end: int, tokens: Tokens | None) -> tuple[int, Token | None]:
    """How many tokens of [start, end) (expanded to whole tokens; the span's if none) are neither
    punctuation nor space, and that token if only one is; with ``tokens`` (the doc's) the words are
    read there, a Token made only for a lone one."""
    if tokens is None:
        inner = doc.char_span(start, end, alignment_mode="expand")
        kept = [t for t in (inner if inner is not None else span) if not t.is_punct and not t.is_space]
        return len(kept), kept[0] if len(kept) == 1 else None
    ids = tokens.expanded(start, end)
    orth = tokens.orth
    kept_ids = [i for i in (range(span.start, span.end) if ids is None else ids) if not _is_blank(doc, orth[i])]
    return len(kept_ids), doc[kept_ids[0]] if len(kept_ids) == 1 else None


def is_noise(doc: Doc, body: str, span: Span, start: int, end: int, text: str, table_hit: bool,
             lower_words: frozenset[str], person_words: frozenset[str],
             inner_capitals: frozenset[str] = frozenset(), tokens: Tokens | None = None) -> bool:
    """General filters for spaCy-small false positives; table-known names are never noise (body:
    doc.text, text: the span's; tokens: the doc's, if read already)."""
    if table_hit:
        return False
    if not any(c.isalpha() for c in text) or len(text) < 2:
        return True
    if any(mark in text for mark in _WEB_MARKS) and _WEBLIKE.search(text):
        return True
    if not any(c.isupper() for c in text):  # "russe", "gouvernement": no proper noun
        return True
    words = text.split()
    if len(words) >= 3 and words[0].casefold() in _ARTICLES_CAPITALISED and not any(
            c.isupper() for c in " ".join(words[1:])):
        return True  # "Le club de la capitale": the sentence's capital only
    if alias_key(text) in COMMON_CAPITAL_KEYS:  # "l'Hexagone", "la République"
        return True
    if alias_key(words[0]) not in person_words and _quoted_heading(body, start, end):
        return True
    if text.casefold() in WEEKDAYS or text.casefold() in COURTESY_TITLE_WORDS:  # "Lundi, ...", "M." alone
        return True
    if text.casefold() in FUNCTION_WORDS or words[0].casefold() in FUNCTION_WORDS and len(words) == 1:
        return True
    count, tok = _content(doc, span, start, end, tokens)
    if not count:
        return True
    if tok is not None:
        if tok.pos_ in ("PRON", "DET", "ADP", "CCONJ", "SCONJ", "PART", "INTJ") or tok.is_stop:
            return True
        sentence_initial = tok.is_sent_start or tok.i == 0 or doc[tok.i - 1].is_punct
        if tok.pos_ in ("VERB", "AUX") and sentence_initial:
            return True
        if tok.pos_ in ("NOUN", "ADJ", "VERB") and _is_heading_paragraph(doc, body, span):
            return True
        if (sentence_initial and tok.text[1:].islower() and tok.text.lower() in lower_words
                and (tok.pos_ in ("NOUN", "ADJ", "ADV", "VERB") or span.label_ not in ("PERSON", "PER")
                     and alias_key(tok.text) not in person_words and tok.text not in inner_capitals)):
            return True  # the same word appears in lower case elsewhere: a common word ("Diesel is due")
        if (span.label_ in ("PERSON", "PER") and tok.text[1:].islower() and tok.text.lower() in lower_words
                and tok.text not in given_names() and alias_key(tok.text) not in person_words):
            return True  # "Flour", "Heroin" as a person, with "flour" and "heroin" in the text ("Jeremy Hunt" no)
    return False


def _acronym_definition_starts(text: str) -> list[int]:
    """Where an _ACRONYM_DEFINED match may begin: the first letters of the (up to ten) words that
    run up to a bracketed acronym. Its finditer tried every character, ten words each: seconds
    on a long English body."""
    starts: list[int] = []
    for bracket in _ACRONYM_BRACKET.finditer(text):
        at = bracket.start()
        for _ in range(10):  # back over "word,? spaces", as the pattern reads them forward
            space = at
            while space > 0 and text[space - 1].isspace():
                space -= 1
            word_end = space - 1 if space > 0 and text[space - 1] == "," else space
            word = word_end
            while word > 0 and (text[word - 1].isalnum() or text[word - 1] in "_-"):
                word -= 1
            if space == at or word == word_end:
                break
            starts.append(word)
            at = word
    return sorted(set(starts))


def common_noun_acronyms(text: str) -> tuple[frozenset[str], list[tuple[int, int]]]:
    """Acronyms the text defines by lower-case words, so that they name a thing, not an actor
    ("personal consumption expenditures (PCE)"), and where
    their defining words are. The defining words are the last ones before the bracket whose
    initials spell the acronym."""
    plain = set()
    spans = []
    for match in matches_at(_ACRONYM_DEFINED, text, _acronym_definition_starts(text)):
        acronym = match.group(2)
        words = [w.strip(",") for w in match.group(1).split()]
        for size in range(len(acronym), len(words) + 1):
            phrase = words[-size:]
            if initials(" ".join(phrase)) == acronym:
                content = [w for w in phrase if w.casefold() not in INSIDE_NAME_WORDS]
                if sum(w[:1].islower() for w in content) * 2 > len(content):
                    plain.add(acronym)
                    first_word = [w.start() for w in re.finditer(r"\S+", match.group(1))][-size]
                    spans.append((match.start(1) + first_word, match.end(1)))
                break
    return frozenset(plain), spans
