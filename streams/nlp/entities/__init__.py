"""The entities stage: spaCy mentions -> cleaned, merged, canonical, cross-lingual entities.

``extract_entities`` (extract.py) is the entry; PASSES lists its named rule passes in the order they
run.  Each pass can be switched off (``disabled``) to measure what it is worth.  The modules:
mentions.py collects the model's mentions through the span rules (span_rules.py) and the article
rules (article_rules.py); grouping.py joins them into entities; descriptors.py, headline.py,
canonical.py and salience.py finish them.  The word lists are in streams/lang/<code>/.
"""

from __future__ import annotations

from streams.nlp.passes import Pass

PASSES: tuple[Pass, ...] = (
    Pass("entities.metadata", "no mentions in bylines, agency credits, datelines' credits and sign-offs"),
    Pass("entities.credits", "an agency or paper credited in brackets at a story's foot ('(afp/nxp)', '(Le Matin)')"
                             " is an actor of it, unless a byline or a staff sign-off holds the credit"),
    Pass("entities.towns", "a gazetteer town's name is the town only where the article uses it as a place"),
    Pass("entities.person-spans", "a person's span rejoined across particles ('von der Leyen') and grown over"
                                  " the proper nouns and first name the model left out"),
    Pass("entities.boundaries", "spans cut to the name: no unclosed '(', score, 'pro-', trailing word,"
                                " title, demonym or verb"),
    Pass("entities.pairs", "two names run together are two entities: known names joined by a hyphen"
                           " ('Lyon-Turin'), a known body and a person ('l'AFP Alex')"),
    Pass("entities.role-phrases", "no portfolio as a name ('Defense' in 'Defense Minister', 'ministre de la"
                                  " Défense'); 'de la France' is France"),
    Pass("entities.noise", "the small models' false names dropped: function words, web addresses, verbs,"
                           " headings, common words; acronyms of common nouns ('PCE')"),
    Pass("entities.term-acronyms", "a French acronym spelled out in lower case names a thing, not an actor ('le RIC"
                                   " [référendum d'initiative citoyenne]', '... de culpabilité (CRPC)')"),
    Pass("entities.demonyms", "peoples and their adjectives ('Russes', 'Sri Lankan', 'Berliners') are MISC"),
    Pass("entities.non-actors", "competitions, treaties, faiths, eras, tournament groups and named craft are"
                                " MISC"),
    Pass("entities.head-words", "an unknown name typed by its head word ('Social Democratic Party' ORG,"
                                " 'Allianz Arena' LOC)"),
    Pass("entities.place-phrases", "'the town of X' is a place, also where the model missed the name"),
    Pass("entities.person-evidence", "a name tagged as a body or a place with a person's evidence is a person;"
                                     " an acronym tagged as a person is a body"),
    Pass("entities.split-names", "no place for a name split off a longer one ('Vietnam [War]')"),
    Pass("entities.sports-teams", "in sports copy a town beaten, hosted or drawn with is its team, a word of"
                                  " a club's name the club"),
    Pass("entities.org-cues", "a name used as a news outlet or a company is an organisation ('the newspaper"
                              " X', 'X shares')"),
    Pass("entities.table-names", "names the alias table knows that the model missed or split, and the"
                                 " cities of a time-zone list"),
    Pass("entities.untagged-persons", "English persons the model missed: capitalised names opened by a first"
                                      " name"),
    Pass("entities.parties", "English parties the model missed or called a nationality ('Orban's Fidesz"
                             " party')"),
    Pass("entities.party-members", "a party named by its adjective or short name before a member's role is the"
                                   " party ('the Conservative MP', 'former Ukip candidate')"),
    Pass("entities.french-institutions", "'tribunal correctionnel de Lyon' is one body, named 'Lyon Criminal"
                                         " Court' in every language"),
    Pass("entities.seats-of-power", "a seat of power named short is its body ('l'Élysée', 'Matignon'), named as a"
                                    " building ('palais de l'Élysée') the place"),
    Pass("entities.real-names", "a person's other name given right after ('X, whose real name is Y', 'X, de son"
                                " vrai nom Y') is the same person"),
    Pass("entities.partial-names", "a part of a longer name joins it ('Stoltenberg', 'the Commission',"
                                   " 'Dortmund')"),
    Pass("entities.acronyms", "an acronym joins the name it stands for ('EU', 'Long Name (ACR)')"),
    Pass("entities.missed-surnames", "a person's full name or bare surname the model missed is still theirs"),
    Pass("entities.descriptions", "'the alliance' after 'NATO', 'the ministry' after 'Defence Ministry' join"
                                  " the body they describe"),
    Pass("entities.headline-names", "known places and bodies only the headline names are entities too"),
)

PASS_NAMES = frozenset(p.name for p in PASSES)


def is_enabled(name: str, disabled: frozenset[str]) -> bool:
    """Whether the pass runs; a name no pass has is a programming error."""
    if name not in PASS_NAMES:
        raise KeyError(f"no entities pass {name!r}")
    return name not in disabled


__all__ = ["PASSES", "PASS_NAMES", "is_enabled"]
