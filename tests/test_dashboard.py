"""The dashboard's pure parts (window, actor counts, body markup, health figures, the rule form,
the event hub) and its pages rendered by the aiohttp app without a broker."""

from __future__ import annotations

import asyncio
import re
from html import unescape

import orjson
import pytest

from streams.alerts.rules import RuleError
from streams.config import Settings
from streams.dashboard.actors import BUCKET_SECONDS, DAY, HOUR, ActorBoard
from streams.dashboard.feed import history_sizes, start_offsets
from streams.dashboard.health import RateMeter, backlog, stage_rows
from streams.dashboard.hub import RELOAD, Hub, group_by_kind, sse_message
from streams.dashboard.markup import QuotePart, Run, mark_up, numbered_quotes
from streams.dashboard.render import path_segment, web_url
from streams.dashboard.rule_form import (
    backtest,
    check_form,
    form_to_rule_dict,
    split_list,
    toggled,
)
from streams.dashboard.state import Dashboard
from streams.dashboard.window import ArticleFilter, Window, top_actors

BODY = ("The foreign minister, Anna Berg, spoke in Geneva on Monday.\n\n"
        "“These talks will take months, not weeks,” Berg told reporters. NATO agreed.")
NOW = 1_800_000_000.0


def span(text: str, part: str, nth: int = 0) -> dict:
    start = -1
    for _ in range(nth + 1):
        start = text.index(part, start + 1)
    return {"text": part, "start": start, "end": start + len(part)}


def enriched(article_id: str = "a1", *, version: int = 1, language: str = "en", source: str = "Test Wire",
             headline: str = "Minister warns of long talks", body: str = BODY,
             speaker: tuple[str, str] = ("Anna Berg", "ww:PER:anna-berg"),
             topics: list | None = None) -> dict:
    quote = span(body, "These talks will take months, not weeks")
    return {
        "id": article_id, "version": version, "source": source, "language": language, "headline": headline,
        "body": body, "dedup_key": f"{article_id}:{version}",
        "entities": [
            {"id": "ww:PER:anna-berg", "name": "Anna Berg", "type": "PER", "aliases": [], "salience": 0.7,
             "quoted": True, "mentions": [span(body, "Anna Berg"), span(body, "Berg", 1)]},
            {"id": "ww:LOC:geneva", "name": "Geneva", "type": "LOC", "aliases": [], "salience": 0.4, "quoted": False,
             "mentions": [span(body, "Geneva")]},
            {"id": "Q7184", "name": "NATO", "type": "ORG", "aliases": ["OTAN"], "salience": 0.3, "quoted": False,
             "mentions": [span(body, "NATO")]},
        ],
        "quotes": [dict(quote, speaker={"name": speaker[0], "entity_id": speaker[1]}, cue="told", kind="direct")],
        "topics": topics if topics is not None else [{"code": "medtop:11000000", "label": "politics and government",
                                                      "score": 0.5}],
        "timings_ms": {"normalize": 1.0, "annotate": 20.0, "entities": 5.0, "quotes": 2.0, "topics": 1.0},
        "enriched_at": "2027-01-15T08:00:00.000Z", "models": {"wirewatch": "0.1.0"},
    }


# --- window --------------------------------------------------------------------------------


def test_window_keeps_the_latest_version_and_a_bounded_number_of_articles():
    window = Window(max_articles=3)
    for number in range(5):
        window.add_article(enriched(f"a{number}"), received_ms=number)
    assert [entry.id for entry in window.entries()] == ["a4", "a3", "a2"]
    assert window.add_article(enriched("a3", version=2, headline="Updated"), received_ms=9) is not None
    assert [entry.id for entry in window.entries()] == ["a3", "a4", "a2"]
    assert window.article("a3").article["headline"] == "Updated"
    assert window.add_article(enriched("a3", version=1), received_ms=10) is None  # a late older version
    assert window.article("a3").version == 2
    assert window.add_article({"headline": "no id"}, received_ms=11) is None


def test_filters_match_language_prefix_topic_source_and_actor():
    article = enriched(language="fr-CA", source="Agence Test")
    assert ArticleFilter(language="fr").matches(article)
    assert not ArticleFilter(language="en").matches(article)
    assert ArticleFilter(source="agence test").matches(article)
    assert ArticleFilter(topic="medtop:11000000", actor="Q7184").matches(article)
    assert not ArticleFilter(topic="medtop:15000000").matches(article)
    assert not ArticleFilter(actor="ww:PER:nobody").matches(article)
    built = ArticleFilter.from_query({"language": " fr ", "actor": "Q7184", "other": "x"})
    assert built.as_query() == {"language": "fr", "actor": "Q7184"} and built.active


