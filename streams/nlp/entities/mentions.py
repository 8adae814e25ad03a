"""Raw mentions of an article: the model's spans through the span rules, then the article rules."""

from __future__ import annotations

from spacy.tokens import Doc

from streams.nlp.entities.aliases import AliasTable
from streams.nlp.entities.article import Article, Candidate
from streams.nlp.entities.article_rules import ARTICLE_RULES
from streams.nlp.entities.person_spans import particle_joined
from streams.nlp.entities.records import LABEL_MAP, Mention, SpanIndex, Tokens
from streams.nlp.entities.span_rules import CORE, SPAN_RULES, SpanRule
from streams.nlp.entities.table_names import scan_is_safe, scan_tokens


def _through_span_rules(article: Article, candidate: Candidate, rules: list[SpanRule]) -> Mention | None:
    for rule in rules:
        if not rule(article, candidate):
            return None
    return candidate.mention


def raw_mentions(doc: Doc, tokens: Tokens, language: str, table: AliasTable, sport: bool, meta: SpanIndex,
                 disabled: frozenset[str]) -> list[Mention]:
    """The article's mentions, typed, before they are grouped into entities (tokens: the doc's)."""
    article = Article.read(doc, tokens, language, table, sport, meta, disabled)
    spans = particle_joined(doc, table, language, article.ents) if article.runs("entities.person-spans") \
        else list(article.ents)
    rules = [rule for name, rule in SPAN_RULES if name is CORE or article.runs(name)]  # once, not per span
    out: list[Mention] = []
    for span in spans:
        type_ = LABEL_MAP.get(span.label_)
        if type_ is None:
            continue
        mention = _through_span_rules(article, Candidate(span, type_, span.start_char, span.end_char), rules)
        if mention is not None:
            out.append(mention)
    for name, rule in ARTICLE_RULES:
        if article.runs(name):
            out = rule(article, out)
    return out


def scan_aliases(doc: Doc, tokens: Tokens, table: AliasTable, meta: SpanIndex) -> list[Mention]:
    """Alias-table matches for pipelines without NER (a language with no model)."""
    return [m for m in scan_tokens(doc, table, tokens) if not meta.contains(m.start, m.end) and scan_is_safe(doc, m)]
