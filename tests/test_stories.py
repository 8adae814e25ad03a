"""Story identity: near-copies of one dispatch join one story; other articles do not.

The articles here are written for these tests."""

from __future__ import annotations

import numpy as np

from streams.stories.index import StoryIndex, containment, fingerprint, story_id_for
from streams.stories.lsh import BANDS, band_keys
from streams.stories.minhash import jaccard, signature
from streams.stories.shingles import shingle_hashes, stable_hash32
from streams.stories.words import fold_words

DISPATCH = """Le conseil communal de Valbourg a voté lundi soir la fermeture de la piscine municipale, jugée trop coûteuse à chauffer depuis la hausse du prix du gaz.

La bourgmestre, Hélène Marchal, a défendu une décision « douloureuse mais nécessaire » devant une salle comble où des parents d'élèves brandissaient des pancartes.

Les clubs de natation de la commune devront s'entraîner à Durmont, à vingt kilomètres, dès le mois de mars. Un bus sera affrété deux fois par semaine pour les enfants inscrits.

L'opposition a annoncé un recours auprès de la tutelle régionale et réclame une étude sur une rénovation énergétique du bâtiment, construit en 1974."""

# the same dispatch as another outlet prints it: new headline, typographic quotes and
# apostrophes, a cut last paragraph and one word changed
COPY = """Le conseil communal de Valbourg a voté lundi soir la fermeture de la piscine municipale, jugée trop coûteuse à chauffer depuis la hausse du prix du gaz.

La bourgmestre, Hélène Marchal, a défendu une décision "douloureuse mais nécessaire" devant une salle comble où des parents d’élèves brandissaient des pancartes.

Les clubs de natation de la commune devront s’entraîner à Durmont, à vingt kilomètres, dès le mois d'avril. Un bus sera affrété deux fois par semaine pour les enfants inscrits."""

OTHER = """Le festival de jazz de Montclair a refusé cette année plus de deux mille spectateurs faute de place sous le chapiteau principal, selon ses organisateurs.

La prochaine édition se tiendra dans l'ancienne halle aux grains, rénovée pendant l'hiver, qui peut accueillir le double du public. Les billets seront mis en vente dès le printemps."""

SAME_TOPIC = """À Valbourg, les nageurs du club local ont manifesté mardi devant la maison communale contre la fermeture de la piscine, votée la veille par le conseil.

Une pétition a recueilli huit cents signatures en une nuit. Les parents dénoncent des trajets trop longs vers Durmont et craignent la disparition de l'école de natation."""


def test_words_fold_case_accents_and_typography():
    assert fold_words("L’Élysée a «répondu»") == fold_words("l'elysee a \"REPONDU\"") == ["l", "elysee", "a", "repondu"]


def test_shingle_hashes_are_stable_and_short_texts_still_count():
    assert stable_hash32("un deux trois") == stable_hash32("un deux trois")
    assert shingle_hashes(["un", "deux"]).size == 1
    assert shingle_hashes([]).size == 0


def test_minhash_estimates_jaccard():
    words = [f"w{i}" for i in range(400)]
    a = shingle_hashes(words[:300])
    b = shingle_hashes(words[100:400])  # true Jaccard of the shingle sets: 196/404 = 0.49
    estimate = jaccard(signature(a), signature(b))
    assert 0.35 < estimate < 0.63
    assert jaccard(signature(a), signature(a)) == 1.0


def test_band_keys_are_deterministic_and_agree_on_identical_bands():
    sig = signature(shingle_hashes(fold_words(DISPATCH)))
    keys = band_keys(sig)
    assert len(keys) == BANDS and keys == band_keys(sig.copy())
    other = sig.copy()
    other[0] = np.uint64(0)
    assert band_keys(other)[1:] == keys[1:] and band_keys(other)[0] != keys[0]


def test_band_keys_tell_bands_apart_even_with_equal_values():
    keys = band_keys(np.full(BANDS * 2, np.uint64(7)))
    assert len(set(keys)) == BANDS