def test_facets_top_actors_and_stage_timings():
    window = Window()
    window.add_article(enriched("a1"), 1, latency_ms=100.0)
    window.add_article(enriched("a2", language="fr", topics=[]), 2, latency_ms=300.0)
    facets = window.facets()
    assert [(f.value, f.count) for f in facets.languages] == [("en", 1), ("fr", 1)]
    assert [f.label for f in facets.actors] == ["Anna Berg", "NATO"]  # people and bodies, not places; ties by name
    assert [(f.value, f.label) for f in facets.topics] == [("medtop:11000000", "politics and government")]
    assert [e["name"] for e in top_actors(enriched())] == ["Anna Berg", "NATO"]  # the quoted one first
    timings = window.stage_timings()
    assert timings["annotate"].mean_ms == 20.0 and timings["annotate"].samples == 2
    assert window.latency() == (100.0, 300.0, 2)


def test_alerts_and_dead_letters_are_bounded_and_counted_per_stage():
    window = Window(max_alerts=2, max_deadletters=2)
    for number in range(3):
        window.add_alert({"id": f"x{number}", "article_id": "a1" if number else "a2"})
        window.add_deadletter({"stage": "normalize", "error": "bad"})
    assert [a["id"] for a in window.latest_alerts()] == ["x2", "x1"]
    assert [a["id"] for a in window.latest_alerts(article_id="a1")] == ["x2", "x1"]
    assert len(window.deadletters) == 2 and window.deadletters_by_stage == {"normalize": 3}


# --- actors --------------------------------------------------------------------------------


def test_actor_counts_merge_languages_and_a_new_version_replaces_the_old_one():
    board = ActorBoard()
    board.add(enriched("en-1"), NOW)
    french = enriched("fr-1", language="fr")
    french["body"] = BODY.replace("NATO", "OTAN")  # the same length: every offset still holds
    french["entities"][2]["mentions"] = [span(french["body"], "OTAN")]
    board.add(french, NOW - 2 * HOUR)
    (nato,) = [s for s in board.top(NOW, DAY, "mentioned") if s.id == "Q7184"]
    assert (nato.mentioned, nato.languages) == (2, ("en", "fr"))
    assert [s.id for s in board.top(NOW, HOUR, "quoted")] == ["ww:PER:anna-berg"]
    assert board.top(NOW, HOUR, "quoted")[0].quoted == 1
    board.add(enriched("en-1", version=2), NOW)  # the same article again: still one article, one quote
    berg = board.actor("ww:PER:anna-berg")
    assert board.counts(berg, NOW, DAY) == (2, 2)
    assert len([q for q in berg.quotes if q.article_id == "en-1"]) == 1
    assert [quote.article_id for _, quote in board.latest_quotes()] == ["en-1", "fr-1"]
    assert all(s.id != "ww:LOC:geneva" for s in board.top(NOW, DAY, "mentioned"))


def test_actor_board_forgets_what_is_older_than_its_retention():
    board = ActorBoard(retention_seconds=DAY)
    board.add(enriched("old"), NOW - DAY - 2 * BUCKET_SECONDS)
    board.add(enriched("new", speaker=("Someone Else", "ww:PER:someone-else")), NOW)
    board.prune(NOW)
    assert board.actor("ww:PER:anna-berg") is not None  # still named by the new article
    assert board.counts(board.actor("ww:PER:anna-berg"), NOW, DAY) == (1, 0)
    assert board.top(NOW, HOUR, "quoted")[0].id == "ww:PER:someone-else"
    board.prune(NOW + 2 * DAY)
    assert len(board) == 0


# --- markup --------------------------------------------------------------------------------


