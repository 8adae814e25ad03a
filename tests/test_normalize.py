"""Normalisation: validation errors, HTML, typography, boilerplate, language, offsets."""

import orjson
import pytest

from streams.nlp.normalize.clean import (
    InvalidArticle,
    NormalizeOptions,
    clean_text,
    html_to_text,
    is_boilerplate,
    normalize_article,
)
from streams.text import nlp_view


def raw(**fields):
    article = {"id": "a1", "source": "test", "body": "Bonjour tout le monde, voici une dépêche."}
    article.update(fields)
    return orjson.dumps(article)


@pytest.mark.parametrize(
    "payload, message",
    [
        (b"\xff\xfe\x00junk", "not valid UTF-8"),
        (b"{not json", "not valid JSON"),
        (b"[1, 2, 3]", "JSON list, expected an object"),
        (b'"just a string"', "JSON str, expected an object"),
        (b"", "empty payload"),
        (orjson.dumps({"source": "x", "body": "y"}), "missing required field 'id'"),
        (orjson.dumps({"id": "x", "body": "y"}), "missing required field 'source'"),
        (orjson.dumps({"id": 42, "source": "x", "body": "y"}), "field 'id' must be a string"),
        (orjson.dumps({"id": "x", "source": "s"}), "neither 'body' nor 'body_html'"),
        (orjson.dumps({"id": "x", "source": "s", "headline": "Headline only"}), "neither 'body' nor 'body_html'"),
        (orjson.dumps({"id": "x", "source": "s", "headline": "h", "body": " \n "}), "no text: 'body' is blank"),
        (orjson.dumps({"id": "x", "source": "s", "body": ["a"]}), "field 'body' must be a string"),
        (orjson.dumps({"id": "x", "source": "s", "body": "b", "version": "2"}), "field 'version' must be an integer"),
        (orjson.dumps({"id": "x", "source": "s", "body": "b", "version": 0}), "field 'version' must be an integer"),
        (orjson.dumps({"id": "x", "source": "s", "body": "b", "published_at": "yesterday"}), "RFC 3339"),
    ],
)
def test_bad_input_gets_a_clear_reason(payload, message):
    with pytest.raises(InvalidArticle, match=message):
        normalize_article(payload)


def test_body_over_the_limit_is_rejected():
    options = NormalizeOptions(max_body_bytes=1000)
    with pytest.raises(InvalidArticle, match="exceeds"):
        normalize_article(raw(body="x" * 1001), options)
    assert normalize_article(raw(body="x" * 900), options)["body"] == "x" * 900


def test_nlp_view_keeps_length_and_flattens_typography():
    body = "L’OTAN a dit\u00a0: «\u202fNon\u202f». C’est l’heure."
    view = nlp_view(body)
    assert len(view) == len(body)
    assert "’" not in view and "\u00a0" not in view and "\u202f" not in view
    assert view.startswith("L'OTAN a dit : « Non »")


def test_normalised_body_keeps_typography_and_defaults():
    event = normalize_article(raw(body="L’OTAN\u00a0: «\u00a0oui\u00a0».\r\n\r\n\r\nSecond   paragraphe.", extra="kept"))
    assert event["body"] == "L’OTAN\u00a0: «\u00a0oui\u00a0».\n\nSecond paragraphe."
    assert event["version"] == 1
    assert event["dedup_key"] == "a1:1"
    assert event["extra"] == "kept"


def test_unicode_is_nfc():
    decomposed = "Ce\u0301line"  # e + combining acute
    assert normalize_article(raw(body=decomposed))["body"] == "Céline"


def test_html_body_becomes_paragraphs():
    html = "<html><body><h1>Titre</h1><p>Premier <b>paragraphe</b>.</p><script>var x=1;</script><p>Second.<br>Suite</p><div><p>Broken <i>html"
    event = normalize_article(raw(body=None, body_html=html))
    assert "body_html" not in event
    paragraphs = event["body"].split("\n\n")
    assert paragraphs[:2] == ["Titre", "Premier paragraphe."]
    assert "var x" not in event["body"]
    assert "Broken html" in event["body"]


def test_email_protection_artefact_is_dropped_from_html():
    html = '<p>Ecrivez-nous à <a class="__cf_email__" data-cfemail="abc">[email&#160;protected]</a> svp.</p><p>Texte.</p>'
    assert "protected" not in html_to_text(html)


