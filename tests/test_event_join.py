"""Event joins across languages: written enriched events, French and English."""

from __future__ import annotations

from streams.stories.event_join import aboutness, parse_time, same_event

POLITICS, SPORT = "medtop:11000000", "medtop:15000000"


def entity(eid: str, name: str, kind: str, salience: float, quoted: bool = False) -> dict:
    return {"id": eid, "name": name, "type": kind, "aliases": [], "mentions": [], "salience": salience, "quoted": quoted}


def report(language: str, when: str, quote: str, speaker: dict | None, entities: list[dict], topic: str) -> dict:
    return {"id": f"{language}-{when}", "language": language, "published_at": when, "entities": entities,
            "quotes": [{"text": quote, "start": 0, "end": len(quote), "speaker": speaker, "cue": None, "kind": "direct"}],
            "topics": [{"code": topic, "label": "", "score": 0.9}]}


MINISTER = entity("ww:PER:ana ferreira", "Ana Ferreira", "PER", 0.8, quoted=True)
SPOKE = {"name": "Ana Ferreira", "entity_id": "ww:PER:ana ferreira"}
ALLIANCE = entity("Q7184", "NATO", "ORG", 0.5)
PORTO = entity("Q36433", "Porto", "LOC", 0.4)

FR = report("fr", "2026-04-02T09:10:00Z", "Nous ne céderons rien sur la défense du port", SPOKE,
            [MINISTER, ALLIANCE, PORTO], POLITICS)
EN = report("en", "2026-04-02T11:45:00+00:00", "We will give up nothing on the defence of the port", SPOKE,
            [MINISTER, ALLIANCE, PORTO], POLITICS)


def test_french_and_english_reports_of_one_statement_are_one_event():
    assert same_event(aboutness(FR), aboutness(EN))


def test_the_same_actor_another_day_is_another_event():
    later = report("en", "2026-04-09T10:00:00Z", "The budget is balanced", SPOKE, [MINISTER, PORTO], POLITICS)
    assert not same_event(aboutness(FR), aboutness(later))


def test_the_same_actor_the_same_day_on_another_subject_elsewhere_is_another_event():
    cup = report("en", "2026-04-02T20:00:00Z", "A great night for the club", SPOKE,
                 [MINISTER, entity("Q1486", "Lisbon", "LOC", 0.6)], SPORT)
    assert not same_event(aboutness(FR), aboutness(cup))


def test_an_actor_mentioned_in_passing_does_not_join():
    passing = report("en", "2026-04-02T12:00:00Z", "Prices will rise", None,
                     [entity("ww:PER:ana ferreira", "Ana Ferreira", "PER", 0.1), PORTO], POLITICS)
    assert not same_event(aboutness(FR), aboutness(passing))


def test_without_a_time_there_is_no_event_join():
    undated = dict(EN, published_at=None)
    assert not same_event(aboutness(FR), aboutness(undated))
    assert parse_time("2026-04-02T09:10:00") is None and parse_time("yesterday") is None


CONFLICT, ECONOMY = "medtop:16000000", "medtop:04000000"


def ranked(event: dict, *codes: str) -> dict:
    return dict(event, topics=[{"code": code, "label": "", "score": 0.4 - 0.1 * n} for n, code in enumerate(codes)])


def test_two_close_topics_ranked_the_other_way_round_still_agree():
    """The French model puts conflict just above politics, the English one politics first."""
    assert same_event(aboutness(ranked(FR, CONFLICT, POLITICS)), aboutness(ranked(EN, POLITICS, CONFLICT)))


def test_a_main_topic_missing_from_the_others_first_two_does_not_agree():
    assert not same_event(aboutness(ranked(FR, CONFLICT, POLITICS)), aboutness(ranked(EN, POLITICS, ECONOMY, CONFLICT)))
    assert not same_event(aboutness(ranked(FR, CONFLICT, POLITICS)), aboutness(ranked(EN, ECONOMY, POLITICS)))


def test_rows_written_before_the_leading_topics_compare_by_the_main_topic():
    from streams.stories.event_join import about_from_row, about_row

    row = about_row(aboutness(ranked(FR, CONFLICT, POLITICS)))
    assert about_from_row(row) == aboutness(ranked(FR, CONFLICT, POLITICS))
    old = about_from_row({k: v for k, v in row.items() if k != "leading"})
    assert old.leading == () and not same_event(old, aboutness(ranked(EN, POLITICS, CONFLICT)))
    assert same_event(old, aboutness(ranked(EN, CONFLICT, POLITICS)))
