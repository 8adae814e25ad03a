"""Every door gives the same answer: the same bad input gets the same verdict and the same
one-line reason from the normalize stage (Kafka), POST /articles, `wirewatch ingest file`, the
feed poller, and for rules from `wirewatch rules add`, POST /rules and the wire.rules table."""

from __future__ import annotations

import json
import re
from pathlib import Path

import feedparser
import orjson
import pytest

from streams.alerts.rules import RuleError, parse_rules, rule_from_dict
from streams.contracts import (
    ContractError,
    check_raw_article,
    check_rule,
    primary_language,
    primary_subtag,
    raw_article_problems,
    rule_problems,
)
from streams.ingest import files
from streams.ingest.feeds import feed_items_to_articles
from streams.nlp.normalize.clean import (
    InvalidArticle,
    NormalizeOptions,
    normalize_article,
)

LIMIT = 1000  # bytes of body, passed to every door
GOOD = {"id": "a1", "source": "Wire", "headline": "Titre", "body": "Le texte de la dépêche."}

BAD_ARTICLES = [
    ({"id": "a1", "source": "Wire", "headline": "Headline only"}, "article has neither 'body' nor 'body_html'"),
    ({"id": "a1", "source": "Wire", "headline": "Titre", "body": "  "}, "article has no text: 'body' is blank"),
    ({"id": "a1", "source": "Wire", "body": None, "body_html": ""}, "article has no text: 'body_html' is blank"),
    ({"source": "Wire", "body": "x"}, "missing required field 'id'"),
    ({"id": None, "source": "Wire", "body": "x"}, "missing required field 'id'"),
    ({"id": 42, "source": "Wire", "body": "x"}, "field 'id' must be a string, got int"),
    ({"id": " ", "source": "Wire", "body": "x"}, "field 'id' must not be empty"),
    ({"id": "x" * 513, "source": "Wire", "body": "x"}, "field 'id' is longer than 512 characters"),
    ({"id": "a1", "body": "x"}, "missing required field 'source'"),
    ({**GOOD, "version": "2"}, "field 'version' must be an integer >= 1, got '2'"),
    ({**GOOD, "version": 0}, "field 'version' must be an integer >= 1, got 0"),
    ({**GOOD, "version": 1.0}, "field 'version' must be an integer >= 1, got 1.0"),
    ({**GOOD, "version": True}, "field 'version' must be an integer >= 1, got True"),
    ({**GOOD, "headline": 5}, "field 'headline' must be a string or null, got int"),
    ({**GOOD, "body": ["a"]}, "field 'body' must be a string or null, got list"),
    ({**GOOD, "language": {"code": "fr"}}, "field 'language' must be a string or null, got dict"),
    ({**GOOD, "published_at": "yesterday"}, "field 'published_at' is not an RFC 3339 date-time: 'yesterday'"),
    ({**GOOD, "published_at": "2024-13-01T00:00:00Z"}, "not an RFC 3339 date-time"),
    ({**GOOD, "published_at": " "}, "field 'published_at' is not an RFC 3339 date-time: ' '"),
    ({**GOOD, "body": "é" * LIMIT}, f"field 'body' exceeds the body limit of {LIMIT} bytes"),
    ({**GOOD, "x": json.loads("[" * 70 + "]" * 70)}, "payload nests JSON deeper than 64 levels"),
    (5, "payload is a JSON int, expected an object"),
    ("text", "payload is a JSON str, expected an object"),
]

ACCEPTED = [
    GOOD,
    {**GOOD, "desk": "économie", "priority": [1, {"a": None}]},  # unknown extra fields are kept
    {**GOOD, "version": None},
    {**GOOD, "version": 3},
    {**GOOD, "language": "zz-private"},  # not a language: detected downstream
    {**GOOD, "published_at": "2024-05-01"},
    {**GOOD, "published_at": "2016-12-31T23:59:60Z"},
    {**GOOD, "published_at": ""},
    {"id": "a1", "source": "Wire", "body": None, "body_html": "<p>Le texte.</p>"},
    {"id": "a1", "source": "Wire", "body": "", "body_html": "<p>Le texte.</p>"},
]