def test_mark_up_highlights_quotes_with_their_speaker_and_links_mentions():
    paragraphs = mark_up(enriched())
    assert len(paragraphs) == 2
    first_mentions = [run.entity.id for run in paragraphs[0] if isinstance(run, Run) and run.entity]
    assert first_mentions == ["ww:PER:anna-berg", "ww:LOC:geneva"]
    quote = next(piece for piece in paragraphs[1] if isinstance(piece, QuotePart))
    assert "".join(run.text for run in quote.runs) == "These talks will take months, not weeks"
    assert (quote.number, quote.speaker, quote.speaker_id, quote.cue, quote.last, quote.closing) == (
        1, "Anna Berg", "ww:PER:anna-berg", "told", True, ",”")  # the label goes after the closing mark
    assert shown_text(paragraphs[1]) == BODY.split("\n\n")[1]


def shown_text(paragraph: list) -> str:
    return "".join("".join(run.text for run in piece.runs) + piece.closing if isinstance(piece, QuotePart)
                   else piece.text for piece in paragraph)


@pytest.mark.parametrize(("body", "closing"), [
    ("« Nous devons être patients », a déclaré M. Stoltenberg.", "\u202f»,"),
    ("He said \"no.\" Then he left.", "\""),
    ("“One” “Two”", "”"),  # never the opening mark of the next quote
    ("“Unclosed and the paragraph ends", ""),
])
def test_the_speaker_label_follows_the_closing_mark_and_punctuation(body, closing):
    body = body.replace("« ", "«\u202f").replace(" »", "\u202f»")
    words = re.search(r"[«“\"]\u202f?([^»”\"]+?)[\u202f]?(?:[»”\"]|$)", body)
    article = {"body": body, "quotes": [{"start": words.start(1), "end": words.end(1), "speaker": {"name": "S"}}],
               "entities": []}
    if body.startswith("“One”"):
        article["quotes"].append({"start": body.index("Two"), "end": body.index("Two") + 3, "speaker": None})
    (paragraph,) = mark_up(article)
    first = next(piece for piece in paragraph if isinstance(piece, QuotePart))
    assert first.closing == closing
    assert shown_text(paragraph) == body


def test_mark_up_survives_overlapping_and_out_of_range_spans_and_splits_quotes_over_paragraphs():
    body = "“First part.\n\nSecond part,” she said."
    article = {"body": body, "entities": [
        {"id": "e1", "name": "X", "type": "MISC", "mentions": [{"start": 1, "end": 6}, {"start": 3, "end": 9},
                                                              {"start": 40, "end": 99}, {"start": "1", "end": 2}]}],
        "quotes": [{"start": 1, "end": 26, "speaker": None}, {"start": 2, "end": 4, "speaker": "bad"}]}
    paragraphs = mark_up(article)
    parts = [piece for paragraph in paragraphs for piece in paragraph if isinstance(piece, QuotePart)]
    assert [(part.number, part.last) for part in parts] == [(1, False), (1, True)]
    assert "".join(shown_text(paragraph) for paragraph in paragraphs) == body.replace("\n\n", "")
    assert [n for n, _ in numbered_quotes(article)] == [1, None]
    assert mark_up({"body": None}) == []


# --- health --------------------------------------------------------------------------------


def test_rates_and_backlog_from_offsets():
    meter = RateMeter()
    assert meter.rate("wire.enriched", 10) is None
    for second in range(0, 31, 2):
        meter.sample("wire.enriched", 100 + 5 * second, at=float(second))
    assert meter.rate("wire.enriched", 10) == pytest.approx(5.0)
    assert meter.total("wire.enriched") == 250
    assert backlog({("t", 0): 10, ("t", 1): 5, ("u", 0): 7}, {("t", 0): 4, ("t", 1): 5, ("u", 0): -1}) == {"t": 6}
    rows = stage_rows(Settings().topic, meter, {"wire.stories-in": 3}, {"stories": 2}, {})
    stories = next(row for row in rows if row.stage == "stories")  # the stage that writes wire.enriched
    assert (stories.source, stories.target, stories.rate, stories.lag, stories.deadletters) == (
        "wire.stories-in", "wire.enriched", pytest.approx(5.0), 3, 2)
    assert next(row for row in rows if row.stage == "deliver").target is None


def test_history_is_shared_among_partitions_and_never_before_the_beginning():
    class TP:
        def __init__(self, topic, partition):
            self.topic, self.partition = topic, partition

    parts = [TP("wire.enriched", 0), TP("wire.enriched", 1), TP("wire.alerts", 0)]
    ends = {parts[0]: 1000, parts[1]: 10, parts[2]: 50}
    begins = {parts[0]: 0, parts[1]: 3, parts[2]: 0}
    wanted = {"enriched": 100, "alerts": 20}
    offsets = start_offsets(begins, ends, wanted, {"wire.enriched": "enriched", "wire.alerts": "alerts"})
    assert offsets == {parts[0]: 950, parts[1]: 3, parts[2]: 30}
    assert history_sizes(500)["enriched"] == 500


