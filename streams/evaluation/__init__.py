"""Scoring the pipeline against gold sets (`wirewatch eval`).

gold: reading and checking gold sets; quotes, entities, topics: one article's scores per part
(text_match holds the lenient comparisons they share); scoring: an article's score, its errors
and the micro-averaged figures; run: enriching sets and building the JSON report; report: the
printed tables; pass_values: what each named pass is worth.
"""
