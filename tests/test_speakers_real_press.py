"""Speaker constructions of real newspaper copy (#15), in French and English, on sentences
written for these tests: each construction of the issue has a case, and the pass that handles
it is named so that switching it off shows what it is worth."""

from __future__ import annotations

import pytest
from test_quotes import en, fr, run, who  # noqa: F401  (the quotes stage on the parses its tests use)


def speakers(nlp, body, lang, disabled=frozenset()):
    return [who(q) for q in run(nlp, body, lang, disabled)[0]]


# (construction, language, body, speakers with every pass on)
CASES = [
    # Pronoun fragments, demonstratives, dates: never speakers.
    ("the euphonic t of 'commente-t-il' is no one", "fr",
     "« Le problème est ailleurs », commente Benoît Morel. « Le mouvement ne l’est pas », commente-t-il, "
     "en soulignant que la « révolte rejette les codes ».",
     ["Benoît Morel", "Benoît Morel", "Benoît Morel"]),
    ("'celle qui' stands for the woman the text is about", "fr",
     "Ludivine Martin, employée dans la restauration rapide, a rejoint le mouvement.\n\n"
     "« Ici, on est acteur, on est sur le devant de la scène », confie celle qui a arrêté ses études.",
     ["Ludivine Martin"]),
    ("a date before the subject is skipped", "fr",
     "« On s’attend à une mobilisation moindre », a déclaré vendredi soir le secrétaire d’État à l’Intérieur "
     "Laurent Durand.",
     ["Laurent Durand"]),
    ("a document is nobody", "en",
     "The council published an open letter on Sunday.\n\n“We come together and we will do better,” the letter concluded.",
     [None]),
    ("a reflexive pronoun is the subject it reflects", "en",
     "Tom Baker posted a video on Friday. The group’s leader, Sam Wood, filmed himself calling the MP a "
     "“disgrace to the country” at the gate.",
     ["Sam Wood"]),
    # Descriptions resolved to the person they introduce.
    ("a role phrase followed by the name", "fr",
     "« Les ronds-points doivent être libérés », a ajouté le ministre français de l’Intérieur Christophe Castel.",
     ["Christophe Castel"]),
    ("a role phrase with complements, a comma, then the name", "fr",
     "« Ce processus n’a pas été facile », a souligné le commissaire européen aux Affaires économiques, "
     "Pierre Morel, mercredi.",
     ["Pierre Morel"]),
    ("the minister introduced earlier", "en",
     "Interior Minister Jane Doe visited the border on Friday.\n\n“We will not let this happen again,” the minister said.",
     ["Jane Doe"]),
    ("a relative pronoun the parse left unattached", "fr",
     "Elle s’en remet à l’ancien président François Mitterrand (1981-1995) qui déclarait, un an avant sa mort, "
     "« croire aux forces de l’esprit ».",
     ["François Mitterrand"]),
    # Who the pronoun is.
    ("'the group said' is not the person quoted before", "en",
     "Matthew Cole of the charity said: “The threat is growing every week.” The group said the messages showed "
     "he was “a vile racist, pure and simple.”",
     ["Matthew Cole", None]),
    ("a later cue lends its speaker to a quote of the sentence naming that person", "fr",
     "Le ministre polonais, Piotr Nowak, a appelé ses homologues à « aller beaucoup plus loin ». « La Pologne "
     "consacre déjà 4 % de son PIB à la défense », a-t-il insisté.",
     ["Piotr Nowak", "Piotr Nowak"]),
    ("an indefinite source is someone new, not the last speaker", "fr",
     "« Nous ne cherchons pas l’escalade », a assuré Marco Rossi. « On en a assez de ces provocations », "
     "a déclaré une source officielle française.",
     ["Marco Rossi", None]),
    ("'la quinquagénaire' is not the man quoted before", "fr",
     "Elle cite l’ancien président Jacques Morel qui déclarait « croire aux forces de l’esprit ».\n\n"
     "« Je m’en fiche », ajoute la quinquagénaire.",
     ["Jacques Morel", None]),
    ("'she' is the woman, not the last man named", "en",
     "Mary Jones met Tom Baker in Leeds on Monday. Tom Baker left early.\n\n“We will fight this closure,” she said.",
     ["Mary Jones"]),
    ("'pour X, …' makes X the one 'il' refers to", "fr",
     "Jean Dupont a parlé en premier. Mais, pour Jérôme Martin, un retour en arrière est exclu.\n\n"
     "« Les gens ont pris conscience de leur pouvoir », dit-il.",
     ["Jérôme Martin"]),
    ("'elle' for the body that is the latest subject", "fr",
     "La Ligue de football professionnel a reporté le match. « La sécurité des supporters passe avant tout », "
     "a-t-elle précisé.",
     ["Ligue de football professionnel"]),
    ("'it' for the body that is the latest subject", "en",
     "The European Commission rejected the plan on Monday. “The budget breaks the rules we all agreed,” it said.",
     ["European Commission"]),
    # Names: a first name alone, a surname, a body named by its kind, a name inside a name.
    ("a first name alone", "fr",
     "« On attend une réaction de l’État », explique Alex, organisateur des manifestations à Valence.",
     ["Alex"]),
    ("a surname joins the full name", "en",
     "António Guterres arrived in Geneva on Monday.\n\n“The war must end now,” Guterres told reporters.",
     ["António Guterres"]),
    ("a capitalised 'Not' inside a name negates nothing", "en",
     "Paul Reed of Hope Not Hate said: “The threat from the far right is growing every week.”",
     ["Paul Reed"]),
    ("posts and tweets", "en",
     "Senator Ann Ruiz spoke on Monday. Ruiz tweeted: “The vote is a betrayal of every family in this state.”",
     ["Ann Ruiz"]),
    ("'dit-on' inside the marks is part of the words", "fr",
     "Dans La Gazette, Florence Morel fait chorus « trop tard, trop peu, dit-on, mais surtout trop de gâchis », "
     "note-t-elle.",
     ["Florence Morel"]),
    ("a newspaper's headline", "fr",
     "« La France attend des réponses », titre Le Figaro, tandis que les élus se taisent.",
     ["Le Figaro"]),
    # Scraped copy: paragraphs run together with spaces; a question mark after the closing mark.
    ("paragraphs joined by spaces stay paragraphs", "fr",
     "Le 12 mai. « Il faut tenir bon », a lancé Paul Girard.    « Nous irons jusqu’au bout », a promis "
     "Claire Martin.    « Personne ne lâchera. »",
     ["Paul Girard", "Claire Martin", "Claire Martin"]),
    ("the question mark after the closing mark", "fr",
     "Le préfet Marc Roux a reçu les élus. « Tout le monde s’est exprimé » ? demande-t-il.",
     ["Marc Roux"]),
    # The inverted subject after a dative naming the outlet: 'explique à l'AFP Alex'.
    ("a first name after the outlet the words were said to", "fr",
     "Les manifestants reviendront samedi. « Nous attendons des mesures très concrètes », explique à l’AFP "
     "Paul Girard, organisateur des manifestations à Valence.",
     ["Paul Girard"]),
    # A paragraph of quotes joined by a subjectless infinitive goes on with the last speaker.
    ("'avant d'avertir' between two quotes continues the speaker", "fr",
     "« Nous attendons des mesures très concrètes », explique Paul Girard, organisateur des manifestations.\n\n"
     "« Sinon, le mouvement durera », avant d’avertir : « Il faut vite qu’ils réagissent. »",
     ["Paul Girard", "Paul Girard", "Paul Girard"]),
    # The pronoun of a relative clause on someone's words is that someone.
    ("'X's message in which he …' is X", "en",
     "Tom Baker spoke on Friday. This is a direct reference to Anna Berg’s new year message in which she targeted those who "
     "“claim to speak for the people”.",
     ["Anna Berg"]),
    ("'« … », pour l'éditorialiste …, X': whose view it is", "fr",
     "« Tout est possible », s’inquiète Le Figaro. « Rien n’est moins sûr », pour l’éditorialiste du "
     "quotidien, Paul Girard.",
     ["Le Figaro", "Paul Girard"]),
    ("a quoted epithet between role and name; a role in the complement is not the person's", "fr",
     "Le chef de file des députés LREM, Marc Duval, a dénoncé mercredi les propos du député « marcheur » "
     "Paul Girard.\n\n« Nous tremblons de peur », a rétorqué le député.",
     ["Paul Girard"]),
    ("the name heading the subject, not a name modifying it", "en",
     "Tom Baker and Anna Berg met on Monday. After the Berg incident Baker, who was banned from the event, "
     "tweeted that: “the movement is here to stay and will only grow.”",
     ["Tom Baker"]),
    ("a final incise names the speaker even when the parse gave the verb another subject", "fr",
     "L’accord prévoit des économies, en partie grâce au « report des deux principales mesures » du "
     "gouvernement : la réforme des retraites et un revenu minimum en faveur des plus pauvres, a expliqué "
     "M. Paul Girard.",
     ["Paul Girard"]),
    ("a plural role subject is a group, not who 'il' is", "fr",
     "Le chef du gouvernement, Marc Duval, s’est voulu rassurant. « La France a du mal à prendre au sérieux "
     "ces coups de menton », affirme Paul Girard, directeur de l’institut. Pour autant, les deux chefs de la "
     "majorité n’ont aucune raison de changer de registre. « Les deux protagonistes sont en campagne », "
     "estime l’expert.",
     ["Paul Girard", "Paul Girard"]),
    ("'Mais, ajoute-t-il, « … »' goes on with the speaker of the uncued quote before it", "fr",
     "« Nous allons tout reprendre », a promis Paul Girard.\n\nClaire Martin l’écoutait. Sur la SNCF, « la "
     "réforme était bonne ». Mais, ajoute-t-il, « on peut mieux faire ».",
     ["Paul Girard", "Paul Girard", "Paul Girard"]),
    ('\'"…," he added\' goes on with the speaker of the uncued quote before it', "en",
     "“We will fix it,” Tom Baker promised.\n\nAnna Berg listened. On the railways, “the reform was right.” "
     "But, he added, “we can do better.”",
     ["Tom Baker", "Tom Baker", "Tom Baker"]),
    ("a role ending a prepositional phrase before a comma is not the next name's title", "fr",
     "Le député Paul Girard a publié un message. Interrogé sur des sanctions contre le député, M. Marc Duval "
     "s’est refusé à tout commentaire. Le député s’est ensuite défendu : « Je ne regrette rien de ce message. »",
     ["Paul Girard"]),
    ("a role in a prepositional phrase with the name in apposition is that name's title", "fr",
     "Emmanuel Martin s’installe à la droite du maire, Paul Girard, qui préside la séance.\n\n"
     "« Je suis un peu troublé », a déclaré le maire.",
     ["Paul Girard"]),
    # An exchange: the verb before a colon reports the quote after it, not the one before.
    ("'\"A\", X replied: \"B\"': A is not X's", "en",
     "Tom Baker toured the town on Friday. To one mayor who beseeched him: “Don’t abandon us!”, Tom Baker "
     "replied: “I won’t abandon you, that is not my style.”",
     [None, "Tom Baker"]),
    ("'« A », a répondu X : « B »': A is not X's", "fr",
     "Paul Girard a visité la ville vendredi. À une maire qui l’implorait : « Ne nous abandonnez pas ! », "
     "Paul Girard a répondu : « Je ne vous abandonnerai pas. »",
     [None, "Paul Girard"]),
    # A role introduced with an indefinite article and no name: the definite role is nobody named.
    ("'une professeure …' then 'admet la professeure' is nobody named", "fr",
     "Claire Martin a ouvert la réunion mardi. « Nous tiendrons bon », a déclaré Claire Martin. Dans une autre "
     "école, une professeure de CE1 doit gérer des élèves agités. « Nous avons dû interdire ces chants », "
     "raconte la professeure.",
     ["Claire Martin", None]),
    ("the same role named in apposition is that person", "fr",
     "Dans une autre école, la professeure Claire Martin doit gérer des élèves agités. « Nous avons dû "
     "interdire ces chants », raconte la professeure.",
     ["Claire Martin"]),
]