@pytest.mark.parametrize(
    "paragraph",
    [
        "Source : © NTB Norway.mw / #Norway.mw / #NorwayTodayNews",
        "Avez-vous une astuce pour Norway.mw ? Nous voulons l’entendre. Contactez-nous à [email protected]",
        "© Agence Démo 2026. Tous droits réservés.",
        "#Breaking #News",
        "Reporting by Jane Roe; editing by John Doe",
        "Copyright 2026 The Example Press. All rights reserved.",
    ],
)
def test_boilerplate_is_recognised(paragraph):
    assert is_boilerplate(paragraph)


@pytest.mark.parametrize(
    "paragraph",
    [
        "« Nous avons proposé un plan », a déclaré le ministre.",
        "The source of the leak was never identified, officials said.",
        "Le président a évoqué la source du conflit devant les députés.",
    ],
)
def test_story_text_is_not_boilerplate(paragraph):
    assert not is_boilerplate(paragraph)


def test_boilerplate_is_kept_out_of_the_body():
    body, removed = clean_text("Texte de la dépêche.\n\nSource : © NTB\n\nContactez-nous à [email protected]")
    assert body == "Texte de la dépêche."
    assert len(removed) == 2


def test_language_from_event_or_detected():
    assert normalize_article(raw(language="fr-CA"))["language"] == "fr"
    detected = normalize_article(raw(language=None, body="The government said on Tuesday that talks would resume next week."))
    assert detected["language"] == "en" and detected["language_detected"] is True
    detected_fr = normalize_article(raw(body="Le gouvernement a annoncé mardi que les négociations reprendraient la semaine prochaine."))
    assert detected_fr["language"] == "fr"


def test_story_paragraphs_that_look_like_furniture_are_kept():
    body = ("Source: a senior official told Reuters the deal was done.\n\n"
            "See also the minister, who said nothing.\n\n"
            "Il a ajouté : « Écrivez-nous à [email protected] », puis il est parti.\n\n"
            "Read more: example.org/x\n\n© Example Press 2026")
    kept, removed = clean_text(body)
    assert kept.startswith("Source: a senior official")
    assert "See also the minister" in kept
    assert "[email protected]" not in kept and "Écrivez-nous à »" in kept
    assert removed == ["Read more: example.org/x", "© Example Press 2026"]


def test_headlines_are_not_filtered():
    assert normalize_article(raw(headline="Copyright: EU court rules against Google"))["headline"] == \
        "Copyright: EU court rules against Google"
    assert normalize_article(raw(headline="#MeToo"))["headline"] == "#MeToo"


def test_long_runs_without_spaces_are_broken_for_the_tokenizer():
    body = "a" * 1000 + " ok " + '"' * 300
    view = nlp_view(body)
    assert len(view) == len(body) and max(len(run) for run in view.split()) <= 64


def test_soft_hyphen_bom_and_table_cells():
    assert normalize_article(raw(body="Le\u00adprésident"))["body"] == "Leprésident"
    assert normalize_article(b"\xef\xbb\xbf" + raw())["id"] == "a1"
    html = "<table><tr><td>“We are ready now”</td><td>said Bob Smith</td></tr></table>"
    assert "now”\n\nsaid" in html_to_text(html)


def test_published_at_becomes_rfc3339_utc_and_reserved_fields_are_ignored():
    event = normalize_article(raw(published_at="2024-05-01", timings_ms="fast", entities=[1], models=3))
    assert event["published_at"] == "2024-05-01T00:00:00Z"
    assert "entities" not in event and "models" not in event and "timings_ms" not in event
    assert normalize_article(raw(published_at="2024-05-01T12:00:00+02:00"))["published_at"] == "2024-05-01T10:00:00Z"


def test_short_texts_prefer_a_configured_language():
    from streams.nlp.normalize.clean import detect_language

    assert detect_language("« Oui », dit Jean Dupont.") == "fr"
    assert detect_language("Plain body") == "en"
    assert detect_language("Die Regierung sagte am Dienstag, dass die Gespräche wieder aufgenommen würden.") == "de"
    assert detect_language("x") == "und"


def test_deeply_nested_json_is_refused():
    nested = b'{"id": "n", "source": "s", "body": "b", "extra": ' + b"[" * 300 + b"]" * 300 + b"}"
    with pytest.raises(InvalidArticle, match="deeper than 64"):
        normalize_article(nested)


def test_blank_published_at_means_none_and_a_leap_second_is_a_date():
    assert normalize_article(raw(published_at=""))["published_at"] is None
    assert normalize_article(raw(published_at=None))["published_at"] is None
    assert normalize_article(raw(published_at="2016-12-31T23:59:60Z"))["published_at"] == "2017-01-01T00:00:00Z"


def test_a_blank_body_gives_way_to_body_html():
    event = normalize_article(raw(body="", body_html="<p>Le texte en HTML.</p>"))
    assert event["body"] == "Le texte en HTML." and "body_html" not in event
