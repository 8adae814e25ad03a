"""Quote identity: one id for the same words of the same speaker, across reprints.

The quotes here are written for these tests."""

from __future__ import annotations

from streams.stories.quote_identity import (
    QuoteRegistry,
    exact_quote_id,
    is_run_of,
    same_statement,
    speaker_key,
)
from streams.stories.words import fold_words

MARCHAL = {"name": "Hélène Marchal", "entity_id": "ww:PER:helene marchal"}
DUVAL = {"name": "Paul Duval", "entity_id": None}
FULL = "Nous ne fermerons pas cette piscine de gaieté de cœur, mais nous n'avons plus le choix."


def words(text: str) -> tuple[str, ...]:
    return tuple(fold_words(text))


def test_speaker_key_prefers_the_entity_then_the_folded_name():
    assert speaker_key(MARCHAL) == "id:ww:PER:helene marchal"
    assert speaker_key({"name": "PAUL  Duval", "entity_id": None}) == speaker_key(DUVAL) == "name:paul duval"
    assert speaker_key(None) == speaker_key({"name": "", "entity_id": None}) == ""


def test_exact_id_ignores_typography_and_case_but_not_the_speaker():
    a = exact_quote_id(words("« Nous n’avons plus le choix »"), "id:x")
    assert a == exact_quote_id(words('"nous n\'avons PLUS le choix"'), "id:x")
    assert a != exact_quote_id(words("nous n'avons plus le choix"), "id:y")
    assert a.startswith("q-") and len(a) == 18


def test_same_statement_tolerates_trimming_and_small_edits_only():
    full = words(FULL)
    assert is_run_of(words("nous n'avons plus le choix"), full)
    assert same_statement(full, words("cette piscine de gaieté de cœur, mais nous n'avons plus le choix"))
    assert same_statement(full, words("Nous ne fermerons pas cette piscine de gaieté de cœur mais nous n'avons hélas plus le choix"))
    assert not same_statement(full, words("Nous ne fermerons jamais cette piscine, qui appartient aux habitants"))
    assert not same_statement(words("plus le choix"), full)  # too short to match inexactly


def test_reprints_by_three_outlets_share_one_id_and_are_counted():
    reg = QuoteRegistry()
    first = reg.record(f"« {FULL} »", MARCHAL, "a1", "Le Courrier", "2026-03-02T08:00:00Z")
    trimmed = reg.record("nous n’avons plus le choix", MARCHAL, "b1", "La Gazette", "2026-03-02T08:10:00Z")
    edited = reg.record(FULL.replace(",", "").replace("mais", "mais hélas"), MARCHAL, "c1", "L'Écho", "2026-03-02T09:00:00Z")
    assert first.id == trimmed.id == edited.id
    assert first.articles == ["a1", "b1", "c1"]
    assert first.sources == ["Le Courrier", "La Gazette", "L'Écho"]


def test_the_full_quote_after_a_trimmed_one_takes_the_first_id():
    reg = QuoteRegistry()
    trimmed = reg.record("nous ne fermerons pas cette piscine de gaieté de cœur", MARCHAL, "a1", "X", "t1")
    assert reg.identify(FULL, MARCHAL) == trimmed.id


def test_another_speaker_saying_the_same_words_gets_another_id():
    reg = QuoteRegistry()
    first = reg.record(FULL, MARCHAL, "a1", "X", "t1")
    other = reg.record(FULL, DUVAL, "b1", "Y", "t2")
    assert other.id != first.id


def test_an_unattributed_reprint_joins_the_attributed_quote():
    reg = QuoteRegistry()
    first = reg.record(FULL, MARCHAL, "a1", "X", "t1")
    assert reg.identify(FULL, None) == first.id
    # but a quote first seen unattributed, once attributed, does not also take a second speaker
    reg2 = QuoteRegistry()
    anon = reg2.record(FULL, None, "a1", "X", "t1")
    assert reg2.record(FULL, MARCHAL, "b1", "Y", "t2").id == anon.id
    assert reg2.record(FULL, DUVAL, "c1", "Z", "t3").id != anon.id


def test_short_fragments_match_only_exactly_with_the_same_speaker():
    reg = QuoteRegistry()
    a = reg.record("des scènes de chaos", MARCHAL, "a1", "X", "t1")
    assert reg.identify("Des scènes de chaos !", MARCHAL) == a.id
    assert reg.identify("des scènes de chaos", None) != a.id
    assert reg.identify("scènes de chaos", MARCHAL) != a.id


def test_identify_is_the_exact_id_when_nothing_is_known_and_does_not_record():
    reg = QuoteRegistry()
    assert reg.identify(FULL, MARCHAL) == exact_quote_id(words(FULL), "id:ww:PER:helene marchal")
    assert reg.records == {}


def test_empty_quote_is_harmless():
    reg = QuoteRegistry()
    rec = reg.record("« »", None, "a1", "X", "t1")
    assert rec.id == exact_quote_id((), "")


def test_a_common_phrase_does_not_chain_the_statements_that_contain_it():
    reg = QuoteRegistry()
    phrase = reg.record("par les forces de l'ordre", None, "a1", "X", "t1")
    one = reg.record("Nous avons été reçus très correctement par les forces de l'ordre, sans la moindre tension ce soir", None, "b1", "Y", "t2")
    two = reg.record("Les manifestants ont été repoussés vers la gare par les forces de l'ordre à la tombée de la nuit", None, "c1", "Z", "t3")
    assert len({phrase.id, one.id, two.id}) == 3