@pytest.mark.parametrize("construction,lang,body,expected", CASES, ids=[c[0] for c in CASES])
def test_speaker_constructions(fr, en, construction, lang, body, expected):
    assert speakers(fr if lang == "fr" else en, body, lang) == expected


def test_named_speakers_pass_is_what_turns_descriptions_into_nobody(en):
    body = "The council published an open letter on Sunday.\n\n“We come together and we will do better,” the letter concluded."
    assert speakers(en, body, "en", frozenset({"quotes.named-speakers"})) == ["the letter"]
    quote = run(en, body, "en")[0][0]
    assert quote["speaker"] is None and quote["source"]["text"] == "the letter"


def test_agreement_pass_is_what_picks_the_woman(en):
    body = "Mary Jones met Tom Baker in Leeds on Monday. Tom Baker left early.\n\n“We will fight this closure,” she said."
    assert speakers(en, body, "en", frozenset({"quotes.agreement"})) == ["Tom Baker"]


def test_a_first_name_the_tagger_called_misc_speaks_as_a_person(fr):
    from streams.nlp.quotes.extract import extract_quotes
    from streams.text import nlp_view

    body = "Ainsi le petit Adam, 6 ans, déclare : « Les casseurs sont les méchants de l’histoire. »"
    start = body.index("Adam")
    adam = {"id": "ww:MISC:adam", "name": "Adam", "type": "MISC", "aliases": [], "salience": 0.0, "quoted": False,
            "mentions": [{"text": "Adam", "start": start, "end": start + 4}]}
    doc = fr(nlp_view(body))

    def speaker(disabled):
        quotes, _ = extract_quotes(doc, body, [adam], language="fr", disabled=disabled)
        return [((q["speaker"] or {}).get("name"), (q["speaker"] or {}).get("entity_id", "")[:6]) for q in quotes]

    assert speaker(frozenset()) == [("Adam", "ww:PER")]  # a person entity is made for the speaker
    assert speaker(frozenset({"quotes.named-speakers"})) == [("Adam", "ww:MIS")]
