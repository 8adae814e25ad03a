"""The quotes stage: direct quotations and their speakers (entry point: extract.extract_quotes).

PASSES lists its rules in the order they run; each can be switched off by name (``wirewatch eval
--disable-pass NAME``, ``WIREWATCH_DISABLE_PASSES``) to measure what it is worth.
"""

from __future__ import annotations

from dataclasses import dataclass

from streams.nlp.passes import Pass

# Where the quotations are.
DIALOGUE = Pass("quotes.dialogue", "'— Vous étiez là ? — Non.': dash-led turns of an exchange are quotes")
# The cue of each quote, and through it the speaker.
INNER_INCISE = Pass("quotes.inner-incise", "'« A, dit-elle, B »': an incise inside the marks splits the quote")
CUE_AFTER = Pass("quotes.cue-after", "'«…», a déclaré X', '\"…,\" he said': a reporting verb after the quote")
ANY_VERB_INCISE = Pass("quotes.any-verb-incise", "'\"…,\" Trump barked': any verb in incise position")
DASH_SIGNATURE = Pass("quotes.dash-signature", "'\"…\" — Jane Doe': a name after a dash, or on the next line")
ACCORDING_TO = Pass("quotes.according-to", "'selon X', 'according to X' before or after the quote")
PARENTHESISED_SOURCE = Pass("quotes.parenthesised-source",
                            "'des « lettres de cachet » (PS)': a body or person in brackets right after the quote")
CUE_BEFORE = Pass("quotes.cue-before", "'X a prévenu : «…»': a reporting verb before the quote in its sentence")
OUTER_CUE = Pass("quotes.outer-cue", "'X said the report warned \"…\"': the reporting verb of the enclosing clause")
SOLE_PERSON = Pass("quotes.sole-person", "a cue without subject: the one person named before it in the sentence")
PREVIOUS_SENTENCE = Pass("quotes.previous-sentence", "'X said Y. «…»': the previous sentence's reporting verb")
COLON_INTRO = Pass("quotes.colon-intro", "'Jane Doe: «…»', 'X listed them: «…»': a lead-in ending with a colon")
STANCE = Pass("quotes.stance", "'Pour le ministre, «…»': the person whose view frames the sentence")
CLAUSE_SUBJECT = Pass("quotes.clause-subject", "'X mocked Y for \"…\"': the subject of the clause holding the quote")
ACTING_PLACES = Pass("quotes.acting-places",
                     "'Paris récuse… « … », insiste-t-on': the capital whose government the sentence before names")
NEGATED_CUE = Pass("quotes.negated-cue", "'n'a pas dit', 'estime-t-on': a negated or impersonal cue names nobody")
# Who a phrase designates.
PERSON_IN_SPAN = Pass("quotes.person-in-span",
                      "'de l'[Education Jean-Michel Blanquer]' tagged as one body: the person from the first name on")
NAME_CHAIN = Pass("quotes.name-chain", "a speaker's name extended over the proper nouns around it")
PRONOUNS = Pass("quotes.pronouns", "'il', 'she': the last person who was a subject or was quoted")
AGREEMENT = Pass("quotes.agreement", "'elle', 'he': never a person whose title or first name says the other gender")
ROLE_SUBJECTS = Pass("quotes.role-subjects",
                     "'Le président écoute. « … » demande-t-il': a role noun as the latest subject is who 'il' is")
BODY_PRONOUNS = Pass("quotes.body-pronouns",
                     "'la LFP … a-t-elle précisé', 'the council … it said': a body as the latest subject")
TITLES_AND_ROLES = Pass("quotes.titles-and-roles", "'the minister', 'l'élu': the person introduced with that title")
NAMED_SPEAKERS = Pass("quotes.named-speakers",
                      "a speaker is a named person or body of the article; 'vendredi soir', 'the letter' are nobody")
# Quotes without a cue of their own.
INHERIT_SPEAKERS = Pass("quotes.inherit-speakers", "a quote without a cue takes its paragraph's or run's speaker")
UNNAMED_SOURCES = Pass("quotes.unnamed-sources",
                       "'Officials said \"A.\" \"B.\"': a quote with no named speaker near takes its neighbour's unnamed source")
INTERVIEW_ANSWERS = Pass("quotes.interview-answers",
                         "a quoted answer after a '…?' question paragraph is not given to whom the question names")
FORWARD_IN_SENTENCE = Pass("quotes.forward-in-sentence",
                           "a later quote's cue lends its speaker only within its sentence")
# What is not a quotation.
DROP_TITLES = Pass("quotes.drop-titles", "'Saturday Night Live', 'son livre « … »': titles of works are no quotes")
DROP_NAMES = Pass("quotes.drop-names",
                  "'les « gilets jaunes »' quoted again and again, 'l'« acte VIII »': names, not quotes")
DROP_HEADINGS = Pass("quotes.drop-headings",
                     "a few words in marks alone on their line, or run into the text between two sentences: a subheading")
DROP_LISTS = Pass("quotes.drop-lists",
                  "'des chefs d'« outrage », « rébellion » ou « port d'armes »': three or more marked terms in a row")
SINGLE_WORDS = Pass("quotes.single-words",
                    "'va « tenir » son cap': one marked word inside a sentence is a term, not a quotation")
DROP_SCARE_QUOTES = Pass("quotes.drop-scare-quotes", "'la « sobriété heureuse »': a few words nobody says")
SPEAKER_ENTITIES = Pass("quotes.speaker-entities", "a quoted person the entities stage missed becomes an entity")

PASSES: tuple[Pass, ...] = (
    DIALOGUE,
    INNER_INCISE,
    CUE_AFTER,
    ANY_VERB_INCISE,
    DASH_SIGNATURE,
    ACCORDING_TO,
    PARENTHESISED_SOURCE,
    CUE_BEFORE,
    OUTER_CUE,
    SOLE_PERSON,
    PREVIOUS_SENTENCE,
    COLON_INTRO,
    STANCE,
    CLAUSE_SUBJECT,
    NEGATED_CUE,
    ACTING_PLACES,
    NAME_CHAIN,
    PERSON_IN_SPAN,
    PRONOUNS,
    AGREEMENT,
    ROLE_SUBJECTS,
    BODY_PRONOUNS,
    TITLES_AND_ROLES,
    NAMED_SPEAKERS,
    INHERIT_SPEAKERS,
    FORWARD_IN_SENTENCE,
    INTERVIEW_ANSWERS,
    UNNAMED_SOURCES,
    DROP_TITLES,
    DROP_NAMES,
    DROP_HEADINGS,
    DROP_LISTS,
    SINGLE_WORDS,
    DROP_SCARE_QUOTES,
    SPEAKER_ENTITIES,
)


@dataclass(frozen=True)
class Switches:
    """Which passes run: all but the disabled ones."""

    disabled: frozenset[str] = frozenset()

    def on(self, rule: Pass) -> bool:
        return rule.name not in self.disabled