def kafka_door(article: object) -> str | None:
    """The normalize stage, as the worker runs it on a wire.raw message."""
    try:
        normalize_article(orjson.dumps(article), NormalizeOptions(max_body_bytes=LIMIT))
    except InvalidArticle as exc:
        return str(exc)
    return None


def http_door(article: object) -> str | None:
    """POST /articles (streams.runtime.web reads the request body with iter_payload_articles)."""
    (item,) = files.iter_payload_articles(orjson.dumps(article), origin="request", max_body_bytes=LIMIT)
    return item.message if isinstance(item, files.RecordError) else None


def file_door(article: object, tmp_path: Path) -> str | None:
    """`wirewatch ingest file` on a JSON Lines file."""
    path = tmp_path / "articles.jsonl"
    path.write_bytes(orjson.dumps(article) + b"\n")
    (item,) = files.iter_file_articles(path, max_body_bytes=LIMIT)
    return item.message if isinstance(item, files.RecordError) else None


@pytest.mark.parametrize("article, reason", BAD_ARTICLES, ids=range(len(BAD_ARTICLES)))
def test_every_article_door_refuses_with_the_same_reason(article: object, reason: str, tmp_path: Path) -> None:
    answers = {
        "contract": (raw_article_problems(article, max_body_bytes=LIMIT) or [None])[0],
        "kafka": kafka_door(article),
        "http": http_door(article),
        "file": file_door(article, tmp_path),
    }
    assert len(set(answers.values())) == 1, answers
    assert reason in answers["kafka"]
    assert "\n" not in answers["kafka"]


@pytest.mark.parametrize("article", ACCEPTED, ids=range(len(ACCEPTED)))
def test_every_article_door_accepts_the_same_articles(article: dict, tmp_path: Path) -> None:
    assert raw_article_problems(article, max_body_bytes=LIMIT) == []
    assert kafka_door(article) is None and http_door(article) is None and file_door(article, tmp_path) is None


def test_unknown_fields_are_kept_by_every_door(tmp_path: Path) -> None:
    article = {**GOOD, "desk": "économie", "priority": [1, {"a": None}]}
    event = normalize_article(orjson.dumps(article))
    (pushed,) = files.iter_payload_articles(orjson.dumps(article))
    assert event["desk"] == pushed["desk"] == "économie"
    assert event["priority"] == pushed["priority"] == [1, {"a": None}]


def test_the_http_door_is_the_file_reader() -> None:
    web = pytest.importorskip("streams.runtime.web")
    assert web.iter_payload_articles is files.iter_payload_articles


def test_feed_items_get_the_same_reason() -> None:
    feed = b"""<rss version="2.0"><channel><title>Wire</title>
      <item><guid>t-1</guid><title>Title only</title></item>
      <item><guid>t-2</guid><title>Full</title><description>Some text.</description></item>
    </channel></rss>"""
    url = "http://example.test/feed.xml"
    articles, problems = feed_items_to_articles(feedparser.parse(feed), feed_url=url)
    assert [a["id"] for a in articles] == ["t-2"]
    headline_only = {"id": "t-1", "version": 1, "source": "Wire", "headline": "Title only"}
    assert problems == [f"{url}: item 1 (t-1): {kafka_door(headline_only)}; skipped"]


def test_check_functions_raise_one_line_contract_errors() -> None:
    assert check_raw_article(GOOD) is GOOD
    with pytest.raises(ContractError, match=r"^article has neither 'body' nor 'body_html'$"):
        check_raw_article({"id": "a", "source": "s", "headline": "h"})
    problems = raw_article_problems({"id": 1, "version": "x"})
    assert problems == [
        "field 'id' must be a string, got int",
        "missing required field 'source'",
        "field 'version' must be an integer >= 1, got 'x'",
        "article has neither 'body' nor 'body_html'",
    ]


