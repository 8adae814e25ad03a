"""Stage 1: check a raw article against its contract (streams.contracts) and normalise its text.

The published ``body`` keeps the writer's typography (NFC, typographic apostrophes, no-break
spaces); spaCy reads ``nlp_view(body)``, a string of exactly the same length where those
characters are replaced one-for-one, so every offset found by the NLP is an offset into
``body``.  Wire boilerplate (source and copyright lines, "contact us" footers, e-mail
protection artefacts, hashtag lines) is moved out of the body into ``boilerplate`` so that it
never reaches the NLP.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from streams.contracts import (
    DEFAULT_MAX_BODY_BYTES,
    ContractError,
    check_raw_article,
    primary_subtag,
)
from streams.runtime import codec
from streams.timestamps import to_rfc3339

# Fields the stages write: an input value for them would be overwritten or would corrupt the event.
RESERVED_FIELDS = frozenset({
    "dedup_key", "entities", "quotes", "topics", "enriched_at", "timings_ms", "models", "annotation",
    "boilerplate", "language_detected",
})

# The payload is not a usable raw article (streams.contracts); the message says why, in one line.
InvalidArticle = ContractError


@dataclass(frozen=True)
class NormalizeOptions:
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    default_language: str | None = None
    preferred_languages: tuple[str, ...] = ("fr", "en")


def decode_payload(payload: bytes | str | dict, *, max_body_bytes: int = DEFAULT_MAX_BODY_BYTES) -> Any:
    """Bytes off the wire -> the JSON value they hold, or InvalidArticle with a clear reason.
    Whether that value is a raw article is the contract's question (check_raw_article)."""
    if isinstance(payload, dict):
        return payload
    if isinstance(payload, str):
        payload = payload.encode("utf-8", "surrogatepass")
    if payload is None or len(payload) == 0:
        raise InvalidArticle("empty payload")
    # The whole message may hold headline and metadata too; allow a little beyond the body limit.
    if len(payload) > max_body_bytes + 64 * 1024:
        raise InvalidArticle(f"payload of {len(payload)} bytes exceeds the limit of {max_body_bytes} bytes")
    if payload.startswith(b"\xef\xbb\xbf"):  # a UTF-8 byte-order mark is not content
        payload = payload[3:]
    try:
        payload.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidArticle(f"payload is not valid UTF-8 (byte {exc.start})") from None
    try:
        return codec.loads(payload)
    except codec.JSONDecodeError as exc:
        raise InvalidArticle(f"payload is not valid JSON: {exc}") from None


# --- HTML to text -------------------------------------------------------------------------

_BLOCK_TAGS = {
    "p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote",
    "section", "article", "header", "footer", "table", "tr", "td", "th", "pre", "figure",
    "figcaption", "hr", "dt", "dd",
}
_DROP_TAGS = ["script", "style", "noscript", "template", "iframe", "svg", "head", "nav", "aside"]


def html_to_text(html: str) -> str:
    """Paragraph-preserving HTML -> plain text (block elements become blank-line breaks)."""
    from selectolax.lexbor import LexborHTMLParser

    tree = LexborHTMLParser(html)
    for tag in _DROP_TAGS:
        for node in tree.css(tag):
            node.decompose()
    # E-mail protection links ("[email protected]") carry no text worth keeping.
    for node in tree.css("a.__cf_email__, [data-cfemail]"):
        node.decompose()
    root = tree.body or tree.root
    if root is None:
        return ""
    parts: list[str] = []
    for node in root.traverse(include_text=True):
        if node.tag == "-text":
            parts.append(node.text_content or "")
        elif node.tag in _BLOCK_TAGS:
            parts.append("\n\n")
    return "".join(parts)


# --- text clean-up ------------------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u00ad\u200b\u200c\u200d\u2060\ufeff]")
_SPACES = re.compile(r"[ \t\u3000]+")  # NBSP and narrow NBSP are kept: French typography
_PARA_SPLIT = re.compile(r"\n\s*\n")

# Furniture recognised anywhere in the story (unless the paragraph holds a quotation).
_ANYWHERE = [
    r"^.{0,80}©.{0,120}$",
    r"^\s*\(?(c|©)\)?\s*\d{4}\b.{0,160}$",
    r"\ball rights reserved\b",
    r"^\s*copyright\b.{0,200}$",
    r"^\s*tous droits réservés\.?\s*$",
    r"^\s*(#[\w.\-]+[\s/|,]*){1,}$",
    r"^\s*(reporting by|writing by|editing by|additional reporting by)\b.{0,200}$",
]
# Furniture recognised only in the block that closes the story: elsewhere these openings
# ("Source: a senior official said…", "See also the minister…") can be story text.
_TRAILING = _ANYWHERE + [
    r"^\s*(source|sources|photo|credit|crédit|crédits)\s*[:：].{0,200}$",
    r"^\s*(avez-vous une astuce|vous avez une info|contactez-nous|contact us|have a tip|got a tip|"
    r"send us a tip|suivez-nous|follow us|abonnez-vous|subscribe to|sign up for|inscrivez-vous|"
    r"lire aussi|read more|read also|à lire aussi|see also|voir aussi|related:)\b.{0,300}$",
    r"^\s*\(?(reuters|afp|ap|dpa|ansa|efe|ntb|belga|ats|bloomberg)\)?\s*$",
]
_BOILERPLATE_ANYWHERE = re.compile("|".join(f"(?:{p})" for p in _ANYWHERE), re.IGNORECASE)
_BOILERPLATE_TRAILING = re.compile("|".join(f"(?:{p})" for p in _TRAILING), re.IGNORECASE)
_EMAIL_ARTEFACT = re.compile(r"\s?\[(email|e-mail)[\s\u00a0]*(protected|protégé)\]", re.IGNORECASE)
_QUOTE_MARKS = re.compile(r"[«»“”„\"‹›]")


