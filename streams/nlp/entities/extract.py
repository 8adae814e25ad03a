"""Entities stage: spaCy mentions -> cleaned, merged, canonical, cross-lingual entities.

Why each step exists:
- spaCy's small models tag noise (elided "n'", headings, verbs at sentence start, web addresses)
  and include articles in spans ("l'OTAN"); mentions are trimmed and filtered before use.
- One entity per real-world actor per article: later "Stoltenberg" joins "Jens Stoltenberg",
  "EU" joins "European Union", "OTAN" joins "Organisation du traité de l'Atlantique nord".
- Ids come from the multilingual alias table (Wikidata QIDs where known) so that NATO in an English
  story and OTAN in a French one are the same entity; otherwise a readable deterministic id.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_right
from dataclasses import dataclass, field
from functools import lru_cache, partial
from importlib import resources
from typing import Iterable, Optional

from spacy.tokens import Doc, Span

from streams.events import Entity, Mention
from streams.nlp.entities.aliases import (
    AliasEntry,
    AliasTable,
    alias_key,
    entity_id_for,
    load_alias_table,
)
from streams.nlp.entities.descriptors import find_descriptions, shipped_descriptors
from streams.nlp.entities.institutions import english_name
from streams.text import nlp_char_view, search_key

# spaCy labels (OntoNotes for English, WikiNER for French) -> our four types; others are dropped.
LABEL_MAP: dict[str, str] = {
    "PERSON": "PER", "PER": "PER",
    "ORG": "ORG",
    "GPE": "LOC", "LOC": "LOC", "FAC": "LOC",
    "NORP": "MISC", "EVENT": "MISC", "WORK_OF_ART": "MISC", "LAW": "MISC", "PRODUCT": "MISC",
    "LANGUAGE": "MISC", "MISC": "MISC",
}

# Salience weights (documented in `salience`).
W_FREQ, W_POS, W_HEAD, W_QUOTE = 0.35, 0.25, 0.25, 0.15

_ELISION = re.compile(r"^(?:[ldjmnstcLDJMNSTC]|[Qq]u|[Jj]usqu|[Ll]orsqu|[Pp]uisqu|[Qq]uoiqu)['\u2019]")
_LEADING_THE = re.compile(r"^(?:the|The|THE|a|an|le|la|les|du|des)\s+(?=[\w\"'\u00ab\u201c])")
_HONORIFIC = re.compile(r"^(?:M\.|MM\.|Mme|Mmes|Mlle|Mr\.?|Mrs\.?|Ms\.?|Dr\.?|Pr\.?|Prof\.)\s+")
# French titles that are also ordinary words elsewhere ("Me" is the English pronoun): French copy only, and
# only before a capitalised word ("Me Julien Caradec", lawyer; "Mgr Lustiger", bishop; "Maître Dupont").
_HONORIFIC_FR = re.compile(r"^(?:Me|Mes|Mgr|Ma\u00eetre|Ma\u00eetres)\s+(?=[A-Z\u00c0-\u00dd])")
_POSSESSIVE = re.compile(r"['\u2019]s?$")
_TRAIL_PUNCT = " \t\n,;:!?\"'\u2019\u00ab\u00bb\u201c\u201d()[]{}\u2013\u2014-/*"
_LEAD_PUNCT = " \t\n,;:!?.\"'\u2019\u00ab\u00bb\u201c\u201d()[]{}\u2013\u2014-/*"
_WEBLIKE = re.compile(r"@|https?:|www\.|\w\.(?:com|org|net|mw|fr|de|uk|io|info|int)\b|#", re.IGNORECASE)
_ABBREV_END = re.compile(r"(?:\b[A-Z]\.)+$|\b(?:St|Jr|Sr|Co|Inc|Ltd|Corp)\.$")
# Function words that never start or form a name; French elided forms included.
_FUNCTION_WORDS = frozenset(
    """a à au aux avec ce ces cet cette c' d' de des du elle elles en et il ils je j' l' la le les leur
    lui ma mais me mes moi mon n' ne nos notre nous on ou où par pas pour qu' que qui s' sa se ses son
    sur ta te tes toi ton tu un une vos votre vous y
    an and as at be but by he her him his i if in into is it its me my no not of on or our she so that
    the their them they this those to us we what when who why with you your""".split()
)
_ORG_STOP = frozenset("of the for and on in to de du des la le les l' et pour sur en d' à au aux".split())
# Bylines and source credits are metadata, not actors of the story: "Author: ... (AFP, Reuters)". A label
# needs its colon: "Credit Kaiserslautern defender X with an assist", "Sources close to ..." are prose.
_BYLINE = re.compile(
    r"(?:^|(?<=[.!?\"\u00bb\u201d\u2019)\n]\s)|(?<=\n))"
    r"(?:(?:Authors?|Editors?|Auteure?s?|R\u00e9daction|R\u00e9dacteur|Sources?|Photos?|Copyright|Cr\u00e9dits?"
    r"|Credits?|Interview(?=\s?:[^\n]{0,60}/))\s?:|Reporting by|Writing by|Editing by)\s?[^\n]{0,300}",
)
# Wire sign-offs: staff initials and agencies joined by slashes closing a story, then any credits
# and labels ("... created. hf/glb/Reuters/dpa/AFP/AP Editor: Chuck Penfold", "mm/rc (AFP, dpa)").
_SIGN_OFF = re.compile(
    r"(?:(?<=[.!?\"\u00bb\u201d)\]]\s)|(?<=\n)|^)[a-z]{1,5}(?:/[A-Za-z]{1,14}){1,8}"
    r"(?=\s*(?:\(|$|\n|[A-Z]))(?:\s*\([^()\n]{1,80}\))?"
    r"(?:\s+(?:Authors?|Editors?)\s?:\s?[^\n]{0,120})?"
)
_CREDIT = re.compile(
    r"\((?:\s*[A-Za-z][\w.&\-]{0,14}\s*(?:[,/;]|\band\b|\bet\b)?){1,6}\)\s*(?=$|\n|Editor|R\u00e9daction)"
)
# A dateline's agency credit: "BRUSSELS (Demo Wire) —", "PARIS (AFP) -" opening the body or a paragraph.
_DATELINE_CREDIT = re.compile(r"(?:^|\n)[A-ZÀ-Ý][A-ZÀ-Ý .,'\u2019-]{1,40}\s*(\([^()\n]{1,40}\))\s*[\u2014\u2013-]")
_TIME_ZONE = re.compile(r"(?:\s+|^)(?:UTC|GMT|CET|CEST|EST|EDT|PST|PDT|BST|MSK)(?:\s*[+-]\s*\d+)?$")
_ADJECTIVE_DEMONYM = re.compile(r"(?:an|ese|ish|i|ch|ic)$")
_DEMONYM_SUFFIX = re.compile(
    r"(?:ans?|ians?|eses?|ish|is?|ch|ains?|aines?|ais|aises?|ois|oises?|iens?|iennes?|es?|s)$"
)


@dataclass
class _Mention:
    start: int
    end: int
    text: str  # NLP-view text (ASCII apostrophes), used for matching
    type: str
    tokens: int
    entry: Optional[AliasEntry] = None


@dataclass
class _Group:
    type: str
    mentions: list[_Mention] = field(default_factory=list)
    entry: Optional[AliasEntry] = None

    @property
    def first(self) -> int:
        return min(m.start for m in self.mentions)


nlp_text_view = nlp_char_view


# ---------------------------------------------------------------------------------------------
# Mention cleaning


def _trim(text: str, start: int, end: int, language: str) -> tuple[int, int]:
    """Shrink [start, end) of text to the name proper: no elided article, 'the', punctuation, 's."""
    changed = True
    while changed and start < end:
        changed = False
        span = text[start:end]
        stripped = span.lstrip(_LEAD_PUNCT)
        if stripped != span:
            start += len(span) - len(stripped)
            changed = True
            continue
        match = _ELISION.match(span) if language != "en" or span[:2].lower() in ("l'", "d'") else None
        if match and end - start > match.end():
            start += match.end()
            changed = True
            continue
        match = (_LEADING_THE.match(span) or _HONORIFIC.match(span)
                 or (_HONORIFIC_FR.match(span) if language == "fr" else None))
        if match and end - start > match.end():
            start += match.end()
            changed = True
            continue
        match = _POSSESSIVE.search(span)
        if match and match.start() > 0 and language == "en":
            end = start + match.start()
            changed = True
            continue
        zone = _TIME_ZONE.search(span)
        if zone:
            end = start + zone.start()
            changed = True
            continue
        rstripped = span.rstrip(_TRAIL_PUNCT)
        if rstripped.endswith(".") and not _ABBREV_END.search(rstripped):
            rstripped = rstripped[:-1]
        if rstripped != span:
            end = start + len(rstripped)
            changed = True
    return start, end


_NAME_PARTICLES_CF = frozenset(
    "de du des d' le la van von der den bin ben ibn al el del della da di dos das ter ten".split())
# Words that end a span without being part of the name ("Windows and", "US Agency for").
_TRAILING_JUNK = frozenset(
    "and or of for to with from in on at by the a an et ou de du des pour à au aux sur l d".split())
_WEEKDAYS = frozenset("lundi mardi mercredi jeudi vendredi samedi dimanche".split())
_SCORE = re.compile(r"\s+\d{1,2}\s?[-:\u2013]\s?\d{1,2}$")  # "Montpellier 2-1": a match score, not the name
_STANCE = re.compile(r"^(?:pro|anti|non|ex|post|pre|neo)-(?=[A-Z\u00c0-\u00dd])", re.IGNORECASE)
# Role words that precede a person's name without belonging to it ("Superintendent X", "coach Y").
_PERSON_TITLES = frozenset("""
    president vice chancellor minister prime secretary general king queen prince princess duke duchess emperor
    pope cardinal bishop archbishop rabbi imam sheikh sultan emir superintendent superintendant inspector
    director coach manager striker defender midfielder goalkeeper captain player scorer winger forward
    ambassador senator governor
    mayor judge officer professor doctor scriptwriter screenwriter writer author novelist poet actor actress
    singer rapper star chair chairman chairwoman ceo founder leader spokesman spokeswoman spokesperson commander
    colonel lieutenant sergeant major admiral marshal chief deputy lawmaker mp candidate activist dissident
    former late then veteran filmmaker director producer composer conductor painter artist photographer
    journalist reporter editor correspondent economist analyst expert researcher scientist lawyer attorney
    prosecutor opposition rebel militant sir lord lady dame saint st
    président présidente vice-président chancelier chancelière ministre premier première secrétaire général
    générale roi reine prince princesse pape cardinal évêque imam cheikh directeur directrice entraîneur
    sélectionneur attaquant défenseur milieu gardien capitaine ambassadeur ambassadrice sénateur sénatrice
    gouverneur maire juge procureur procureure avocat avocate professeur professeure docteur écrivain
    écrivaine romancier romancière acteur actrice chanteur chanteuse rappeur patron patronne fondateur
    fondatrice dirigeant dirigeante chef porte-parole commandant colonel lieutenant sergent amiral maréchal
    député députée candidat candidate militant militante opposant opposante ancien ancienne feu cinéaste
    réalisateur réalisatrice journaliste rédacteur économiste analyste expert experte chercheur chercheuse
    """.split())
# Head words of treaties, laws, awards, events and competitions: named things, but not persons,
# organisations or places (OntoNotes LAW/EVENT, WikiNER MISC). English heads come last, French first.
_MISC_HEADS_LAST = frozenset("""treaty treaties act agreement convention pact prize award awards olympics games
    day summit cup declaration protocol charter championship championships tournament medal crisis war wars
    revolution festival accord accords doctrine""".split())
_MISC_HEADS_FIRST = frozenset("""treaty battle operation traité traités accord accords pacte prix jeux guerre
    coupe sommet déclaration bataille opération championnat tournoi médaille crise révolution festival
    convention protocole charte journée loi""".split())


# Named things that are not actors, whatever spaCy-small tags them: competitions, awards, movements,
# currencies, eras and historical events, and faiths and peoples (OntoNotes NORP). Matched on the whole
# name, case-folded.
_MISC_NAMES = frozenset(alias_key(n) for n in """Champions League|Europa League|Conference League|Premier League
    |Nations League|Super League|Bundesliga|2. Bundesliga|Eredivisie|La Liga|Serie A|Ligue 1|Ligue 2|Super Bowl
    |Formula One|Formula 1|Grand Prix|Tour de France|Oscar|Oscars|Golden Globe|Golden Globes|Emmy|Emmys|Grammy
    |Grammys|Brexit|Grexit|MeToo|Obamacare|Euro|Euros|Islam|Christianity|Judaism|Hinduism|Buddhism|Sikhism
    |Catholicism|Protestantism|Lutheran|Lutherans|Lutheranism|Salafist|Salafists|Salafism|Islamist|Islamists
    |Islamism|Sharia|Shariah|Sunni|Sunnis|Shiite|Shiites|Shia|Sikh|Sikhs|Hindu|Hindus|Muslim|Muslims|Jihadist
    |Jihadists|Tuareg|Tuaregs|Uighur|Uighurs|Uyghur|Uyghurs|Tamil|Tamils|Hausa|Kurds|Pashtun|Pashtuns|Roma
    |Sinti|Yazidi|Yazidis|Rohingya|Bedouin|Bedouins|Gothic|Middle Ages|Stone Age|Bronze Age|Iron Age|Renaissance
    |Reformation|Enlightenment|Holocaust|Shoah|Arab Spring|Prague Spring|Great Depression|COP"""
    .replace("\n", "").split("|"))