def test_language_tags() -> None:
    assert primary_subtag(" fr-CA ") == "fr" and primary_subtag("en_us") == "en" and primary_subtag("und") == "und"
    assert primary_language("fr-FR") == "fr" and primary_language("EN") == "en"
    assert primary_language("und") is None and primary_language("x-private") is None
    assert primary_language(None) is None and primary_language("français") is None


# --- rules ----------------------------------------------------------------------------------

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
RULE = {"id": "r1", "name": "NATO", "actors": ["NATO"]}

BAD_RULES = [
    ({"id": "r1", "name": "n"}, "actors: is required (a list of actor names)"),
    ({**RULE, "actor": ["x"]}, "actor: unknown field (allowed: id, name, actors, "),
    ({**RULE, "id": "a b"}, "id: use 1-128 letters, digits, '.', '_' or '-', starting with a letter or digit"),
    ({**RULE, "id": "-a"}, "id: use 1-128 letters"),
    ({**RULE, "name": " "}, "name: must not be empty"),
    ({**RULE, "actors": "NATO"}, 'actors: expected a list of strings, got a string (write ["NATO"])'),
    ({**RULE, "actors": []}, "actors: must list at least one name"),
    ({**RULE, "match": "said"}, 'match: must be "mentioned" or "quoted"'),
    ({**RULE, "languages": ["French"]}, "languages[0]: 'French' is not a BCP-47 language tag"),
    ({**RULE, "topics": ["astrology"]}, "topics[0]: unknown IPTC Media Topic 'astrology'"),
    ({**RULE, "min_salience": 2}, "min_salience: must be between 0 and 1"),
    ({**RULE, "cooldown_seconds": 1.5}, "cooldown_seconds: must be a whole number of seconds"),
    ({**RULE, "enabled": "yes"}, "enabled: expected true or false, got a string"),
    ({**RULE, "notify": [{"type": "webhook", "url": "ftp://h", "secret": SECRET}]},
     "notify[0].url: only http and https URLs are accepted"),
    ({**RULE, "notify": [{"type": "webhook", "url": "http://h:99999/", "secret": SECRET}]},
     "notify[0].url: URL has an invalid port"),
    ({**RULE, "notify": [{"type": "webhook", "url": "http://h", "secret": "whsec_" + "A" * 100}]},
     "notify[0].secret: webhook secret is longer than 64 bytes"),
]


@pytest.mark.parametrize("rule, reason", BAD_RULES, ids=range(len(BAD_RULES)))
def test_every_rule_door_refuses_with_the_same_reason(rule: dict, reason: str) -> None:
    problem = rule_problems(rule)[0]
    assert problem.startswith(reason)
    label = "rule 'r1'" if not problem.startswith("id:") else ""
    messages = []
    for text, filename in ((json.dumps(rule), "request"), (json.dumps([rule]), "rules.json")):
        with pytest.raises(RuleError) as caught:  # POST /rules, `wirewatch rules add`
            parse_rules(text, filename=filename)
        messages.append(str(caught.value).removeprefix(f"{filename}: "))
    with pytest.raises(RuleError) as caught:  # the wire.rules table
        rule_from_dict(rule)
    messages.append(str(caught.value))
    expected = f"{label}: {problem}" if label else problem
    assert messages[0] == messages[2] == expected
    assert messages[1].endswith(problem)
    with pytest.raises(ContractError, match="^" + re.escape(reason)):
        check_rule(rule)


def test_a_rule_is_valid_for_the_contract_exactly_when_the_rule_parser_takes_it() -> None:
    good = {**RULE, "all_of": None, "topics": ["sport", "medtop:16000000"], "languages": ["en-GB"],
            "cooldown_seconds": 60.0, "notify": [{"type": "webhook", "url": "http://h", "secret": SECRET}]}
    assert rule_problems(good) == [] and check_rule(good) is good
    assert rule_from_dict(good).cooldown_seconds == 60