# --- rule form -----------------------------------------------------------------------------


def resolve(name: str) -> tuple[str, str]:
    known = {"anna berg": ("ww:PER:anna-berg", "Anna Berg"), "otan": ("Q7184", "NATO"), "nato": ("Q7184", "NATO")}
    return known.get(name.casefold(), (f"ww:PER:{name.casefold().replace(' ', '-')}", name))


def test_the_form_becomes_the_rule_a_file_would_hold():
    form = {"id": "berg", "name": "Berg quoted", "actors": "Anna Berg, OTAN\nAnna Berg", "match": "quoted",
            "languages": "fr; en", "min_salience": "0.2", "cooldown_seconds": "60", "enabled": "on", "topics": ""}
    assert form_to_rule_dict(form) == {"id": "berg", "name": "Berg quoted", "match": "quoted",
                                       "actors": ["Anna Berg", "OTAN", "Anna Berg"], "languages": ["fr", "en"],
                                       "min_salience": 0.2, "cooldown_seconds": 60, "enabled": True}
    checked = check_form(form, resolve)
    assert checked.rules[0].actors == ("Anna Berg", "OTAN")
    assert [a.id for a in checked.compiled[0].actors] == ["ww:PER:anna-berg", "Q7184"]
    assert split_list(" a ,, b ;\n c ") == ["a", "b", "c"]


@pytest.mark.parametrize(("form", "message"), [
    ({"id": "x y", "name": "n", "actors": "A"}, "the form: id: use 1-128 letters"),
    ({"id": "x", "name": "n", "actors": ""}, "actors: must list at least one name"),
    ({"id": "x", "name": "n", "actors": "A", "min_salience": "lots"}, "min_salience: expected a number"),
    ({"id": "x", "name": "n", "actors": "A", "min_salience": "2"}, "min_salience: must be between 0 and 1"),
    ({"id": "x", "name": "n", "actors": "A", "topics": "knitting"}, "unknown IPTC Media Topic 'knitting'"),
    ({"id": "x", "name": "n", "actors": "A", "webhook_url": "https://example.org/h"}, "notify[0].secret"),
    ({"rule_text": "- id: a\n  name: A\n  actors: [NATO]\n- id: a\n  name: B\n  actors: [NATO]"}, "duplicate rule id"),
    ({"rule_text": "id: [unclosed"}, "the form: invalid YAML"),
])
def test_the_form_is_validated_like_rules_add(form, message):
    with pytest.raises(RuleError, match=re.escape(message)):
        check_form(form, resolve)


def test_backtest_finds_the_articles_a_rule_would_fire_on_and_toggle_keeps_the_rule_valid():
    compiled = check_form({"id": "b", "name": "Berg", "actors": "Anna Berg", "match": "quoted"}, resolve).compiled
    hits = backtest(compiled, [enriched("a1"), enriched("a2", speaker=("Someone Else", "ww:PER:someone-else"))])
    assert [(hit.rule_id, hit.article["id"], hit.actors, hit.quotes) for hit in hits] == [("b", "a1", ("Anna Berg",), 1)]
    assert toggled({"id": "b", "name": "Berg", "actors": ["Anna Berg"]}, enabled=False).enabled is False


# --- hub -----------------------------------------------------------------------------------


def test_hub_filters_per_subscriber_and_asks_a_slow_page_to_reload():
    async def scenario():
        hub = Hub()
        everything = hub.subscribe(frozenset({"alert"}))
        only_a1 = hub.subscribe(frozenset({"alert"}), lambda kind, item: item["article_id"] == "a1")
        hub.publish("alert", {"article_id": "a1"})
        hub.publish("alert", {"article_id": "a2"})
        hub.publish("article", {"ignored": True})
        assert len(everything.drain(10)) == 2 and len(only_a1.drain(10)) == 1
        for number in range(600):
            hub.publish("alert", {"article_id": "a1", "n": number})
        assert only_a1.drain(1000) == [(RELOAD, None)]
        assert hub.wanted("alert") and not hub.wanted("health")
        hub.unsubscribe(everything)
        assert len(hub) == 1

    asyncio.run(scenario())