def test_shingle_hashes_are_the_stable_hash_of_each_shingle():
    """Persisted article rows keep these hashes: they must not change with the implementation."""
    words = "un deux trois quatre cinq six sept".split()
    expected = sorted(stable_hash32(" ".join(words[i:i + 5])) for i in range(3))
    assert sorted(shingle_hashes(words).tolist()) == expected
    assert stable_hash32("un deux trois quatre cinq") == 0x67206b1b


def test_a_trimmed_edited_copy_joins_the_dispatch_story():
    index = StoryIndex()
    first, _ = index.add("a1", "Le Courrier", fingerprint("Valbourg ferme sa piscine", DISPATCH), "2026-03-02T08:00:00Z")
    story, matches = index.add("b1", "La Gazette", fingerprint("La piscine de Valbourg, c'est fini", COPY), "2026-03-02T08:05:00Z")
    assert story.id == first.id == story_id_for("a1")
    assert [m.article_id for m in matches] == ["a1"]
    assert story.as_event() == {"id": story_id_for("a1"), "first_seen": "2026-03-02T08:00:00Z",
                                "articles": 2, "sources": ["Le Courrier", "La Gazette"]}


def test_unrelated_and_same_topic_articles_start_their_own_story():
    index = StoryIndex()
    first, _ = index.add("a1", "Le Courrier", fingerprint("", DISPATCH), "2026-03-02T08:00:00Z")
    other, _ = index.add("c1", "Le Courrier", fingerprint("", OTHER), "2026-03-02T09:00:00Z")
    # same event, written anew: not a copy (joining it is the cross-lingual/actor stage's work)
    topic, _ = index.add("d1", "La Gazette", fingerprint("", SAME_TOPIC), "2026-03-03T09:00:00Z")
    assert len({first.id, other.id, topic.id}) == 3


def test_a_replay_or_new_version_keeps_its_story():
    index = StoryIndex()
    first, _ = index.add("a1", "Le Courrier", fingerprint("", DISPATCH), "t1")
    index.add("c1", "Le Courrier", fingerprint("", OTHER), "t2")
    again, _ = index.add("a1", "Le Courrier", fingerprint("", DISPATCH), "t3")
    rewritten, _ = index.add("c1", "Le Courrier", fingerprint("", DISPATCH), "t4")  # v2 of c1 now reads like a1
    assert again.id == first.id and len(again.articles) == 1
    assert rewritten.id == story_id_for("c1")
    assert len(index) == 2


def test_a_short_item_inside_a_long_roundup_does_not_chain_stories():
    items = [DISPATCH, OTHER, SAME_TOPIC] + [
        " ".join(f"paragraphe{i} mot{j} texte{i}{j}" for j in range(60)) for i in range(3)]
    roundup = "\n\n".join(items)
    index = StoryIndex()
    big, _ = index.add("r1", "La Gazette", fingerprint("", roundup), "t1")
    small, matches = index.add("s1", "Le Courrier", fingerprint("", OTHER), "t2")
    share, _, cover = containment(fingerprint("", OTHER).shingles, fingerprint("", roundup).shingles)
    assert share == 1.0 and cover < 0.2
    assert small.id != big.id and matches == []


def test_eviction_forgets_old_articles():
    index = StoryIndex()
    index.add("a1", "Le Courrier", fingerprint("", DISPATCH), "2026-03-01T00:00:00Z")
    assert index.evict_before("2026-03-02T00:00:00Z") == 1
    story, matches = index.add("b1", "La Gazette", fingerprint("", COPY), "2026-03-02T08:00:00Z")
    assert story.id == story_id_for("b1") and matches == []


def test_empty_text_matches_nothing():
    index = StoryIndex()
    index.add("a1", "X", fingerprint("", ""), "t1")
    story, matches = index.add("b1", "X", fingerprint("", ""), "t2")
    assert matches == [] and story.id == story_id_for("b1")