def is_boilerplate(paragraph: str, *, trailing: bool = True) -> bool:
    """A paragraph that is wire furniture rather than story text (``trailing``: it belongs to
    the block that ends the story, where source lines and contact footers live)."""
    text = paragraph.strip()
    if not text:
        return True
    if len(text) > 400 or _QUOTE_MARKS.search(text):
        return False
    pattern = _BOILERPLATE_TRAILING if trailing else _BOILERPLATE_ANYWHERE
    return bool(pattern.search(text))


def clean_text(text: str) -> tuple[str, list[str]]:
    """NFC, unified line breaks and spaces, paragraphs joined by one blank line.

    Returns the body and the boilerplate paragraphs that were taken out of it.
    """
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n").replace("\u2029", "\n\n")
    text = _CONTROL.sub("", text)
    paragraphs: list[str] = []
    for raw_paragraph in _PARA_SPLIT.split(text):
        lines = [_SPACES.sub(" ", line).strip() for line in raw_paragraph.split("\n")]
        paragraph = " ".join(line for line in lines if line)
        if paragraph:
            paragraphs.append(paragraph)
    end = len(paragraphs)
    while end > 0 and is_boilerplate(paragraphs[end - 1], trailing=True):
        end -= 1
    kept: list[str] = []
    removed = paragraphs[end:]
    for paragraph in paragraphs[:end]:
        if is_boilerplate(paragraph, trailing=False):
            removed.append(paragraph)
            continue
        paragraph = _EMAIL_ARTEFACT.sub("", paragraph)
        if paragraph.strip():
            kept.append(paragraph)
    return "\n\n".join(kept), removed


# --- language -----------------------------------------------------------------------------

_LANG_TAG = re.compile(r"^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*$")


@lru_cache(maxsize=1)
def _language_identifier():
    from py3langid.langid import (
        _load_identifier,  # the shipped model, probabilities normalised
    )

    return _load_identifier(norm_probs=True)


def detect_language(text: str, preferred: tuple[str, ...] = ("fr", "en")) -> str:
    """ISO 639-1 code of the text's language, or 'und' when there is too little to tell.

    py3langid is sure of itself on a paragraph but guesses wildly on a line ("« Oui », dit
    Jean Dupont." -> Basque); when it is unsure, a configured language that it still finds
    plausible wins over an exotic first guess."""
    ranking = [(lang, float(p)) for lang, p in _language_identifier().rank(text[:4000])]
    top, confidence = ranking[0]
    if confidence >= 0.5:
        return top
    plausible = [(p, lang) for lang, p in ranking if lang in preferred and p >= 0.02]
    if plausible:
        return max(plausible)[1]
    return top if confidence >= 0.05 else "und"


def dedup_key(article_id: str, version: int) -> str:
    return f"{article_id}:{version}"


def normalize_article(raw: Any, options: NormalizeOptions = NormalizeOptions()) -> dict:
    """Raw payload (bytes or dict) -> normalised article event (wire.normalized)."""
    article = check_raw_article(decode_payload(raw, max_body_bytes=options.max_body_bytes),
                                max_body_bytes=options.max_body_bytes)
    # Unknown extra fields are kept; fields the pipeline itself writes are not taken from input.
    out = {k: v for k, v in article.items() if k not in RESERVED_FIELDS}
    out["version"] = article.get("version") or 1
    published = article.get("published_at")
    if published is not None:
        out["published_at"] = to_rfc3339(published) if published else None
    body_text = article.get("body")
    source_text = body_text if body_text and body_text.strip() else html_to_text(article["body_html"])
    body, boilerplate = clean_text(source_text)
    out["body"] = body
    out.pop("body_html", None)
    out["boilerplate"] = boilerplate
    headline = article.get("headline")
    if headline is not None:
        out["headline"] = " ".join(unicodedata.normalize("NFC", _CONTROL.sub("", headline)).split()) or None
    language = article.get("language")
    if language and _LANG_TAG.match(language.strip()):
        out["language"] = primary_subtag(language)
        out["language_detected"] = False
    else:
        sample = " ".join(filter(None, [out.get("headline"), body]))
        out["language"] = (detect_language(sample, options.preferred_languages) if sample.strip()
                           else (options.default_language or "und"))
        out["language_detected"] = True
    out["dedup_key"] = dedup_key(article["id"], out["version"])
    return out