def test_sse_messages_keep_multiline_html_in_one_event():
    assert sse_message("article", "<li>\r\nx</li>\ry") == b"event: article\ndata: <li>\ndata: x</li>\ndata: y\n\n"
    assert group_by_kind([("a", 1), ("a", 2), ("b", 3), ("a", 4)]) == [("a", [1, 2]), ("b", [3]), ("a", [4])]


def test_links_built_from_data_stay_links():
    assert path_segment("ww:PER:anna-berg") == "ww:PER:anna-berg"
    assert path_segment("a/b?c#d e") == "a%2Fb%3Fc%23d%20e"
    assert web_url("https://example.org/x") == "https://example.org/x"
    assert web_url("javascript:alert(1)") is None and web_url(" JAVASCRIPT:x") is None and web_url(None) is None


# --- pages, without a broker -----------------------------------------------------------------


class NoStore:
    """Stands in for the rules feed: the page tests never write to Kafka."""

    async def run(self):
        return None


def dashboard_with(*articles: dict) -> Dashboard:
    dash = Dashboard(Settings())
    dash.status.connected = dash.status.loaded = True
    for number, article in enumerate(articles):
        dash.on_record("wire.raw", article["id"].encode(), b"{}", 1000 + number)
        dash.on_record("wire.enriched", article["id"].encode(), orjson.dumps(article), 1500 + number)
    return dash


class RecordedActions:
    """Stands in for RuleActions where a test must not write to Kafka: notes what was asked."""

    def __init__(self):
        self.changes: list[tuple[str, str]] = []

    async def change(self, rule_id: str, action: str) -> None:
        self.changes.append((rule_id, action))


async def fetch(dash: Dashboard, *requests: tuple[str, str, dict | None], actions=None) -> list[tuple[int, str, dict]]:
    from aiohttp.test_utils import TestClient, TestServer

    from streams.dashboard.actions import RuleActions
    from streams.dashboard.server import create_app

    actions = actions or RuleActions(dash, resolve=resolve, rules_feed=NoStore())
    app = create_app(dash, actions, follow_kafka=False)
    results = []
    async with TestClient(TestServer(app)) as client:
        for method, path, data in requests:
            if data is not None and "csrf" in data and data["csrf"] is None:
                page = await client.get("/alerts")
                data = dict(data, csrf=re.search(r'name="csrf" value="([^"]+)"', await page.text()).group(1))
            response = await client.request(method, path, data=data, allow_redirects=False)
            results.append((response.status, await response.text(), dict(response.headers)))
    return results


def test_pages_render_escaped_untrusted_text():
    hostile = enriched("x<1>", headline="Minister <script>window.__xss=1</script> warns",
                       source="<b>Wire</b>", topics=[{"code": "medtop:11000000", "label": "<i>politics</i>", "score": 1}])
    hostile["url"] = "javascript:alert(1)"
    dash = dashboard_with(enriched("a1"), hostile)
    dash.on_record("wire.deadletter", None, orjson.dumps({"stage": "normalize", "error": "bad <img src=x>",
                                                          "payload": "<script>x</script>"}), 2000)
    (live, article, health), = [asyncio.run(fetch(dash, ("GET", "/", None), ("GET", "/article/x%3C1%3E", None),
                                                   ("GET", "/health", None)))]
    for status, html, headers in (live, article, health):
        assert status == 200
        assert "<script>window" not in html and "<b>Wire" not in html and "<i>politics" not in html
        assert "<img" not in html and "<script>x" not in html
        assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert "Minister &lt;script&gt;window.__xss=1&lt;/script&gt; warns" in live[1]
    assert 'href="/article/x%3C1%3E"' in live[1]
    assert "javascript:" not in article[1]
    assert "bad &lt;img src=x&gt;" in health[1]


