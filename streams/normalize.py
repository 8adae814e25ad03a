"""Stage 1: validate a raw article and normalise its text.

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
from datetime import datetime
from typing import Any

from . import codec

DEFAULT_MAX_BODY_BYTES = 1024 * 1024

REQUIRED_STRING_FIELDS = ("id", "source")
OPTIONAL_STRING_FIELDS = ("language", "headline", "body", "body_html", "url", "byline", "published_at")

# One-for-one replacements that keep offsets: typographic apostrophes -> ', no-break and
# narrow no-break spaces -> space.  fr_core_news_sm mis-tags "n’", "qu’", "C’" as entities
# and splits "l’OTAN" badly when it sees U+2019; with ASCII ' it tokenises elisions properly.
_NLP_VIEW_TABLE = str.maketrans(
    {
        "\u2019": "'",
        "\u02bc": "'",
        "\u00a0": " ",
        "\u202f": " ",
        "\u2007": " ",
        "\u2009": " ",
        "\u200a": " ",
    }
)


class InvalidArticle(ValueError):
    """The payload is not a usable raw article; the message says why, in one line."""


@dataclass(frozen=True)
class NormalizeOptions:
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    default_language: str | None = None


def nlp_view(body: str) -> str:
    """The text spaCy parses: same length as ``body``, typographic variants flattened."""
    return body.translate(_NLP_VIEW_TABLE)


def decode_payload(payload: bytes | str | dict, *, max_body_bytes: int = DEFAULT_MAX_BODY_BYTES) -> dict:
    """Bytes off the wire -> raw article dict, or InvalidArticle with a clear reason."""
    if isinstance(payload, dict):
        return payload
    if isinstance(payload, str):
        payload = payload.encode("utf-8", "surrogatepass")
    if payload is None or len(payload) == 0:
        raise InvalidArticle("empty payload")
    # The whole message may hold headline and metadata too; allow a little beyond the body limit.
    if len(payload) > max_body_bytes + 64 * 1024:
        raise InvalidArticle(f"payload of {len(payload)} bytes exceeds the limit of {max_body_bytes} bytes")
    try:
        payload.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidArticle(f"payload is not valid UTF-8 (byte {exc.start})") from None
    try:
        value = codec.loads(payload)
    except codec.JSONDecodeError as exc:
        raise InvalidArticle(f"payload is not valid JSON: {exc}") from None
    if not isinstance(value, dict):
        raise InvalidArticle(f"payload is a JSON {type(value).__name__}, expected an object")
    return value


def validate_raw(article: dict, *, max_body_bytes: int = DEFAULT_MAX_BODY_BYTES) -> None:
    """Check the raw-article contract (schemas/raw-article.json) with readable errors."""
    for field in REQUIRED_STRING_FIELDS:
        value = article.get(field)
        if value is None:
            raise InvalidArticle(f"missing required field '{field}'")
        if not isinstance(value, str):
            raise InvalidArticle(f"field '{field}' must be a string, got {type(value).__name__}")
        if not value.strip():
            raise InvalidArticle(f"field '{field}' must not be empty")
    if len(article["id"]) > 512:
        raise InvalidArticle("field 'id' is longer than 512 characters")
    for field in OPTIONAL_STRING_FIELDS:
        value = article.get(field)
        if value is not None and not isinstance(value, str):
            raise InvalidArticle(f"field '{field}' must be a string or null, got {type(value).__name__}")
    version = article.get("version", 1)
    if version is None:
        version = 1
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise InvalidArticle(f"field 'version' must be an integer >= 1, got {version!r}")
    if article.get("body") is None and article.get("body_html") is None:
        raise InvalidArticle("article has neither 'body' nor 'body_html'")
    for field in ("body", "body_html"):
        text = article.get(field)
        if text is not None and len(text.encode("utf-8", "surrogatepass")) > max_body_bytes:
            raise InvalidArticle(f"field '{field}' exceeds the body limit of {max_body_bytes} bytes")
    published = article.get("published_at")
    if published:
        try:
            datetime.fromisoformat(published.replace("Z", "+00:00"))
        except ValueError:
            raise InvalidArticle(f"field 'published_at' is not an RFC 3339 date-time: {published!r}") from None


# --- HTML to text -------------------------------------------------------------------------

_BLOCK_TAGS = {
    "p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote",
    "section", "article", "header", "footer", "table", "tr", "pre", "figure", "figcaption", "hr",
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

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b\u200c\u200d\u2060\ufeff]")
_SPACES = re.compile(r"[ \t\u3000]+")  # NBSP and narrow NBSP are kept: French typography
_PARA_SPLIT = re.compile(r"\n\s*\n")

_BOILERPLATE_PATTERNS = [
    r"^\s*(source|sources|copyright|photo|credit|crédit|crédits|©)\s*[:：].{0,200}$",
    r"^.{0,80}©.{0,120}$",
    r"^\s*\(?(c|©)\)?\s*\d{4}\b.{0,160}$",
    r"\ball rights reserved\b",
    r"^\s*copyright\b.{0,200}$",
    r"^\s*tous droits réservés\.?\s*$",
    r"\[(email|e-mail)[\s\u00a0]*(protected|protégé)\]",
    r"^\s*(#[\w.\-]+[\s/|,]*){1,}$",
    r"^\s*(avez-vous une astuce|vous avez une info|contactez-nous|contact us|have a tip|got a tip|"
    r"send us a tip|suivez-nous|follow us|abonnez-vous|subscribe to|sign up for|inscrivez-vous|"
    r"lire aussi|read more|read also|à lire aussi|see also|voir aussi|related:)\b.{0,300}$",
    r"^\s*(reporting by|writing by|editing by|additional reporting by)\b.{0,200}$",
    r"^\s*\(?(reuters|afp|ap|dpa|ansa|efe|ntb|belga|ats|bloomberg)\)?\s*$",
]
_BOILERPLATE = re.compile("|".join(f"(?:{p})" for p in _BOILERPLATE_PATTERNS), re.IGNORECASE | re.MULTILINE)


def is_boilerplate(paragraph: str) -> bool:
    """A paragraph that is wire furniture rather than story text."""
    text = paragraph.strip()
    if not text:
        return True
    if len(text) > 400:
        return False
    return bool(_BOILERPLATE.search(text))


def clean_text(text: str) -> tuple[str, list[str]]:
    """NFC, unified line breaks and spaces, paragraphs joined by one blank line.

    Returns the body and the boilerplate paragraphs that were taken out of it.
    """
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n").replace("\u2029", "\n\n")
    text = _CONTROL.sub("", text)
    kept: list[str] = []
    removed: list[str] = []
    for raw_paragraph in _PARA_SPLIT.split(text):
        lines = [_SPACES.sub(" ", line).strip() for line in raw_paragraph.split("\n")]
        paragraph = " ".join(line for line in lines if line)
        if not paragraph:
            continue
        # Trailing boilerplate can share a paragraph with story text: split by line too.
        if is_boilerplate(paragraph):
            removed.append(paragraph)
        else:
            kept.append(paragraph)
    return "\n\n".join(kept), removed


# --- language -----------------------------------------------------------------------------

_LANG_TAG = re.compile(r"^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*$")


def detect_language(text: str) -> str:
    """ISO 639-1 code of the text's language (py3langid ships its model in the wheel)."""
    import py3langid

    lang, _score = py3langid.classify(text[:4000])
    return lang