# Head words that settle the type of a multi-word name the table does not know: English heads come
# last ("Social Democratic Party", "Allianz Arena"), French heads first ("Parti socialiste", "mer Noire").
_ORG_HEADS_LAST = frozenset("""party commission court council ministry university parliament agency institute
    association foundation committee department organization organisation office authority service front
    brotherhood group corporation corp inc ltd plc ag gmbh sa llc forces assembly times post zeitung press fund
    bank union society federation alliance movement police army navy guard club fc cabinet senate congress company
    magazine magazin gazette tribune herald journal rundschau kurier courier chronicle tagesspiegel
    airlines airways network news media holdings bureau directorate secretariat tribunal academy school college
    institution league coalition stiftung verein verband gesellschaft international division verlag""".split())
_LOC_HEADS_LAST = frozenset("""sea ocean island islands strip square street avenue boulevard bridge arena stadium
    mountains mountain river lake valley bay gulf coast peninsula province region desert canal palace cathedral
    castle tower gate mount museum gallery theatre theater hospital prison platz strasse straße allee damm
    pradesh oblast krai prefecture county canton crater cinema kino garden gardens park hall road lodge station
    airport mosque synagogue temple monastery abbey memorial hotel library base zoo""".split())
_ORG_HEADS_FIRST = frozenset("""parti banque ministère conseil commission cour université assemblée agence
    fondation institut comité organisation office fédération syndicat armée police société groupe compagnie
    tribunal académie association ligue union observatoire""".split())
_ORG_HEADS_FIRST_KEYS = frozenset(alias_key(w) for w in _ORG_HEADS_FIRST)  # accents folded, as _tokens gives
_LOC_HEADS_FIRST = frozenset("""mer océan île îles golfe place rue avenue boulevard pont stade lac mont monts
    vallée baie côte péninsule province région désert canal musée théâtre hôpital prison""".split())
# Sports clubs: abbreviations of the club's legal form anywhere in the name (case-sensitive), and the
# customary first or last words of club names.
_CLUB_MARKERS = frozenset("FC SC SV VfB VfL VfR TSG AFC SSV FSV SpVgg TSV CF SL RCD OGC OSC HSC RC LOSC AS".split())
_CLUB_FIRST = frozenset("Bayern Borussia Eintracht Fortuna Dynamo Dinamo Olympique Olympiacos Sporting Atletico Atlético Hertha Werder Bayer Hapoel Maccabi".split())
_CLUB_LAST = frozenset("United Rovers Wanderers Hotspur Albion".split())
# Members of a party named as a body ("the Social Democrats", "the Greens") act as the party.
_PARTY_PLURALS = frozenset("democrats republicans greens socialists conservatives liberals tories".split())


# Lower-case words that do open a name: particles ("al-", "van") and French generic place and body
# words ("mer du Japon", "golfe Persique", "palais de l'Élysée").
_KEEP_LOWER_FIRST = _NAME_PARTICLES_CF | _LOC_HEADS_FIRST | _ORG_HEADS_FIRST | frozenset(
    "palais fleuve détroit massif cap col château cathédrale église gare aéroport".split())


def _type_by_head(surface: str) -> Optional[str]:
    words = surface.split()
    if len(words) < 2:
        street = surface.rsplit("-", 1)[-1].casefold() if "-" in surface else ""
        if street in ("strasse", "straße", "platz", "allee", "damm", "ufer", "gasse", "weg"):
            return "LOC"  # "Hans-Riegel-Strasse"
        return "ORG" if surface.casefold() in _PARTY_PLURALS else None
    last, first = alias_key(words[-1]), words[0].casefold()
    if last in _PARTY_PLURALS:
        return "ORG"
    if _is_club_name(words):
        return "ORG"  # "FC Augsburg", "VfB Stuttgart", "Borussia Dortmund", "Leeds United"
    linker = next((i for i, w in enumerate(words) if w in ("of", "for")), 0)
    if linker > 0 and words[linker - 1][:1].isupper():  # the head comes before "of": "Museum of Modern Art"
        head = words[linker - 1].casefold()
        if head in _ORG_HEADS_LAST:
            return "ORG"
        if head in _LOC_HEADS_LAST:
            return "LOC"
    if words[-1][:1].isupper() or words[-1].isupper():
        last_cf = words[-1].casefold()  # alias_key drops a leading "the": "Theater" -> "ater"
        if last in _ORG_HEADS_LAST or last_cf in _ORG_HEADS_LAST:
            return "ORG"
        if last in _LOC_HEADS_LAST or last_cf in _LOC_HEADS_LAST:
            return "LOC"
    if first in _ORG_HEADS_FIRST:
        return "ORG"
    if first == "stade" and len(words) == 2 and words[1].islower() and words[1] not in _NAME_PARTICLES_CF:
        return "ORG"  # a club: "Stade rennais", "Stade toulousain" (the ground is "stade de France")
    if first in _LOC_HEADS_FIRST:
        return "LOC"
    return None


_NEXT_WORD = re.compile(r" ([A-Z][a-z]+)\b")


def _names_a_longer_name(text: str, end: int, country: bool) -> bool:
    """A place's name followed at once by a capitalised head word of an event, a body or a site
    ("Vietnam War", "Atlanta Olympics", "Cologne Cathedral") only qualifies that longer name; a
    country opening a body's name stays a mention of the country ("US Senate")."""
    after = _NEXT_WORD.match(text, end)
    if after is None:
        return False
    word = after.group(1).casefold()
    return word in _MISC_HEADS_LAST or not country and (word in _ORG_HEADS_LAST or word in _LOC_HEADS_LAST)


def _is_club_name(words: list[str]) -> bool:
    return len(words) > 1 and (any(w.replace(".", "") in _CLUB_MARKERS for w in words) or words[0] in _CLUB_FIRST
                               or words[-1] in _CLUB_LAST)


def _misc_by_head(surface: str) -> bool:
    """"Lisbon Treaty", "Charlemagne Prize", "Traité de Lisbonne", "Jeux olympiques": not ORG/LOC."""
    words = surface.split()
    if len(words) < 2:
        return False
    return words[-1].casefold() in _MISC_HEADS_LAST or (
        words[0].casefold() in _MISC_HEADS_FIRST and words[1].casefold() in _ORG_STOP | {"olympiques", "paralympiques"}
    ) or words[0].casefold() in ("jeux", "coupe")


def _refine(doc: Doc, text: str, start: int, end: int, type_: str, language: str,
            places: dict[str, int]) -> tuple[int, int]:
    """Boundary fixes the trim cannot see: an unclosed "(", trailing function words and scores,
    "pro-"/"anti-" prefixes, and role words, demonyms or sentence-initial verbs before a person's
    name ("Following Mubarak", "Superintendent Shekhar Prabhudessai", "Estonian Herman Simm")."""
    for _ in range(4):
        before = (start, end)
        span = text[start:end]
        open_at = span.find("(")
        if open_at > 0 and ")" not in span[open_at:]:
            end = start + open_at
        span = text[start:end]
        stance = _STANCE.match(span)
        if stance:
            start += stance.end()
        score = _SCORE.search(text[start:end])
        if score:
            end = start + score.start()
        words = text[start:end].split()
        # a preposition left by that strip is no particle outside a person's name: "centre spatial
        # [de Toulouse]" is Toulouse, "de Gaulle" keeps its "de"
        preposition = (language == "fr" and type_ != "PER" and len(words) >= 2
                       and words[0] in ("de", "du", "des") and words[1][:1].isupper())  # "de la X": _french_fragment
        if (len(words) >= 2 and words[0][:1].islower() and (words[0] not in _KEEP_LOWER_FIRST or preposition)
                and not any(c.isupper() for c in words[0]) and "'" not in words[0]):
            start = start + text[start:end].find(words[1], len(words[0]))  # "ministre russe des Affaires..."
            words = words[1:]
        last_cf = words[-1].casefold().strip(".,") if len(words) >= 2 else ""
        if last_cf in _TRAILING_JUNK | {"-", "\u2013", "/"} or (
                last_cf in _WEEKDAYS and words[-2].casefold() not in _NAME_PARTICLES_CF):
            end = start + text[start:end].rstrip().rfind(words[-1])  # "Crédit Agricole mardi", not "Journal du dimanche"
        words = text[start:end].split()
        if type_ != "PER" and len(words) >= 2 and alias_key(words[-1]) in _PERSON_TITLES and _person_follows(doc, start, end):
            end = start + text[start:end].rstrip().rfind(words[-1])  # "[Fed] Chair Jerome Powell"
            continue
        if type_ == "PER":
            words = text[start:end].split()
            if len(words) >= 2:
                first = words[0]
                key = alias_key(first)
                drop = (first[:1].islower() and first.casefold() not in _NAME_PARTICLES_CF
                        or key in _PERSON_TITLES or key.rstrip("s") in _PERSON_TITLES
                        or _looks_like_demonym(key, places) and len(words) >= 3
                        and _ADJECTIVE_DEMONYM.search(key) is not None)  # "Russian ...", not "George W. Bush"
                if not drop:
                    inner = doc.char_span(start, start + len(first))
                    tok = inner[0] if inner is not None and len(inner) == 1 else None
                    drop = (tok is not None and tok.tag_ == "VBG"
                            and (tok.is_sent_start or tok.i == 0 or doc[tok.i - 1].is_punct))
                if drop:
                    start = start + text[start:end].find(words[1], len(first))
        start, end = _trim(text, start, end, language)
        if (start, end) == before or end <= start:
            break
    return start, end


def _person_follows(doc: Doc, start: int, end: int) -> bool:
    """A person's name (as the model tags it) starts right after [start, end): "Chair [Jerome Powell]"."""
    span = doc.char_span(start, end, alignment_mode="expand")
    if span is None or span.end >= len(doc):
        return False
    after = doc[span.end]
    return after.idx - end <= 1 and after.ent_type_ in ("PERSON", "PER") and after.ent_iob_ == "B"


def _metadata_spans(text: str) -> list[tuple[int, int]]:
    """Character ranges of bylines, agency credits, datelines' credits and sign-offs ("Author: X (AFP, dpa)
    Editor: Y", "BRUSSELS (Reuters) —")."""
    spans = [(m.start(), m.end()) for m in _BYLINE.finditer(text)]
    spans += [(m.start(), m.end()) for m in _CREDIT.finditer(text)]
    spans += [(m.start(), m.end()) for m in _SIGN_OFF.finditer(text)]
    spans += [(m.start(1), m.end(1)) for m in _DATELINE_CREDIT.finditer(text)]  # the city stays a place
    return spans


def _inside(start: int, end: int, spans: list[tuple[int, int]]) -> bool:
    return any(s <= start and end <= e for s, e in spans)