def test_article_page_shows_quotes_with_speakers_entities_topics_and_timings():
    dash = dashboard_with(enriched("a1"))
    dash.on_record("wire.alerts", b"a1", orjson.dumps({"id": "al1", "rule_id": "r", "rule_name": "Berg watch",
                                                       "article_id": "a1", "evidence": {"entities": [], "quotes": []}}), 3)
    ((status, html, _),) = asyncio.run(fetch(dash, ("GET", "/article/a1", None)))
    assert status == 200
    assert re.search(r'<mark class="quote" data-quote="1" data-speaker="Anna Berg">These talks will take months, not weeks</mark>,”'
                     r'<span class="speaker-label" data-quote="1">.*?Anna Berg</a></span>', html)
    assert '<a class="mention type-LOC" href="/actor/ww:LOC:geneva" title="LOC: Geneva">Geneva</a>' in html
    assert "politics and government" in html and "Berg watch" in html
    assert "annotate" in html and "20 ms" in html and "wire.raw → enriched" in html
    ((status, html, _),) = asyncio.run(fetch(dash, ("GET", "/article/missing", None)))
    assert status == 404 and "not among them" in unescape(html)


def test_live_filters_actors_actor_and_status_pages():
    dash = dashboard_with(enriched("a1"), enriched("f1", language="fr", headline="L’OTAN appelle à la patience"))
    results = asyncio.run(fetch(dash, ("GET", "/?language=fr", None), ("GET", "/actors?span=day", None),
                                ("GET", "/actor/ww:PER:anna-berg", None), ("GET", "/status.json", None),
                                ("GET", "/actor/nobody", None), ("GET", "/events?kinds=nothing", None)))
    (live, actors, actor, status, nobody, bad_events) = results
    assert "L’OTAN appelle" in live[1] and "Minister warns" not in live[1]
    assert "/events?kinds=article&amp;language=fr" in live[1]
    assert "Most quoted" in actors[1] and "Anna Berg" in actors[1]
    assert "These talks will take months" in actor[1] and "en, fr" in actor[1]
    assert orjson.loads(status[1])["articles"] == 2
    assert nobody[0] == 404 and bad_events[0] == 400


def test_rule_form_backtests_reports_errors_and_needs_its_token():
    dash = dashboard_with(enriched("a1"), enriched("a2", speaker=("Someone Else", "ww:PER:someone-else")))
    form = {"csrf": None, "id": "berg", "name": "Berg quoted", "actors": "Anna Berg", "match": "quoted",
            "enabled": "on", "action": "backtest"}
    backtested, invalid, forged = asyncio.run(fetch(
        dash, ("POST", "/rules", form), ("POST", "/rules", dict(form, min_salience="3", action="add")),
        ("POST", "/rules", dict(form, csrf="forged", action="add"))))
    assert backtested[0] == 200
    assert "Backtest: 1 alert would have fired on the 2 articles in the window" in unescape(backtested[1])
    assert invalid[0] == 400 and "the form: rule &#39;berg&#39;: min_salience: must be between 0 and 1" in invalid[1]
    assert 'value="3"' in invalid[1]  # the form comes back filled in
    assert forged[0] == 403


def test_rule_buttons_change_only_known_rules_with_the_token():
    dash = dashboard_with(enriched("a1"))
    dash.on_rule_record(b"berg", orjson.dumps({"id": "berg", "name": "Berg", "actors": ["Anna Berg"],
                                               "notify": [{"type": "webhook", "url": "https://example.org/h",
                                                           "secret": "whsec_" + "A" * 32}]}))
    dash.on_record("wire.deadletter", None, orjson.dumps({"stage": "deliver", "error": "webhook delivery failed",
                                                          "payload": orjson.dumps({"rule_id": "berg"}).decode()}), 5)
    actions = RecordedActions()
    page, disabled, unknown, bad_action, forged = asyncio.run(fetch(
        dash, ("GET", "/alerts", None), ("POST", "/rules/berg/disable", {"csrf": None}),
        ("POST", "/rules/nobody/remove", {"csrf": None}), ("POST", "/rules/berg/explode", {"csrf": None}),
        ("POST", "/rules/berg/remove", {"csrf": "forged"}), actions=actions))
    assert "whsec_…AAAA" in page[1] and "A" * 20 not in page[1]  # the secret is masked
    assert "1 failed delivery, last: webhook delivery failed" in page[1]
    assert disabled[0] == 303 and disabled[2]["Location"] == "/alerts?done=disabled&rule=berg"
    assert unknown[0] == 404 and bad_action[0] == 404 and forged[0] == 403
    assert actions.changes == [("berg", "disable")]
    dash.on_rule_record(b"berg", None)  # a tombstone removes it
    assert dash.rules == {}