def primary_language(tag: str) -> str:
    """BCP-47 tag -> its primary subtag, lower-case ('fr-CA' -> 'fr')."""
    return re.split(r"[-_]", tag.strip())[0].lower()


def dedup_key(article_id: str, version: int) -> str:
    return f"{article_id}:{version}"


def normalize_article(raw: Any, options: NormalizeOptions = NormalizeOptions()) -> dict:
    """Raw payload (bytes or dict) -> normalised article event (wire.normalized)."""
    article = decode_payload(raw, max_body_bytes=options.max_body_bytes)
    validate_raw(article, max_body_bytes=options.max_body_bytes)
    out = dict(article)  # unknown extra fields are kept
    out["version"] = article.get("version") or 1
    source_text = article.get("body")
    if source_text is None:
        source_text = html_to_text(article["body_html"])
    body, boilerplate = clean_text(source_text)
    out["body"] = body
    out.pop("body_html", None)
    out["boilerplate"] = boilerplate
    headline = article.get("headline")
    if headline is not None:
        out["headline"] = clean_text(headline)[0].replace("\n\n", " ") or None
    language = article.get("language")
    if language and _LANG_TAG.match(language.strip()):
        out["language"] = primary_language(language)
        out["language_detected"] = False
    else:
        sample = " ".join(filter(None, [out.get("headline"), body]))
        out["language"] = detect_language(sample) if sample.strip() else (options.default_language or "und")
        out["language_detected"] = True
    out["dedup_key"] = dedup_key(article["id"], out["version"])
    return out