def _overlapping(start: int, end: int, covered: Iterable[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """The covered spans (start, end, type) that share a character with [start, end)."""
    return [c for c in covered if c[0] < end and start < c[1]]


def _is_heading_paragraph(doc: Doc, span: Span) -> bool:
    """True when the span sits in a short verbless line, like a section heading."""
    text = doc.text
    para_start = text.rfind("\n", 0, span.start_char) + 1
    para_end = text.find("\n", span.end_char)
    para_end = len(text) if para_end < 0 else para_end
    if para_end - para_start > 100:
        return False
    line = text[para_start:para_end].strip()
    if not line or line[-1] in ".!?:;\u00bb\"" or len(line.split()) > 8:
        return False
    para = doc.char_span(para_start, para_end, alignment_mode="expand")
    if para is None:
        return False
    return not any(t.pos_ in ("VERB", "AUX") for t in para)


def _looks_like_demonym(key: str, places: dict[str, int]) -> bool:
    """"Russes", "Américains", "Parisiens": a word with a demonym ending that shares most of its
    stem with a known place name ("russie", "amerique", "paris")."""
    if " " in key or not _DEMONYM_SUFFIX.search(key):
        return False
    for size in range(min(len(key) - 1, 12), 3, -1):
        shortest = places.get(key[:size])
        if shortest is not None:
            return size >= 0.6 * shortest
    return False


_TOURNAMENT_GROUP = re.compile(r"(?:Group|Pool|Groupe|Poule) [A-L]\.?")


def _compound_demonym(surface: str, table: AliasTable, language: str) -> bool:
    """"Sri Lankan", "South African", "Middle Eastern": a multi-word known place plus an adjective
    ending (English only; the table knows the place, not the adjective)."""
    if language != "en" or " " not in surface:
        return False
    for ending in ("ern", "n"):
        stem = surface[: -len(ending)]
        if surface.endswith(ending) and len(stem) > 4:
            entry = table.lookup(stem, language)
            if entry is not None and entry.type == "LOC" and stem in entry.aliases:
                return True
    return False


# A ministerial portfolio names no actor by itself: "Defense" in "Defense Minister X", "State" in
# "Secretary of State John Kerry", "Malaysian Human Resources" in "... Human Resources Minister".
_PORTFOLIO_WORDS = frozenset("""state defense defence interior foreign finance finances justice health economy
economic economics labor labour trade transport transportation agriculture energy environment education
home homeland affairs development culture treasury industry commerce tourism communications information
human resources social welfare family families youth women science research technology higher public works
housing infrastructure immigration integration consumer protection fisheries food rural urban veterans
security intelligence sport sports the and of for""".split())
_ARTICLES = frozenset("the le la les".split())  # a name after one is no person's ("the Rose Garden")
_PERSON_ROLE_AFTER = re.compile(r"\s+(?:[Mm]inisters?|[Ss]ecretar(?:y|ies)|[Cc]ommissioners?)\b")
_PERSON_ROLE_BEFORE = re.compile(
    r"\b(?:[Mm]inisters?|[Ss]ecretar(?:y|ies)|[Cc]ommissioners?)\s+(?:of|for)\s+(?:the\s+)?$")


def _is_portfolio(text: str, start: int, end: int, surface: str) -> bool:
    words = surface.split()
    if len(words) > 1 and not words[0].islower() and words[0].casefold() not in _PORTFOLIO_WORDS:
        if words[0].isupper():
            return False  # "EU Trade Commissioner": the EU is named, keep the span
        words = words[1:]  # "Malaysian Human Resources"
    if not words or any(w.casefold().strip(",") not in _PORTFOLIO_WORDS for w in words):
        return False
    return bool(_PERSON_ROLE_AFTER.match(text, end) or _PERSON_ROLE_BEFORE.search(text[max(0, start - 40):start]))


def _is_noise(doc: Doc, span: Span, start: int, end: int, text: str, table_hit: bool,
              lower_words: frozenset[str], person_words: frozenset[str]) -> bool:
    """General filters for spaCy-small false positives; table-known names are never noise."""
    if table_hit:
        return False
    if not any(c.isalpha() for c in text) or len(text) < 2:
        return True
    if _WEBLIKE.search(text):
        return True
    if not any(c.isupper() for c in text):  # "russe", "gouvernement": no proper noun
        return True
    words = text.split()
    if text.casefold() in _FUNCTION_WORDS or words[0].casefold() in _FUNCTION_WORDS and len(words) == 1:
        return True
    inner = doc.char_span(start, end, alignment_mode="expand")
    tokens = list(inner) if inner is not None else list(span)
    content = [t for t in tokens if not t.is_punct and not t.is_space]
    if not content:
        return True
    if len(content) == 1:
        tok = content[0]
        if tok.pos_ in ("PRON", "DET", "ADP", "CCONJ", "SCONJ", "PART", "INTJ") or tok.is_stop:
            return True
        sentence_initial = tok.is_sent_start or tok.i == 0 or doc[tok.i - 1].is_punct
        if tok.pos_ in ("VERB", "AUX") and sentence_initial:
            return True
        if tok.pos_ in ("NOUN", "ADJ", "VERB") and _is_heading_paragraph(doc, span):
            return True
        if sentence_initial and tok.pos_ in ("NOUN", "ADJ", "ADV", "VERB") and tok.text[1:].islower():
            if tok.text.lower() in lower_words:
                return True  # the same word appears in lower case elsewhere: a common word
        if (span.label_ in ("PERSON", "PER") and tok.text[1:].islower() and tok.text.lower() in lower_words
                and tok.text not in given_names() and alias_key(tok.text) not in person_words):
            return True  # "Flour", "Heroin" as a person, with "flour" and "heroin" in the text ("Jeremy Hunt" no)
    return False


# ---------------------------------------------------------------------------------------------
# Merging


def _initials(text: str) -> str:
    words = re.split(r"[\s\-']+", text)
    return "".join(w[0] for w in words if w and w.casefold() not in _ORG_STOP and w[0].isalpha()).upper()


_ACRONYM_DEFINED = re.compile(r"((?:[\w-]+,?\s+){1,10})\(([A-Z]{2,8})\)")


def _common_noun_acronyms(text: str) -> frozenset[str]:
    """Acronyms the text defines by lower-case words, so that they name a thing, not an actor:
    "personal consumption expenditures (PCE)", "Atlantic meridional overturning circulation (AMOC)".
    The defining words are the last ones before the bracket whose initials spell the acronym."""
    plain = set()
    for match in _ACRONYM_DEFINED.finditer(text):
        acronym = match.group(2)
        words = [w.strip(",") for w in match.group(1).split()]
        for size in range(len(acronym), len(words) + 1):
            phrase = words[-size:]
            if _initials(" ".join(phrase)) == acronym:
                content = [w for w in phrase if w.casefold() not in _ORG_STOP]
                if sum(w[:1].islower() for w in content) * 2 > len(content):
                    plain.add(acronym)
                break
    return frozenset(plain)


def _is_acronym(text: str) -> bool:
    letters = text.replace(".", "")
    return 2 <= len(letters) <= 8 and letters.isalpha() and letters.isupper()


def _tokens(text: str) -> list[str]:
    """Words of a name, an attached Arabic article split off ("Omar al-Bashir" -> ..., al, bashir)."""
    return [alias_key(t) for t in re.split(r"\s+|(?<=\b[Aa]l)-|(?<=\b[Ee]l)-", text) if t]


def _head_before_of(tokens: list[str]) -> Optional[str]:
    """The head word of "University of Zurich" or "Council of Europe" (an organisation's head word
    right before its first "of"), else None."""
    if "of" not in tokens[1:]:
        return None
    head = tokens[tokens.index("of", 1) - 1]
    return head if head in _ORG_HEADS_LAST else None


def _merge_groups(groups: list[_Group], body: str) -> list[_Group]:
    """Join partial names, acronyms and mistyped repeats of a longer name into one entity."""
    # 1. Partial names: a mention whose tokens are a contiguous part of a longer person name joins
    #    it ("Le Pen" tagged ORG too, if it ends the name); an organisation's partial name joins the
    #    organisation ("Dortmund" after "Borussia Dortmund", "the Commission"). Nearest preceding
    #    full name first, else the first later one.
    full = [(g, m, _tokens(m.text)) for g in groups if g.type in ("PER", "ORG") for m in g.mentions if m.tokens >= 2]
    absorbed: set[int] = set()
    for g in groups:
        # a surname the table knows ("Gaddafi") still joins another full name the article gives
        # ("Saif al-Islam Gaddafi"): the article's own name wins over the table's best-known bearer
        surname_only = g.entry is not None and g.type == "PER" and all(m.tokens == 1 for m in g.mentions)
        if (g.entry is not None and not surname_only) or id(g) in absorbed:
            continue
        longest = max(g.mentions, key=lambda m: (m.tokens, len(m.text)))
        toks = _tokens(longest.text)
        if not toks:
            continue
        n = len(toks)
        options = []
        for pg, pm, ptoks in full:
            if pg is g or id(pg) in absorbed:
                continue
            if len(ptoks) <= n:
                continue
            if pg.type == "ORG":  # its head ("the Commission", "Dortmund"), or a club's first word ("Hertha")
                head_first = ptoks[0] in _ORG_HEADS_FIRST_KEYS  # French: "la Commission" after "Commission européenne"
                fits = g.type == "ORG" and (pg.entry is None or pg.entry.type == "ORG") and (
                    ptoks[-n:] == toks or ptoks[:n] == toks and (head_first or _is_club_name(pm.text.split()))
                    or n == 1 and _head_before_of(ptoks) == toks[0]  # "the Council" after "Council of Europe"
                    or ptoks[:n] == toks and "party" in ptoks[n:])  # "Green" lawmakers, of the "Green Party"
            elif g.type == "PER" or n == 1:
                fits = any(ptoks[i:i + n] == toks for i in range(len(ptoks) - n + 1))
            else:  # an ORG-tagged surname ending the name: "Le Pen", "Van Rompuy"
                fits = g.type == "ORG" and ptoks[-n:] == toks
            if fits:
                options.append((pg, pm))
        if not options:
            continue
        if g.type != "PER" and (g.type == "MISC" or not toks[0][:1].isalpha()):
            continue
        first = g.first
        before = [o for o in options if o[1].start < first]
        target = max(before, key=lambda o: o[1].start)[0] if before else min(options, key=lambda o: o[1].start)[0]
        if target is g:
            continue
        if surname_only:
            if target.type != "PER":
                continue
            for m in g.mentions:
                m.entry = None
        target.mentions.extend(g.mentions)
        absorbed.add(id(g))
    groups = [g for g in groups if id(g) not in absorbed]

    # 2. Acronyms: "EU" joins "European Union"; "Long Name (ACR)" links explicitly.
    absorbed = set()
    for g in groups:
        if id(g) in absorbed:
            continue
        acronyms = {m.text.replace(".", "") for m in g.mentions if _is_acronym(m.text)}
        # "Agence nationale de l'habitat (Anah)": a short unknown word in parentheses, same first letter
        bracketed = {m.text for m in g.mentions if g.entry is None and m.tokens == 1 and len(m.text) <= 8
                     and body[m.start - 1:m.start] == "(" and body[m.end:m.end + 1] == ")"}
        if not (acronyms or bracketed) or g.type not in ("ORG", "LOC", "MISC"):
            continue
        for other in groups:
            if other is g or id(other) in absorbed or other.type == "PER":
                continue
            if g.entry is not None and other.entry is not None:
                continue
            linked = False
            for m in other.mentions:
                if m.tokens < 2 or _is_acronym(m.text) or acronyms & set(m.text.split()):
                    continue  # "US Senate" holds "US": it is not what "US" stands for
                after = body[m.end:m.end + 12]
                paren = re.match(r"\s*\(([^)]{2,10})\)", after)
                if (paren and paren.group(1).replace(".", "") in acronyms) or _initials(m.text) in acronyms or (
                        paren and paren.group(1) in bracketed and paren.group(1)[0].lower() == m.text[0].lower()):
                    linked = True
                    break
            if not linked:
                continue
            keep, drop = (other, g) if (other.entry is not None or g.entry is None) else (g, other)
            if g.entry is not None and other.entry is None:
                keep, drop = g, other
            keep.mentions.extend(drop.mentions)
            absorbed.add(id(drop))
            if drop is g:
                break
    return [g for g in groups if id(g) not in absorbed]


# ---------------------------------------------------------------------------------------------
# Salience


_norm_for_search = search_key


def _in_headline(headline_norm: str, forms: Iterable[str]) -> bool:
    for form in forms:
        norm = _norm_for_search(form)
        if len(norm) >= 2 and norm in headline_norm and re.search(r"(?<!\w)" + re.escape(norm) + r"(?!\w)", headline_norm):
            return True
    return False


def salience(mentions: int, first_start: int, body_length: int, max_mentions: int,
             in_headline: bool, quoted: bool) -> float:
    """Salience in [0, 1], deterministic:

        0.35 * log(1 + mentions) / log(1 + max_mentions in the article)
      + 0.25 * (1 - first_start / body_length)        earlier first mention = more central
      + 0.25 * [named in the headline]
      + 0.15 * [quoted]                               set by mark_quoted
    rounded to 4 decimals.
    """
    freq = math.log1p(mentions) / math.log1p(max(max_mentions, mentions, 1))
    position = 1.0 - min(max(first_start, 0), body_length) / body_length if body_length > 0 else 1.0
    score = W_FREQ * freq + W_POS * position + W_HEAD * float(in_headline) + W_QUOTE * float(quoted)
    return round(min(1.0, max(0.0, score)), 4)


def mark_quoted(entities: list[Entity], quoted_ids: set[str], body_length: int) -> list[Entity]:
    """Copy of `entities` with quoted=True for ids in `quoted_ids` and salience recomputed.

    The headline term is not stored, so it is recovered from the previous salience (it is the only
    unknown in the formula and is 0 or 0.25).
    """
    if not entities:
        return []
    max_mentions = max(len(e["mentions"]) for e in entities)
    out: list[Entity] = []
    for e in entities:
        count = len(e["mentions"])
        first = min((m["start"] for m in e["mentions"]), default=body_length)
        base = salience(count, first, body_length, max_mentions, False, False)
        rest = e["salience"] - base - (W_QUOTE if e.get("quoted") else 0.0)
        in_headline = rest >= W_HEAD / 2
        quoted = bool(e.get("quoted")) or e["id"] in quoted_ids
        new: Entity = dict(e)  # type: ignore[assignment]
        new["quoted"] = quoted
        new["salience"] = salience(count, first, body_length, max_mentions, in_headline, quoted)
        out.append(new)
    return out


# ---------------------------------------------------------------------------------------------
# Extraction


def _place_prefixes(table: AliasTable) -> dict[str, int]:
    """Prefix (4+ letters) of a one-word place name -> length of the shortest such name."""
    cached = getattr(table, "_ww_place_prefixes", None)
    if cached is None:
        cached = {}
        for entry in table.entries:
            if entry.type != "LOC" or entry.population:
                continue  # demonyms come from countries, regions and major cities, not every town
            for form in entry.aliases:
                key = alias_key(form)
                if " " in key or len(key) < 4:
                    continue
                for size in range(4, min(len(key), 12) + 1):
                    prefix = key[:size]
                    cached[prefix] = min(cached.get(prefix, 99), len(key))
        setattr(table, "_ww_place_prefixes", cached)
    return cached


def _compatible(entry: AliasEntry, type_: str, surface: str) -> bool:
    """May a span spaCy typed `type_` take this table entry? Places are often typed ORG by metonymy
    ("Russia said"); organisation acronyms and long names typed as places are fine; a lone ordinary
    word typed as a place is not a company ("Amazon" the river, "Shell" the beach)."""
    if entry.type == type_ or type_ == "MISC":
        return True
    if entry.type == "LOC" and type_ == "ORG":
        return True
    if entry.type == "ORG" and type_ == "LOC":  # "Snes-FSU": an acronym in a hyphenated name too
        return any(_is_acronym(part) for part in surface.split("-")) or len(surface.split()) > 1
    return False


def _table_entry(table: AliasTable, surface: str, language: str, type_: str,
                 person_words: frozenset[str], city_places: frozenset[str] = frozenset()) -> Optional[AliasEntry]:
    hint = None if type_ == "MISC" else type_
    entry = table.lookup(surface, language, hint)
    if entry is not None and entry.population and (surface not in entry.aliases
                                                    or alias_key(surface) not in city_places):
        entry = None  # a gazetteer town: its exact name, where the article uses it as a place (_city_places)
    if entry is not None and not _compatible(entry, type_, surface):
        entry = None
    if entry is None and type_ == "PER" and alias_key(surface) not in person_words:
        # the small models often tag a lone place or company name as a person ("Moscou a
        # refusé", "on Twitter"): trust an exact, case-sensitive table name
        candidate = table.lookup(surface, language)
        if candidate is not None and surface in candidate.aliases and (
                alias_key(surface) in city_places if candidate.population
                else " " not in surface or candidate.type == "ORG"):
            entry = candidate
    if entry is None and type_ in ("ORG", "LOC", "MISC") and " " in surface:
        # a known person's full name the model tagged as something else ("Vladimir Poutine" as ORG)
        candidate = table.lookup(surface, language, "PER")
        if candidate is not None and surface in candidate.aliases:
            entry = candidate
    if entry is not None and type_ == "MISC" and entry.type == "LOC":
        entry = None  # "American", "French": a demonym is not the place
    if entry is not None and surface.islower() and surface not in entry.aliases:
        entry = None  # "democrats" is not a party unless the table writes it in lower case ("dpa")
    return entry


def _scan_index(table: AliasTable) -> tuple[dict[str, AliasEntry], dict[str, int]]:
    """Exact, case-sensitive surface -> entry index (and first word -> longest length in words)."""
    cached = getattr(table, "_ww_scan_index", None)
    if cached is None:
        index: dict[str, AliasEntry] = {}
        firsts: dict[str, int] = {}
        for surface, entry in table.surfaces(min_length=2):
            if entry.population:
                continue  # a town's name the model did not tag is more often a word or a person ("Spring", "Most")
            letters = surface.replace(".", "")
            if not surface[:1].isupper() or (len(letters) <= 3 and not letters.isupper()):
                continue
            index.setdefault(surface, entry)
            words = surface.split()
            first = re.split(r"[-'\u2019]", words[0])[0] if len(words) == 1 else words[0]
            firsts[first] = max(firsts.get(first, 0), len(words) + 3)
            firsts[words[0]] = max(firsts.get(words[0], 0), len(words) + 3)
        cached = (index, firsts)
        setattr(table, "_ww_scan_index", cached)
    return cached


def _scan_tokens(doc: Doc, table: AliasTable) -> list[_Mention]:
    """Table names found token by token (longest first), case-sensitive."""
    index, firsts = _scan_index(table)
    text = doc.text
    out: list[_Mention] = []
    n = len(doc)
    i = 0
    while i < n:
        tok = doc[i]
        width = firsts.get(tok.text, 0) if tok.text[:1].isupper() else 0
        matched = False
        for size in range(min(width, n - i), 0, -1):
            last = doc[i + size - 1]
            surface = text[tok.idx:last.idx + len(last.text)]
            entry = index.get(surface)
            if entry is not None:
                out.append(_Mention(tok.idx, last.idx + len(last.text), surface, entry.type,
                                    len(surface.split()), entry))
                i += size
                matched = True
                break
        if not matched:
            i += 1
    return out


def _scan_is_safe(doc: Doc, m: _Mention) -> bool:
    """A table name spaCy missed is kept when it cannot be an ordinary capitalised word."""
    letters = m.text.replace(".", "")
    if letters.isupper() and len(letters) >= 2:
        return True
    if m.tokens > 1:
        return True
    span = doc.char_span(m.start, m.end)
    if span is None:
        return False
    first = span[0]
    return not (first.is_sent_start or first.i == 0 or doc[first.i - 1].is_punct or doc[first.i - 1].is_space)


_NAME_PARTICLES = frozenset({"de", "du", "des", "d'", "le", "la", "van", "von", "der", "den", "bin", "ben", "ibn",
                             "al", "el", "del", "della", "da", "di", "dos", "das", "Le", "La", "Van", "Von",
                             "Al", "El", "De", "Del", "Da", "Di", "ter", "ten"})


def _is_name_token(token) -> bool:
    return token.is_alpha and token.text[:1].isupper() and token.pos_ == "PROPN" and not token.is_stop


def _particle_joined(doc: Doc, table: AliasTable, language: str) -> list[Span]:
    """doc.ents with a person's name rejoined across its particles: spaCy-small splits
    "[Ursula von] der [Leyen]" into a PERSON and a GPE. A name the table knows after "de", "du" or
    "des" is not a surname: "Olivier Faure du [PS]", "Michel Durand de [Lyon]"."""
    ents = list(doc.ents)
    out: list[Span] = []
    i = 0
    while i < len(ents):
        span = ents[i]
        i += 1
        if span.label_ not in ("PERSON", "PER") or len(span) > 4:
            out.append(span)
            continue
        k = span.end
        while k < len(doc) and doc[k].text.islower() and doc[k].text in _NAME_PARTICLES:
            k += 1
        if (k == span.end and doc[span.end - 1].text not in _NAME_PARTICLES) or k >= len(doc) or not (
                doc[k].is_alpha and doc[k].text[:1].isupper()):
            out.append(span)
            continue
        ends_in_particle = doc[span.end - 1].text in _NAME_PARTICLES
        if i < len(ents) and ents[i].start == k and len(ents[i]) <= 2 and (
                ends_in_particle or ents[i].label_ in ("PERSON", "PER")
                or table.lookup(ents[i].text, language) is None
                and not {t.lower_ for t in doc[span.end:k]} & {"de", "du", "des", "d'"}):
            end = ents[i].end
            i += 1
        elif not doc[k].ent_type_ and _is_name_token(doc[k]):
            end = k + 1
        else:
            out.append(span)
            continue
        out.append(Span(doc, span.start, end, label=span.label_))
    return out


def _extend_person(doc: Doc, span: Span) -> tuple[int, int]:
    """Character bounds of a PER span grown over the proper nouns that touch it: the small
    models often tag only part of a name ("Marine [Le Pen]", "[Emmanuel] Macron")."""
    start, end = span.start, span.end
    while start > 0 and (_is_name_token(doc[start - 1])
                         or (doc[start - 1].text in _NAME_PARTICLES and start > 1
                             and _is_name_token(doc[start - 2]))) and not doc[start - 1].ent_type_:
        start -= 1
    while end < len(doc) and (_is_name_token(doc[end]) or (
            doc[end].text in _NAME_PARTICLES and end + 1 < len(doc) and _is_name_token(doc[end + 1])
    )) and not doc[end].ent_type_:
        end += 1
    return doc[start].idx, doc[end - 1].idx + len(doc[end - 1].text)


def _person_words(doc: Doc, text: str, language: str) -> frozenset[str]:
    """Words of the multi-word person names of the article ("Paris Hilton" -> paris, hilton), from
    the trimmed spans: a time-zone table ("Edmonton UTC -7") is not a person's name."""
    words: set[str] = set()
    for e in doc.ents:
        if LABEL_MAP.get(e.label_) != "PER" or len(e) < 2:
            continue
        start, end = _trim(text, e.start_char, e.end_char, language)
        parts = text[start:end].split()
        if len(parts) > 1:
            words.update(alias_key(w) for w in parts)
    return frozenset(words)


# Evidence that a name the model tagged as a person or an organisation is used as a town.
# Verbs whose object may well be a place ("visited Shimla", "shelled Aleppo").
_PLACE_OBJECT_VERBS = frozenset("""visit leave reach enter hit flood shell bomb attack capture seize take retake
    besiege evacuate cross tour occupy liberate""".split())
_PLACE_PREPS = frozenset("""in near outside around across throughout inside within via at
    à dans près vers depuis""".split())
_MOTION_VERBS = frozenset("""go travel move fly flee drive head relocate deport come march sail evacuate
    commute emigrate migrate walk""".split())
_PLACE_NOUNS = frozenset("""city town village suburb capital port outskirt outskirts centre center mayor resident
    residents inhabitant inhabitants street streets region province district municipality station airport
    fair cathedral harbour harbor cityscape neighbourhood neighborhood area county
    ville commune maire habitant habitants région banlieue agglomération gare aéroport quartier""".split())
_SAY_VERBS = frozenset("""say tell add explain insist claim argue write describe confirm announce admit deny state
    warn believe think want hope recall ask reply
    dire déclarer affirmer expliquer ajouter estimer annoncer confier assurer répondre""".split())
_HONORIFICS_CF = frozenset("mr mr. mrs mrs. ms ms. dr dr. m. mme mlle mgr pr pr.".split())
_SPORT_WORDS = frozenset("""striker midfielder defender goalkeeper keeper bundesliga penalty football soccer stadium
    goal coach league match relegation championship tournament uefa fifa club squad
    attaquant défenseur gardien entraîneur championnat ligue footballeur rugby essai mêlée buteur pénalité
    transformation ouvreur talonneur demi-finale rugbyman""".split())


def _is_known_place(doc: Doc, token, table: AliasTable, language: str) -> bool:
    """The token is (the head of) a name the table knows as a country, region or major city; the
    model's own GPE tag is no proof ("firms like Escada, Bogner")."""
    if not token.ent_type_:
        return False
    span = next((e for e in doc.ents if e.start <= token.i < e.end), None)
    if span is None:
        return False
    entry = table.lookup(span.text, language)
    return entry is not None and entry.type == "LOC" and not entry.population and span.text in entry.aliases


# Nouns that name what follows "of" as a place: "the town of Birstall", "the islands of Lesbos, Kos and Chios".
_PLACE_KIND_NOUNS = frozenset("""city cities town towns village villages hamlet island islands isle province provinces
    state states region regions district districts county counties municipality suburb neighbourhood neighborhood
    enclave oasis ville villes commune communes île îles région régions département départements""".split())
# ... and lower-case nouns after a name that make it one: "the Uva province", "the Dollart region".
_PLACE_KIND_AFTER = frozenset("""province region district county valley island mountains crater prison
    région département vallée""".split())


def _named_as_place(doc: Doc, span: Span) -> bool:
    """The phrase itself says the name is a place: "the town of X", "the states of A, B and C",
    "the Uva province"."""
    first = min([span.root] + list(span.root.conjuncts), key=lambda t: t.i)
    start = min(span.start, first.i)
    if start >= 2 and doc[start - 1].lower_ in ("of", "de", "d'") and doc[start - 2].lower_ in _PLACE_KIND_NOUNS:
        return True
    return span.end < len(doc) and doc[span.end].text in _PLACE_KIND_AFTER


def _has_place_evidence(doc: Doc, span: Span, sport: bool, places: set[int], table: AliasTable,
                        language: str) -> bool:
    root = span.root
    head = root.head
    preps = [c for c in root.children if c.dep_ == "case"]  # French: "à [Essen]"
    if root.dep_ == "pobj":
        preps.append(head)
    for prep in preps:
        word = prep.lower_
        if word in _PLACE_PREPS and not (sport and word == "at"):
            return True
        if word == "to" and not sport and prep.head.lemma_ in _MOTION_VERBS:
            return True
    before = doc[max(0, span.start - 2):span.start]
    if len(before) == 2 and before[1].lower_ in ("of", "de", "d'") and before[0].lemma_.lower() in _PLACE_NOUNS:
        return True  # "the city of Koblenz", "la ville de Kassel"
    if root.dep_ in ("compound", "poss", "nmod", "appos") and head.lemma_.lower() in _PLACE_NOUNS:
        return True  # "the Essen station", "Ulm's cityscape", "two cities, Görlitz and Essen"
    if any(c.dep_ == "appos" and c.lemma_.lower() in _PLACE_NOUNS for c in root.children):
        return True  # "Subotica, a small town"
    after = doc[span.end:span.end + 2]
    if len(after) == 2 and after[0].text == "-" and after[1].lower_ == "based":
        return True  # "the Rostock-based company"
    if len(after) == 2 and after[0].text == "," and after[1].ent_type_ in ("GPE", "LOC"):
        if not sport:
            return True  # "Kassel, Germany", "Garland, Texas"
        entity = next((e for e in doc.ents if e.start == after[1].i), None)
        country = table.lookup(entity.text, language) if entity is not None else None
        if country is not None and country.type == "LOC" and country.id.startswith("Q"):
            return True  # in sports copy a list of clubs looks the same: a country only
    if not sport:  # "Hanover, Kassel and Chemnitz"; in sport, "Dresden and Freiburg" are clubs
        partners = root.conjuncts
        if any(p.i in places or _is_known_place(doc, p, table, language) for p in partners):
            return True
        first = min(partners, key=lambda t: t.i) if partners else None
        if first is not None and first.i < root.i and first.i >= 2 and doc[first.i - 1].lower_ in ("of", "de") \
                and doc[first.i - 2].lemma_.lower() in _PLACE_NOUNS:
            return True  # "the cities of Düsseldorf and Mainz"
    return False


def _has_person_evidence(doc: Doc, span: Span, key: str, person_words: frozenset[str]) -> bool:
    if key in person_words:
        return True  # "Paris Hilton ... Hilton said"
    if span.start > 0:
        prev = doc[span.start - 1]
        if prev.lower_ in _HONORIFICS_CF or alias_key(prev.text) in _PERSON_TITLES:
            return True  # "President Bush", "Mayor Jordan"
    root = span.root
    if root.dep_ in ("nsubj", "nsubjpass") and root.head.lemma_.lower() in _SAY_VERBS:
        return True  # "Florence said", "explained Taylor"
    for child in root.children:
        if child.dep_ in ("relcl", "acl:relcl") and any(t.lower_ in ("who", "whom", "whose", "qui")
                                                        for t in child.children):
            return True  # "Martin, who ..."
    return False


def _is_sports_copy(doc: Doc) -> bool:
    return len({t.lemma_.lower() for t in doc if t.lemma_.lower() in _SPORT_WORDS}) >= 3


# Evidence, in sports copy, that a place's name stands for its team ("Nuremberg upset Werder Bremen
# 1-0", "a 1-0 win over Switzerland", "Bremen's keeper", "lost at home to Nuremberg").
_TEAM_VERBS = frozenset("""beat defeat win lose draw tie host face play meet edge upset thrash trounce rout hammer
    overcome eliminate knock oust stun outplay crush concede top trail relegate qualify
    battre vaincre perdre gagner affronter recevoir dominer éliminer battu""".split())
_TEAM_PREPS = frozenset("against over versus vs vs. contre face".split())
_TEAM_NOUNS = frozenset("""win loss victory defeat draw defense defence goal goals keeper goalkeeper coach striker
    midfielder defender forward player players squad team fans supporters equaliser equalizer side captain
    manager attack lineup line-up back""".split())
_MATCH_SCORE = re.compile(r"\s\d{1,2}\s?[-:\u2013]\s?\d{1,2}(?!\d)")


def _has_team_evidence(doc: Doc, span: Span, text: str, end: int) -> bool:
    if _MATCH_SCORE.match(text, end):
        return True  # "Werder Bremen 1-0"
    root = span.root
    while root.dep_ == "conj" and root.head.i < root.i:
        root = root.head  # "Wolfsburg and Freiburg drew": the first conjunct carries the relation
    head = root.head
    dep = root.dep_
    if dep in ("nsubj", "nsubjpass", "dobj", "obj") and head.lemma_.lower() in _TEAM_VERBS:
        return True
    if dep == "pobj" and (head.lower_ in _TEAM_PREPS or head.lower_ in ("to", "with")
                          and head.head.lemma_.lower() in ("lose", "draw", "fall", "tie")):
        return True
    if dep == "poss" and (head.lemma_.lower() in _TEAM_NOUNS or head.ent_type_ == "PERSON"):
        return True  # "Bremen's keeper", "Nuremberg's Timothy Chandler"
    return any(c.dep_ == "case" and c.lower_ in _TEAM_PREPS for c in root.children)  # "contre Lyon"


def _ends_with_place(surface: str, table: AliasTable, language: str) -> bool:
    """"Werder Bremen", "Hertha Berlin": a name tagged as a person that ends with a town's or a
    country's name is, in sports copy, a club; a gazetteer town is not enough ("Timothy Chandler")."""
    words = surface.split()
    if len(words) < 2 or alias_key(words[0]) in _PERSON_TITLES:
        return False
    entry = table.lookup(words[-1], language)  # a country or major city, not a gazetteer town ("Chandler")
    return entry is not None and entry.type == "LOC" and not entry.population and words[-1] in entry.aliases


def _exact_place(surface: str, table: AliasTable, language: str) -> bool:
    entry = table.lookup(surface, language)
    return entry is not None and entry.type == "LOC" and surface in entry.aliases


def _person_shaped(words: list[str], surface: str) -> bool:
    """Two or three capitalised words without an organisation's head word, a club's marker or a
    newspaper's article ("La Stampa", "Der Spiegel", "Al Jazeera")."""
    if not 2 <= len(words) <= 3 or not all(w[:1].isupper() and w.replace("-", "").replace("'", "").isalpha()
                                           for w in words):
        return False
    if _type_by_head(surface) is not None or _misc_by_head(surface) or _is_acronym(words[-1]):
        return False
    if any(alias_key(w) in _ORG_HEADS_LAST or alias_key(w) in _ORG_HEADS_FIRST_KEYS for w in words):
        return False
    return words[0] not in _NAME_ARTICLES


@lru_cache(maxsize=1)
def given_names() -> frozenset[str]:
    """First names of many countries (streams/data/given-names.txt, see ALIASES-SOURCES.md)."""
    raw = resources.files("streams").joinpath("data", "given-names.txt").read_text(encoding="utf-8")
    return frozenset(line.strip() for line in raw.splitlines() if line.strip() and not line.startswith("#"))


def _starts_with_given_name(words: list[str], surface: str, table: AliasTable, language: str) -> bool:
    """"Cristiano Ronaldo", "Florian Philippot": person-shaped, opened by a first name that is no
    place's name, and not ended by one ("Paris Saint-Germain", "Victoria Melbourne")."""
    if not _person_shaped(words, surface) or words[0] not in given_names():
        return False
    return not (_exact_place(words[0], table, language) or _exact_place(words[-1], table, language))


def _org_is_person(doc: Doc, span: Span, surface: str) -> bool:
    """A two- or three-word name tagged as an organisation with a person's evidence: a title or
    honorific before it ("striker Lukas Podolski"), or a verb of saying ("Winston Churchill said")
    where its last word is tagged as a person elsewhere ("Churchill"); organisations say things and
    are "who" too, and a name with an organisation's head word is left alone."""
    words = surface.split()
    if not _person_shaped(words, surface):
        return False
    if span.start > 0:
        prev = doc[span.start - 1]
        if prev.lower_ in _HONORIFICS_CF or prev.is_lower and alias_key(prev.text) in _PERSON_TITLES:
            return True  # "striker Lukas Podolski", "Mr. Churchill"
    root = span.root
    if root.dep_ in ("nsubj", "nsubjpass") and root.head.lemma_.lower() in _SAY_VERBS:
        last = words[-1]  # newspapers and companies say things too: the surname must be a person elsewhere
        return any(e.label_ in ("PERSON", "PER") and e.text == last for e in doc.ents)
    return False


_NAME_ARTICLES = frozenset("La Le Les L Il El Der Die Das Al The De Los Las Air".split())


def _org_person_keys(doc: Doc, out: list[_Mention], text: str, table: AliasTable, language: str) -> set[str]:
    """Keys of the names the small model tags as an organisation in some places and that are persons:
    the model tags the same full name as a person elsewhere ("Rolf-Dieter Heuer"), or tags its last
    word alone as a person ("Duvalier"), or a mention has a person's apposition or relative clause
    ("Eli Shaked, a former ambassador", "X, who"). Names shaped like organisations (a head word, an
    article, a club's name, a town's name last: "Werder Bremen") are left alone."""
    full: set[str] = set()
    single: dict[str, int] = {}  # one-word names: tagged as a person (+1) or otherwise (-1)
    for e in doc.ents:
        label = LABEL_MAP.get(e.label_)
        if len(e) == 1:
            single[e.text] = single.get(e.text, 0) + (1 if label == "PER" else -1)
        if label != "PER":
            continue
        start, end = _trim(text, e.start_char, e.end_char, language)
        if " " in text[start:end].strip():
            full.add(alias_key(text[start:end]))
    keys: set[str] = set()
    for m in out:
        if m.type != "ORG" or m.entry is not None or not 2 <= m.tokens <= 3:
            continue
        words = m.text.split()
        if not _person_shaped(words, m.text) or _ends_with_place(m.text, table, language):
            continue
        key = alias_key(m.text)
        if key in full or single.get(words[-1], 0) >= 2 and not _exact_place(words[-1], table, language):
            keys.add(key)
            continue
        span = doc.char_span(m.start, m.end, alignment_mode="expand")
        if span is None:
            continue
        for child in span.root.children:
            if child.i < span.end:
                continue
            if child.dep_ == "appos" and (alias_key(child.text) in _PERSON_TITLES or child.lemma_.lower() in _PERSON_TITLES):
                keys.add(key)  # "Ludwig Braun, the president of ..."
            elif child.dep_ in ("relcl", "acl:relcl") and any(t.lower_ in ("who", "whom", "whose") for t in child.children):
                keys.add(key)  # "Eli Shaked, who ..."
    return keys


# A gazetteer town the model tags as a person is taken for the town without evidence only when it is
# at least this large: "Shimla" (170,000) is, "Obama" (Fukui, 30,000) is the president.
_TOWN_BY_DEFAULT = 50_000


def _city_places(doc: Doc, table: AliasTable, language: str, person_words: frozenset[str],
                 sport: bool) -> frozenset[str]:
    """Keys of the gazetteer towns (aliases-cities.tsv) the article uses as places.

    A town's name is also a surname, a first name, a word or a club ("Jackson", "Florence",
    "Mobile", "Wolfsburg"), so the small model's tag decides unless the article says otherwise:
    a name it tags as a place everywhere, or as a person but is no first name and never acts or
    undergoes what only people do ("Obama accepted", "Clinton's", "fired Bolton"), is a town unless it is also part of a longer person or
    organisation name ("Borussia Dortmund"); a name it tags as a person or organisation somewhere
    is a town only where some mention has place evidence (a locative preposition, "city of", a
    place noun, "X, Germany", a list of places). Person evidence (a title, the full name elsewhere,
    a verb of saying, "who") on any mention keeps it a person. In sports copy a club is named by
    its town, so lists and "to" or "at" are not evidence there."""
    candidates: list[tuple[Span, str]] = []
    population: dict[str, int] = {}
    tagged_other: set[str] = set()
    tagged_org: set[str] = set()
    name_words: set[str] = set(person_words)
    for e in doc.ents:
        label = LABEL_MAP.get(e.label_)
        if label == "ORG" and len(e) > 1:
            name_words.update(alias_key(t.text) for t in e)
        if label not in ("PER", "ORG", "LOC"):
            continue
        while len(e) > 1 and (e[-1].text in ("'s", "'", "’s") or e[-1].is_punct):
            e = e[:-1]
        if e[0].lower_ in ("the", "a", "an") or e.start > 0 and doc[e.start - 1].lower_ in ("the", "a", "an"):
            continue  # "at the University": a town's name does not take an article in English
        surface = e.text
        if not surface[:1].isupper():
            continue
        entry = table.lookup(surface, language)
        if entry is None or not entry.population or surface not in entry.aliases:
            continue
        candidates.append((e, alias_key(surface)))
        population[alias_key(surface)] = entry.population
        if label != "LOC":
            tagged_other.add(alias_key(surface))
        if label == "ORG":
            tagged_org.add(alias_key(surface))
    if not candidates:
        return frozenset()
    person: dict[str, int] = {}
    for span, key in candidates:
        if _has_person_evidence(doc, span, key, person_words):
            person[key] = person.get(key, 0) + 1
    blocked = {key for key in person if key in person_words}
    # a name no country gives its children ("Shimla", "Lampedusa") is a town, unless a person's evidence says otherwise
    given = given_names() if not sport else frozenset()  # in sports copy it is a club
    acting = {key for span, key in candidates if span.root.dep_ in ("nsubj", "nsubjpass", "poss")
              or span.root.dep_ in ("dobj", "obj") and span.root.head.lemma_.lower() not in _PLACE_OBJECT_VERBS}
    keys = {key for span, key in candidates if (key not in tagged_other or key not in tagged_org and given
                                                and span.text not in given and key not in acting
                                                and population[key] >= _TOWN_BY_DEFAULT)
            and key not in name_words and key not in person}
    places = {span.root.i for span, key in candidates if key in keys}
    for _ in range(2):  # a second pass lets a list of towns support each other
        votes: dict[str, int] = {}
        for span, key in candidates:
            if key not in blocked and key not in keys and _has_place_evidence(doc, span, sport, places, table,
                                                                               language):
                votes[key] = votes.get(key, 0) + 1
        keys.update(key for key, n in votes.items() if n > person.get(key, 0))
        places = {span.root.i for span, key in candidates if key in keys}
    return frozenset(keys)


# Evidence that a name the model tagged as a person or a place is an organisation: a news outlet
# ("the newspaper Cumhuriyet", "Der Spiegel reported", "told Reuters", "according to Handelsblatt")
# or a company ("Adidas shares", "E.ON's chief executive", "shares in Etihad", "X, the carmaker").
_MEDIA_NOUNS = frozenset("""newspaper newspapers daily weekly magazine broadcaster agency channel tabloid paper
    broadsheet network station outlet publication website radio television tv newsweekly media
    quotidien hebdomadaire mensuel journal agence chaîne""".split())
_CORP_NOUNS = frozenset("""company firm carmaker automaker airline carrier bank lender insurer retailer group
    conglomerate manufacturer maker producer supplier operator utility chain brand publisher giant
    corporation subsidiary startup start-up multinational organization organisation""".split())
_CORP_SUFFIXES = frozenset("group ag sa inc ltd gmbh plc se corp llc nv spa".split())
_OWNER_NOUNS = frozenset("""shares stake stakes share shareholders shareholder chief executive ceo chairman chairwoman
    owner owners subsidiary unit boss bosses""".split())
_POSS_ORG_NOUNS = frozenset("""website ceo chairman chairwoman board shareholders shares stock subsidiary headquarters
    editor editor-in-chief executives chief boss""".split())
_OWNED = frozenset("owned run controlled operated".split())
_TELL_VERBS = frozenset("tell told".split())


def _org_cue(doc: Doc, start: int, end: int, weak: bool = True) -> int:
    """Strength (0 none, 1 weak, 2 strong) of the organisation evidence around doc[start:end]; the
    weak cues (a verb of reporting, "told", "according to") fit persons too and are skipped unless
    `weak`."""
    n = len(doc)
    before = start
    while before > 0 and doc[before - 1].is_quote:
        before -= 1  # news magazine "Der Spiegel"
    prev = doc[before - 1].lower_ if before > 0 else ""
    prev2 = doc[before - 2].lower_ if before > 1 else ""
    nxt = doc[end].lower_ if end < n else ""
    nxt2 = doc[end + 1].lower_ if end + 1 < n else ""
    if (prev in _MEDIA_NOUNS or prev in _CORP_NOUNS) and doc[before - 1].is_lower and prev2 not in (
            "-", "his", "her", "my", "your", "their", "our", "son", "sa", "leur"):
        return 2  # "the newspaper Cumhuriyet", "news magazine Der Spiegel", "carmaker Dongfeng"
    if before > 0 and doc[before - 1].tag_ == "NNS" and doc[before - 1].lemma_ in _CORP_NOUNS | _MEDIA_NOUNS:
        return 2  # "the airlines Emirates and Etihad"
    if prev in ("as", "like", "including") and before > 2:
        noun = doc[before - 3] if prev == "as" and prev2 == "such" else doc[before - 2]
        if noun.tag_ == "NNS" and noun.lemma_ in _CORP_NOUNS | _MEDIA_NOUNS:
            return 2  # "companies such as Yingli", "firms like Escada"
    root = doc[start:end].root
    if root.dep_ == "appos" and root.head.i < start and (root.head.lower_ in _CORP_NOUNS
                                                         or root.head.lower_ in _MEDIA_NOUNS):
        return 2  # "the country's biggest utility, E.ON"
    if nxt in ("ceo", "boss", "chairman", "chairwoman") and end + 1 < n and doc[end + 1].text[:1].isupper():
        return 2  # "Adidas CEO Herbert Hainer"
    if nxt in _MEDIA_NOUNS and nxt not in ("radio", "television", "tv", "station", "network"):
        return 2  # "the Cumhuriyet newspaper"
    if nxt in _CORP_SUFFIXES and doc[end].text[:1].isupper() or nxt == "shares" or nxt in _CORP_NOUNS:
        return 2  # "Ritter Sport GmbH", "Adidas shares"
    if nxt in ("'s", "'") and (nxt2 in _POSS_ORG_NOUNS or nxt2 == "chief" and end + 2 < n
                                and doc[end + 2].lower_ in ("executive", "executives", "financial", "operating")):
        return 2  # "E.ON's chief executive", "Handelsblatt's website"
    if nxt in ("flight", "flights", "plane", "planes", "aircraft", "airliner") and not doc[end].is_title:
        return 2  # "the Germanwings plane crash", "AirAsia flight 8501"
    if nxt == "-" and nxt2 in _OWNED:
        return 2  # "Etihad-owned"
    if prev in ("in", "of", "at") and prev2 in _OWNER_NOUNS:
        return 2  # "shares in Etihad", "chief executive of E.ON"
    if end < n and doc[end].text == "," and any(
            c.dep_ == "appos" and end < c.i <= end + 8 and doc[c.i - 1].text != "-"
            and (c.lower_ in _CORP_NOUNS or c.lower_ in _MEDIA_NOUNS) for c in root.children):
        return 2  # "Adidas, the sportswear maker"
    if not weak:
        return 0
    if prev in _TELL_VERBS and root.dep_ in ("dobj", "dative", "obj") or prev == "to" and prev2 == "according":
        return 1  # "told Der Spiegel", "according to Handelsblatt"
    if prev == "for" and prev2 in ("spokesman", "spokeswoman", "spokesperson") and root.dep_ == "pobj":
        return 1  # "a spokesman for Haribo"
    if nxt in ("employees", "workers", "staff", "shareholders", "customers") and root.dep_ == "compound":
        return 1  # "Krones workers"
    if root.dep_ == "nsubj" and root.head.lemma_ == "report" and root.head.i == end:
        return 1  # "Der Spiegel reported"
    return 0


def _list_cue(doc: Doc, token) -> int:
    """The strong cue of the head of the list the token belongs to: one cue types every member
    ("the airlines Emirates and Etihad"); the head must be a name too ("Adidas shares and Puma")."""
    first = token
    while first.dep_ == "conj" and first.head.i < first.i:
        first = first.head
    if first is token or not first.ent_type_ or first.ent_type_ not in ("PERSON", "ORG", "GPE", "LOC"):
        return 0
    head = next((e for e in doc.ents if e.start <= first.i < e.end), None)
    if head is None:
        return 0
    if head.end >= len(doc) or doc[head.end].text not in (",", "and"):
        return 0
    return 2 if _org_cue(doc, head.start, head.end, False) == 2 else 0


def _org_by_cue(doc: Doc, out: list[_Mention], person_words: frozenset[str]) -> None:
    """Retype as ORG the person or place names (unknown to the table) that the article uses as a news
    outlet or a company, unless a mention has a person's evidence (a title, "who", the surname of a
    longer person name)."""
    cues: dict[str, int] = {}
    vetoed: set[str] = set()
    said: set[str] = set()  # a person's verb of saying weighs against a weak cue
    for m in out:
        if m.type not in ("PER", "LOC") or m.entry is not None:
            continue
        span = doc.char_span(m.start, m.end, alignment_mode="expand")
        if span is None:
            continue
        key = alias_key(m.text)
        if m.tokens == 1 and key in person_words:
            vetoed.add(key)  # "Merkel" of "Angela Merkel"
            continue
        if span.start > 0:
            prev = doc[span.start - 1]
            if prev.lower_ in _HONORIFICS_CF or alias_key(prev.text) in _PERSON_TITLES:
                vetoed.add(key)
                continue
        if any(c.dep_ in ("relcl", "acl:relcl") and any(t.lower_ in ("who", "whom", "whose", "qui")
                                                        for t in c.children)
               or c.dep_ == "appos" and alias_key(c.text) in _PERSON_TITLES for c in span.root.children):
            vetoed.add(key)
            continue
        words = m.text.split()
        # "according to Thomas Fatheuer": a weak cue needs a one-word name or a newspaper's article
        weak = m.tokens == 1 or words[0] in _NAME_ARTICLES
        cue = _org_cue(doc, span.start, span.end, weak)
        if not cue and span.root.dep_ == "conj":
            cue = _list_cue(doc, span.root)  # "... such as Yingli, Suntech and Trina"
        if cue:
            cues[key] = max(cues.get(key, 0), cue)
        elif m.type == "PER" and span.root.dep_ in ("nsubj", "nsubjpass") and span.root.head.lemma_.lower() in (
                "say", "tell", "add", "explain", "insist", "argue", "dire", "ajouter", "expliquer"):
            said.add(key)
    flip = {k for k, v in cues.items() if k not in vetoed and (v > 1 or k not in said)}
    if not flip:
        return
    for m in out:  # "Der Tagesspiegel" ... "Tagesspiegel"
        words = m.text.split()
        if len(words) == 2 and words[0] in _NAME_ARTICLES and alias_key(m.text) in flip:
            short = alias_key(words[1])
            if short not in vetoed:
                flip.add(short)
    for m in out:
        if m.type in ("PER", "LOC") and m.entry is None and alias_key(m.text) in flip:
            m.type, m.entry = "ORG", None


# French role phrases whose complement the small model tags as a name: "ministre de la Défense",
# "ministre des Transports", "chef de l'État", "les États membres". A span that opens with a lower-case
# "de la"/"de l'" is the complement of a noun, not a name; a portfolio after "ministre(s) [adj] de/du/des"
# is not one either; "État(s)" alone or with a lower-case adjective ("l'État ukrainien") is the noun.
_FR_OF_ARTICLE = re.compile(r"^(?:de la|de l'|du|des)\s*(?=\S)")
_FR_PORTFOLIO_BEFORE = re.compile(
    r"\b(?:ministres?|commissaires?|secr\u00e9taires? d['\u2019]\u00c9tat)"
    r"(?:(?:\s+(?:d['\u2019])?[a-z\u00e0-\u00ff-]+){0,2}?\s+(?:de la\s+|de l['\u2019]|du\s+|des\s+|d['\u2019])"
    # "au Climat", "à la Mer": only right after the title or a word of it ("commissaire européen au"),
    # not after a verb ("le ministre a écrit à la Fondation Abbé Pierre")
    r"|(?:\s+(?:d\u00e9l\u00e9gu\u00e9e?|charg\u00e9e?|europ\u00e9en(?:ne)?|fran\u00e7aise?|allemande?))?"
    r"\s+(?:au\s+|\u00e0 la\s+|\u00e0 l['\u2019]|aux\s+))$")
_FR_STATE = frozenset({"etat", "etats"})
# Lower-case French institution phrases completed by a town's name: the institution is the actor
# ("le tribunal correctionnel de Lyon", "le centre hospitalier de Quimper", "la cour d'appel de Paris").
_FR_INSTITUTION_BEFORE = re.compile(
    r"(?<![\w-])(?:tribunal(?:\s+(?:judiciaire|correctionnel|administratif|de commerce|de police))?"
    r"|cour d['\u2019](?:appel|assises)|cour administrative d['\u2019]appel"
    r"|centre hospitalier(?:\s+(?:universitaire|r\u00e9gional|intercommunal|d\u00e9partemental))?|CHU"
    r"|parquet|conseil (?:municipal|r\u00e9gional|d\u00e9partemental)|universit\u00e9)"
    r"\s+(?:de\s+|d['\u2019])$")
# Craft named after a common noun ("la sonde européenne Hera", "la mission américaine Dart", "the probe
# Juno"): a product or mission, not a person, organisation or place.
_CRAFT_BEFORE = re.compile(
    r"(?<![\w-])(?:sonde|mission|satellite|fus\u00e9e|lanceur|vaisseau|t\u00e9lescope|navire|fr\u00e9gate|"
    r"sous-marin|porte-avions|probe|spacecraft|rocket|telescope|lander|rover)"
    r"(?:\s+[a-z\u00e0-\u00ff-]+)?\s+$")


def _french_fragment(text: str, start: int, end: int, surface: str) -> Optional[int]:
    """For a French span unknown to the table: None when it is a name, -1 when it is a role phrase's
    fragment (drop it), or the length of a leading "de la"/"de l'" to strip before a known name."""
    match = _FR_OF_ARTICLE.match(surface)
    if match:
        return match.end()
    words = surface.split()
    if alias_key(words[0]) in _FR_STATE and all(w.islower() for w in words[1:]):
        return -1  # "chef de l'État", "États membres", "l'État ukrainien"
    if len(words) <= 3 and _FR_PORTFOLIO_BEFORE.search(text[max(0, start - 60):start]):
        return -1  # "ministre des Transports"
    if all(alias_key(w) in _PERSON_TITLES or alias_key(w) in ("premier", "premiere") for w in words):
        return -1  # "le Premier ministre", "la Présidente": a role, whoever holds it
    return None


def _is_craft(text: str, start: int, language: str) -> bool:
    before = text[max(0, start - 40):start]
    match = _CRAFT_BEFORE.search(before)
    if not match:
        return False
    adjective = match.group(0).split()[1:]
    return not adjective or language == "fr"  # an English adjective sits before the noun


def _institution_start(text: str, start: int) -> Optional[int]:
    match = _FR_INSTITUTION_BEFORE.search(text[max(0, start - 50):start])
    return None if match is None else start - (len(text[max(0, start - 50):start]) - match.start())


def _named_parties(doc: Doc, covered: list[tuple[int, int, str]], out: list[_Mention], table: AliasTable,
                   language: str) -> list[_Mention]:
    """Parties spaCy-small misses or calls a nationality: the capitalised name before a lower-case
    "party" ("Orban's Fidesz party", "the Law and Justice party", "the Left party"). A lone ordinary
    word keeps "party" in its name ("Left party"); a proper name does not ("Fidesz"). A name the
    table knows keeps its entry ("the Labour party"); one an entity already covers is left alone
    ("the AfD party"), and so is "a Christmas party"."""
    text = doc.text
    found = []
    for tok in doc:
        if tok.text != "party" or tok.i == 0:
            continue
        start = tok.i
        while start > 0 and (doc[start - 1].text[:1].isupper() and doc[start - 1].is_alpha
                             or doc[start - 1].lower_ in ("and", "of", "for") and start - 1 > 0
                             and doc[start - 2].text[:1].isupper() and start < tok.i):
            start -= 1
        if start < tok.i and doc[start].lower_ == "the":
            start += 1  # "The Law and Justice party lost": the article opens the sentence
        if start == tok.i or doc[start].lower_ in ("and", "of", "for") or start == 0:
            continue
        before = doc[start - 1]
        if before.is_punct or before.lower_ in ("a", "an") or doc[start].is_sent_start and before.lower_ != "the":
            continue  # a sentence's first word, or "a Christmas party"
        span = doc[start:tok.i]
        common = len(span) == 1 and span[0].pos_ != "PROPN"
        end_tok = tok if common else span[-1]
        begin, end = span[0].idx, end_tok.idx + len(end_tok.text)
        if any(not (begin <= c[0] and c[1] <= end) for c in _overlapping(begin, end, covered)):
            continue  # a name running across it
        if any(m.entry is not None and m.start < end and begin < m.end for m in out):
            continue  # "the AfD party", "the CDU": the table already knows it
        surface = text[begin:end]
        entry = table.lookup(text[span[0].idx:span[-1].idx + len(span[-1].text)], language)
        if entry is not None and entry.type != "ORG":
            continue  # "a Downing Street party"
        found.append(_Mention(begin, end, surface, "ORG", len(surface.split()), entry))
    return found


_ZONE_CITY = re.compile(r"(?:(?<=[|\n])|(?<=UTC)|^)\s*([A-Z][\w.'\-]*(?: [A-Z][\w.'\-]*){0,2}) UTC ?[+-]?\s?\d")


def _zone_cities(text: str, table: AliasTable, language: str, covered: list[tuple[int, int, str]]) -> list[_Mention]:
    """Cities of a broadcast schedule's time-zone list ("Lagos UTC +1 | Cape Town UTC +2"), which
    the model reads as one run of capitals; only names the table knows as places."""
    out = []
    for match in _ZONE_CITY.finditer(text):
        start, end = match.span(1)
        entry = table.lookup(match.group(1), language)
        if entry is None or entry.type != "LOC" or _overlapping(start, end, covered):
            continue
        out.append(_Mention(start, end, match.group(1), "LOC", len(match.group(1).split()), entry))
    return out


def _untagged_places(doc: Doc, covered: list[tuple[int, int, str]]) -> list[_Mention]:
    """Places the model missed where the phrase names them as places: "the town of Pleurtuit",
    "the Athens district of Perama" (one to three capitalised proper nouns after "<place noun> of")."""
    text = doc.text  # Doc.text rebuilds the string on every access
    out = []
    for i in range(2, len(doc)):
        if (doc[i - 1].lower_ not in ("of", "de", "d'") or doc[i - 2].lower_ not in _PLACE_KIND_NOUNS
                or doc[i].ent_type_ or not _is_name_token(doc[i])):
            continue
        j = i + 1
        while j < len(doc) and j - i < 3 and not doc[j].ent_type_ and _is_name_token(doc[j]):
            j += 1
        begin, end = doc[i].idx, doc[j - 1].idx + len(doc[j - 1].text)
        if _overlapping(begin, end, covered):
            continue
        surface = text[begin:end]
        out.append(_Mention(begin, end, surface, "LOC", len(surface.split()), None))
    return out


def _untagged_persons(doc: Doc, covered: list[tuple[int, int, str]], table: AliasTable,
                      language: str, places: dict[str, int]) -> list[_Mention]:
    """Persons the model missed: two to four capitalised proper nouns opened by a first name
    ("Diplomat Espen Barth Eide", "Brazilian Gonzalo Higuain"), none of them tagged, none a place's
    name and no organisation's head word among them."""
    given = given_names()
    out = []
    i = 0
    while i < len(doc):
        tok = doc[i]
        if (tok.ent_type_ or tok.pos_ != "PROPN" or tok.text not in given or _exact_place(tok.text, table, language)
                or i > 0 and doc[i - 1].text[:1].isupper() and doc[i - 1].pos_ == "PROPN"
                and not doc[i - 1].is_sent_start and alias_key(doc[i - 1].text) not in _PERSON_TITLES
                and not _looks_like_demonym(alias_key(doc[i - 1].text), places)):
            i += 1
            continue
        j = i + 1
        while j < len(doc) and j - i < 4 and not doc[j].ent_type_ and alias_key(doc[j].text) not in _PERSON_TITLES and (
                _is_name_token(doc[j]) or doc[j].text in _NAME_PARTICLES and j + 1 < len(doc)
                and _is_name_token(doc[j + 1])):
            j += 1
        words = [t.text for t in doc[i:j]]
        surface = doc[i:j].text
        begin, end = tok.idx, doc[j - 1].idx + len(doc[j - 1].text)
        four = j - i == 4 and _type_by_head(surface) is None and not _misc_by_head(surface)
        if (j - i >= 2 and _person_shaped(words, surface) if len(words) <= 3 else four) and not _overlapping(
                begin, end, covered) and not any(
                _exact_place(w, table, language) for w in words[1:]) and table.lookup(surface, language) is None:
            out.append(_Mention(begin, end, surface, "PER", len(words), None))
        i = max(j, i + 1)
    return out


def _raw_mentions(doc: Doc, body: str, language: str, table: AliasTable, sport: bool,
                  meta: list[tuple[int, int]]) -> list[_Mention]:
    places = _place_prefixes(table)
    text = doc.text
    person_words = _person_words(doc, text, language)
    city_places = _city_places(doc, table, language, person_words, sport)
    lower_words = frozenset(t.text for t in doc if t.text.islower())
    team_keys: set[str] = set()
    place_used: set[int] = set()  # ids of sports-copy mentions with place evidence ("in Bremen")
    out: list[_Mention] = []
    covered: list[tuple[int, int, str]] = []
    for span in _particle_joined(doc, table, language):
        type_ = LABEL_MAP.get(span.label_)
        if type_ is None:
            continue
        # the French models often tag half a name; in English, titles are PROPN ("Chancellor").
        extend = type_ == "PER" and language == "fr"
        span_start, span_end = _extend_person(doc, span) if extend else (span.start_char, span.end_char)
        if type_ == "PER" and not extend and span.start > 0:
            before = doc[span.start - 1]  # "Adolf [Hitler]": a first name the model left out
            if before.pos_ == "PROPN" and not before.ent_type_ and before.text in given_names():
                span_start = before.idx
        covered.append((span_start, span_end, type_))
        # "Group D", a stage of a competition: seen before the trim takes the letter for an initial
        group_stage = _TOURNAMENT_GROUP.fullmatch(text, span_start, span_end) is not None
        start, end = _trim(text, span_start, span_end, language)
        if group_stage:
            end = span_end - text[span_start:span_end].endswith(".")
        elif end > start:
            start, end = _refine(doc, text, start, end, type_, language, places)
        if end <= start or _inside(start, end, meta):
            continue
        surface = text[start:end]
        entry = _table_entry(table, surface, language, type_, person_words, city_places)
        if language == "fr" and entry is None:
            fragment = _french_fragment(text, start, end, surface)
            if fragment is not None:
                if fragment < 0:
                    continue
                start += fragment  # "de la France": the name after the article, if the table knows it
                surface = text[start:end]
                entry = _table_entry(table, surface, language, type_, person_words, city_places)
                if entry is None:
                    continue  # "ministre de la Défense", "de l'Agriculture"
        if _is_noise(doc, span, start, end, surface, entry is not None, lower_words, person_words):
            continue
        if language == "en" and entry is None and type_ != "PER" and _is_portfolio(text, start, end, surface):
            continue
        if entry is None and type_ in ("LOC", "MISC", "ORG") and " " not in surface:
            if _looks_like_demonym(alias_key(surface), places):
                type_ = "MISC"
        elif entry is None and type_ in ("LOC", "ORG") and _compound_demonym(surface, table, language):
            type_ = "MISC"
        if entry is None and type_ == "PER" and len(span) == 1 and span[0].tag_ in ("NNS", "NNPS") \
                and surface.endswith("s"):
            type_ = "MISC"  # a plural is a group of people: "Romanians", "Kemalists", "Berliners"
        if entry is not None:
            type_ = entry.type
        elif alias_key(surface) in _MISC_NAMES or group_stage:
            type_ = "MISC"
        elif type_ in ("ORG", "LOC") and _misc_by_head(surface):
            type_ = "MISC"
        else:
            type_ = _type_by_head(surface) or type_
        if type_ in ("ORG", "PER") and entry is None and not sport and _type_by_head(surface) is None \
                and _named_as_place(doc, span):
            type_ = "LOC"  # "the town of Birstall", "the city of Naameh"
        named = not (doc[span.start].lower_ in _ARTICLES or span.start > 0 and doc[span.start - 1].lower_ in _ARTICLES)
        if type_ == "ORG" and entry is None and (_org_is_person(doc, span, surface) or named and _starts_with_given_name(
                surface.split(), surface, table, language)):
            type_ = "PER"
        elif (type_ in ("LOC", "MISC") and entry is None and named and " " in surface
              and table.lookup(surface, language) is None and not _misc_by_head(surface)
              and _starts_with_given_name(surface.split(), surface, table, language)):
            type_ = "PER"  # "Namibia's Hifikepunye Pohamba" tagged as a place; a person tagged MISC
        elif type_ == "PER" and entry is None and len(surface) >= 3 and surface.isalpha() and surface.isupper():
            type_ = "ORG"  # "la CFDT" tagged as a person: an acronym names a body
        country = entry is not None and entry.id.startswith("Q")  # nested in a body's name: "US Senate"
        if type_ == "LOC" and language == "en" and _names_a_longer_name(text, end, country):
            continue  # "Vietnam [War]", "Atlanta [Olympics]", "Cologne [Cathedral]": the model split a name
        mention = _Mention(start, end, surface, type_, len(surface.split()), entry)
        if sport and type_ in ("LOC", "PER"):
            if type_ == "PER" and entry is None:  # a player's goal is no team's: only a place's name
                named_place = _ends_with_place(surface, table, language) or (
                    alias_key(surface) not in person_words and _exact_place(surface, table, language))
            else:
                named_place = True
            if named_place and (type_ == "PER" and entry is None and " " in surface
                                or _has_team_evidence(doc, span, text, end)):
                team_keys.add(alias_key(surface))
            if type_ == "LOC" and _has_place_evidence(doc, span, True, set(), table, language):
                place_used.add(id(mention))
        out.append(mention)
    org_persons = _org_person_keys(doc, out, text, table, language)
    for m in out:
        if m.type == "ORG" and m.entry is None and alias_key(m.text) in org_persons:
            m.type = "PER"
    for m in out:  # in sports copy a town or a country beaten, hosted or drawn with is its team
        if m.type in ("LOC", "PER") and id(m) not in place_used and alias_key(m.text) in team_keys:
            m.type, m.entry = "ORG", None
    if sport:  # and a word of a club's name alone is the club ("Hertha", "Dortmund" after "Borussia Dortmund")
        club_words = {alias_key(w) for m in out if m.type == "ORG" and m.tokens > 1
                      and (alias_key(m.text) in team_keys or _is_club_name(m.text.split())) for w in m.text.split()}
        for m in out:
            if m.type in ("LOC", "PER") and m.tokens == 1 and id(m) not in place_used and alias_key(m.text) in club_words:
                m.type, m.entry = "ORG", None
    _org_by_cue(doc, out, person_words)
    if language == "en":
        plain = _common_noun_acronyms(text)  # "personal consumption expenditures (PCE)": no name
        out = [m for m in out if m.entry is not None or m.text not in plain]
    if "UTC" in text:
        out += _zone_cities(text, table, language, covered)
    if language == "en":
        found = _untagged_persons(doc, covered, table, language, places)
        out += [m for m in found if not _inside(m.start, m.end, meta)]
    out += [m for m in _untagged_places(doc, covered) if not _inside(m.start, m.end, meta)]
    if language == "en":
        parties = _named_parties(doc, covered, out, table, language)
        spans = {(p.start, p.end) for p in parties}
        out = [m for m in out if not any(s <= m.start and m.end <= e for s, e in spans)] + parties
        covered += [(p.start, p.end, "ORG") for p in parties]
    # names spaCy missed, and a country opening an organisation's name ("US State Department");
    # other nested places ("London School of Economics") are not actors of the story
    for m in _scan_tokens(doc, table):
        if _inside(m.start, m.end, meta):
            continue
        overlapping = _overlapping(m.start, m.end, covered)
        if not overlapping:
            if _scan_is_safe(doc, m):
                out.append(m)
        elif m.entry is not None and m.entry.type == "LOC" and m.entry.id.startswith("Q") and all(
            c[2] in ("ORG", "MISC") and c[0] <= m.start and m.end < c[1]
            and alias_key(text[c[0]:m.start]) in ("", "the", "le", "la", "les", "l'")
            for c in overlapping
        ):
            out.append(m)
        elif (m.tokens >= 2 or "-" in m.text) and all(
                m.start <= c[0] and c[1] <= m.end and (c[0], c[1]) != (m.start, m.end) for c in overlapping):
            # the model tagged part of a longer known name ("[La France] insoumise", "[Addis]-Abeba"): the name wins
            out = [o for o in out if not (m.start <= o.start and o.end <= m.end)]
            out.append(m)
    crafts = {alias_key(m.text) for m in out if m.entry is None and m.type in ("PER", "ORG", "LOC")
              and _is_craft(text, m.start, language)}
    for m in out:  # "la sonde européenne Hera ... Hera vient": every mention of the craft
        if m.entry is None and alias_key(m.text) in crafts:
            m.type = "MISC"
    if language == "fr":
        for i, m in enumerate(out):
            if m.type != "LOC":
                continue
            begin = _institution_start(text, m.start)
            if begin is not None and not any(o.start < m.start and o.end > begin for o in out if o is not m):
                surface = text[begin:m.end]
                out[i] = _Mention(begin, m.end, surface, "ORG", len(surface.split()), None)
    return out


def _scan_aliases(doc: Doc, table: AliasTable, meta: list[tuple[int, int]]) -> list[_Mention]:
    """Alias-table matches for pipelines without NER (a language with no model)."""
    return [m for m in _scan_tokens(doc, table) if not _inside(m.start, m.end, meta) and _scan_is_safe(doc, m)]


def _group(mentions: list[_Mention]) -> list[_Group]:
    """Group mentions: table entries by id; the rest by normalised text, majority type wins."""
    by_key: dict[str, _Group] = {}
    for m in sorted(mentions, key=lambda m: m.start):
        key = "id:" + m.entry.id if m.entry is not None else "txt:" + alias_key(m.text)
        group = by_key.get(key)
        if group is None:
            group = by_key[key] = _Group(m.type, entry=m.entry)
        group.mentions.append(m)
    for group in by_key.values():
        if group.entry is None:
            counts: dict[str, int] = {}
            for m in group.mentions:
                counts[m.type] = counts.get(m.type, 0) + 1
            order = {"PER": 0, "ORG": 1, "LOC": 2, "MISC": 3}
            group.type = min(counts, key=lambda t: (-counts[t], order[t]))
    return list(by_key.values())


def _add_missed_surnames(doc: Doc, groups: list[_Group], meta: list[tuple[int, int]]) -> None:
    """Bare surnames of a person the article names in full, where spaCy missed them."""
    taken = [(m.start, m.end) for g in groups for m in g.mentions]
    lower_words: Optional[set[str]] = None
    propn: Optional[dict[str, list[int]]] = None
    for g in groups:
        if g.type != "PER" or g.entry is not None:
            continue
        longest = max(g.mentions, key=lambda m: (m.tokens, len(m.text)))
        if longest.tokens < 2:
            continue
        for match in re.finditer(re.escape(longest.text), doc.text):  # the full name again, missed
            start, end = match.span()
            if _inside(start, end, meta):
                continue
            clash = [(s, e) for s, e in taken if s < end and start < e]
            if clash:
                # only a part of it was tagged ("[Le Pen]" for "Marine Le Pen"): the full name replaces it
                own = [m for m in g.mentions if start <= m.start and m.end <= end and (m.start, m.end) != (start, end)]
                if not own or len(own) != len(clash):
                    continue
                g.mentions = [m for m in g.mentions if m not in own]
                taken = [t for t in taken if t not in clash]
            g.mentions.append(_Mention(start, end, longest.text, "PER", longest.tokens, None))
            taken.append((start, end))
        words = longest.text.split()
        surname = words[-1]
        if len(words) >= 3 and words[-2] in _NAME_PARTICLES:  # "Le Pen", "von der Leyen"
            surname = " ".join(words[-2:]) if words[-3] not in _NAME_PARTICLES else " ".join(words[-3:])
        if len(surname) < 3 or not surname[:1].isupper():
            continue
        if lower_words is None or propn is None:
            lower_words, propn = set(), {}
            for t in doc:
                if t.text.islower():
                    lower_words.add(t.text)
                elif t.pos_ == "PROPN":
                    propn.setdefault(t.text, []).append(t.idx)
        if surname.lower() in lower_words:
            continue
        if " " in surname:
            positions = [m.start() for m in re.finditer(r"(?<!\w)" + re.escape(surname) + r"(?!\w)", doc.text)]
        else:
            positions = propn.get(surname, [])
        for start in positions:
            end = start + len(surname)
            if any(s < end and start < e for s, e in taken) or _inside(start, end, meta):
                continue
            g.mentions.append(_Mention(start, end, surname, "PER", 1, None))
            taken.append((start, end))


def _known_place(table: AliasTable, place: str) -> Optional[tuple[str, str]]:
    """(English name, French name) of a place the table knows, for institutions.english_name."""
    entry = table.lookup(place, "fr")
    return (entry.name, entry.name_fr or entry.name) if entry is not None and entry.type == "LOC" else None


def _to_entity(group: _Group, body: str, language: str, table: AliasTable) -> tuple[Entity, list[str]]:
    mentions = sorted(group.mentions, key=lambda m: (m.start, m.end))
    unique: list[Mention] = []
    seen: set[tuple[int, int]] = set()
    for m in mentions:
        if (m.start, m.end) in seen:
            continue
        seen.add((m.start, m.end))
        unique.append({"text": body[m.start:m.end], "start": m.start, "end": m.end})
    entry = group.entry or next((m.entry for m in mentions if m.entry is not None), None)
    surfaces = [u["text"] for u in unique]
    if entry is not None:
        name, type_, ident = entry.name, entry.type, entry.id
        known = list(entry.aliases)
    else:
        type_ = group.type
        best = max(mentions, key=lambda m: (m.tokens, len(m.text), -m.start))
        name = body[best.start:best.end]
        if language == "fr" and type_ in ("ORG", "LOC"):  # "tribunal correctionnel de Lyon"
            name = english_name(name, partial(_known_place, table)) or name
        ident = entity_id_for(type_, name)
        known = []
    entity = _entity(ident, name, type_, [name, *surfaces, *known], unique)
    return entity, entity["aliases"]


def _entity(ident: str, name: str, type_: str, forms: list[str], mentions: list[Mention]) -> Entity:
    """The event's entity record; salience and quoted are set later, over the whole article."""
    return {
        "id": ident, "name": name, "type": type_,  # type: ignore[typeddict-item]
        "aliases": list(dict.fromkeys(forms)), "mentions": mentions, "salience": 0.0, "quoted": False,
    }


def extract_entities(
    doc: Doc,
    body: str,
    *,
    language: str,
    headline: Optional[str] = None,
    aliases: Optional[AliasTable] = None,
    disabled: frozenset[str] = frozenset(),
) -> list[Entity]:
    """Entities of one article from its spaCy parse (of nlp_view(body)), ordered by first mention.

    Mentions are offsets into body and their text is body[start:end]. A pipeline without NER
    (spacy.blank) yields only alias-table matches. Known places and organisations that only the
    headline names come first, with no mentions.
    """
    table = aliases if aliases is not None else load_alias_table()
    lang = (language or "").split("-")[0].lower()
    has_ner = doc.has_annotation("ENT_IOB")
    sport = has_ner and _is_sports_copy(doc)
    text = doc.text  # Doc.text rebuilds the string on every access
    meta = _metadata_spans(text)  # bylines, credits, sign-offs: once per article
    raw = _raw_mentions(doc, body, lang, table, sport, meta) if has_ner else _scan_aliases(doc, table, meta)
    groups = _merge_groups(_group(raw), text) if raw else []
    if has_ner:
        _add_missed_surnames(doc, groups, meta)
    # the headline is searched once: for descriptions' entities and for names only it gives
    headline_norm = _norm_for_search(headline) if headline else ""
    headline_names = list(_scan_tokens(_tokenizer(lang or "xx")(headline), table)) if headline else []
    groups = _add_descriptions(groups, text, lang, headline_norm, headline_names)
    groups.sort(key=lambda g: g.first)
    built = [_to_entity(g, body, lang, table) for g in groups]
    head_only = _headline_only(headline, headline_names, {e["id"] for e, _ in built}, sport) if headline else []
    if not built and not head_only:
        return []
    max_mentions = max([len(e["mentions"]) for e, _ in built] + [1])
    out: list[Entity] = []
    for entity, forms in head_only + built:
        first = entity["mentions"][0]["start"] if entity["mentions"] else len(body)  # no position credit
        in_head = bool(headline_norm) and _in_headline(headline_norm, forms)
        entity["salience"] = salience(len(entity["mentions"]), first, len(body), max_mentions, in_head, False)
        out.append(entity)
    return out


# Head words of a body's name that, after "the"/"le", mean that body when the article names no other
# ("the ministry said" after "Russia's Defence Ministry"); words that often mean something else
# ("party", "group", "office") are left out.
_HEAD_DESCRIPTORS = {
    "en": frozenset("""ministry commission agency court council parliament university foundation committee
        bank institute federation senate congress tribunal authority bureau army""".split()),
    "fr": frozenset("""ministère commission agence cour conseil parlement université fondation comité banque
        institut fédération sénat tribunal autorité armée syndicat""".split()),
}


def _head_descriptor(name: str, language: str) -> Optional[str]:
    """"ministry" for "Russian Ministry of Defence", "commission" for "European Commission",
    "ministère" for "ministère des Armées": the head word of a body's name, if it is a descriptor."""
    heads = _HEAD_DESCRIPTORS.get(language)
    words = name.split()
    if heads is None or len(words) < 2:
        return None
    linker = next((i for i, w in enumerate(words) if w.casefold() in ("of", "for")), 0)
    candidates = [words[linker - 1]] if linker > 0 else []
    candidates += [words[0], words[-1]] if language == "fr" else [words[-1]]
    for word in candidates:
        if word.casefold() in heads:
            return word.casefold()
    return None


def _add_descriptions(groups: list[_Group], text: str, language: str, headline_norm: str,
                      headline_names: list[_Mention]) -> list[_Group]:
    """"the alliance" after "NATO", "l'Alliance" after "l'OTAN", "the ministry" after "Defence
    Ministry" join the body they describe; a group the model made of such descriptions alone
    ("Alliance" as MISC) is folded into it. An entity the headline names is named before the whole
    body, even one the body only describes ("NATO: …" over "the alliance said")."""
    named: dict[str, _Group] = {}
    for g in groups:  # bodies, and any entity a user's aliases file gives descriptions
        if g.type == "ORG" or g.entry is not None and g.entry.descriptors:
            named.setdefault(g.entry.name if g.entry is not None else max(g.mentions, key=lambda m: m.tokens).text, g)
    for m in headline_names:
        entry = m.entry
        if entry is not None and entry.name not in named and (
                shipped_descriptors(language, entry.name) or entry.descriptors):
            named[entry.name] = _Group(entry.type, entry=entry)  # no mention in the body yet
    if not named:
        return groups
    described = {}
    for name, g in named.items():
        descriptors = tuple(d for lang, d in g.entry.descriptors if lang == language) if g.entry is not None else ()
        if g.entry is not None:
            descriptors += shipped_descriptors(language, name)
        if g.type == "ORG":
            forms = sorted({m.text for m in g.mentions}, key=len, reverse=True) + ([name] if language == "en" else [])
            head = next((h for h in (_head_descriptor(f, language) for f in forms) if h), None)
            descriptors += (head,) if head else ()
        if descriptors:
            forms = [m.text for m in g.mentions] + (list(g.entry.aliases) if g.entry is not None else [])
            in_head = bool(headline_norm) and _in_headline(headline_norm, forms)
            described[name] = (-1 if in_head or not g.mentions else g.first, descriptors)
    found = find_descriptions(text, language, described)
    if not found:
        return groups
    described_names = {d.name for d in found}  # a headline's body the text describes becomes a group
    groups = groups + [g for name, g in named.items() if not g.mentions and name in described_names]
    starts = [d.start for d in found]  # sorted, and the descriptions do not overlap

    def described_at(start: int, end: int) -> bool:
        i = bisect_right(starts, start) - 1
        return i >= 0 and found[i].end >= end

    # the model's own "Alliance" (MISC, or a gazetteer town of that name) is the description
    kept = [g for g in groups if not ((g.entry is None or g.entry.population)
                                      and all(described_at(m.start, m.end) for m in g.mentions))]
    occupied = bytearray(len(text))  # characters of the other names the article gives
    for g in kept:
        for m in g.mentions:
            occupied[m.start:m.end] = b"\x01" * (m.end - m.start)
    for d in found:
        target = named[d.name]
        if any(occupied[d.start:d.end]):
            continue  # part of another name the article gives
        target.mentions.append(_Mention(d.start, d.end, text[d.start:d.end], target.type,
                                        len(text[d.start:d.end].split()), target.entry))
    return [g for g in kept if g.mentions]  # a headline's body whose descriptions were all taken: none


_HEADLINE_ARTICLES = frozenset("Le La Les The Der Die Das El Al".split())


@lru_cache(maxsize=8)
def _tokenizer(language: str):
    import spacy

    try:
        return spacy.blank(language).tokenizer
    except (ImportError, KeyError, ValueError):
        return spacy.blank("xx").tokenizer


def _headline_only(headline: str, headline_names: list[_Mention], known: set[str],
                   sport: bool) -> list[tuple[Entity, list[str]]]:
    """Places and organisations the alias table knows that only the headline names ("Ukraine :
    les Européens promettent à Kiev …" when the body says "l’Ukraine" and "Kyiv" never again):
    an entity with no mentions (they are offsets into the body), the headline form among its
    aliases. Only multi-word names, acronyms and names inside the headline (not its first word,
    which every headline capitalises) are taken."""
    out: list[tuple[Entity, list[str]]] = []
    for m in headline_names:
        entry = m.entry
        if entry is None or entry.id in known:
            continue
        letters = m.text.replace(".", "")
        if not (m.tokens > 1 or letters.isupper() and len(letters) >= 2 or m.start > 0):
            continue
        before, after = headline[:m.start].split()[-2:], headline[m.end:].split()[:1]
        if len(before) == 2 and before[1].lower() not in _NAME_PARTICLES_CF | {"of"}:
            before = before[1:]  # look past "de": "Tour de France", "Gare de Lyon"
        if any(w[:1].isupper() and w.isalpha() and w not in _HEADLINE_ARTICLES for w in before[:1] + after):
            continue  # part of a longer name the table does not know ("Air France", "Tour de France")
        if sport and entry.type == "LOC":
            continue  # a town in a sports headline is its club
        known.add(entry.id)
        out.append((_entity(entry.id, entry.name, entry.type, [entry.name, m.text, *entry.aliases], []), [m.text]))
    return out
