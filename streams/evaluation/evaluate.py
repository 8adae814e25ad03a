"""The evaluation's public names in one place, for the modules that import them from here.

New code imports from the module that defines each name (see the package docstring).
"""

from streams.contracts import SchemaNotFoundError, load_schema
from streams.contracts import schema_problems as validate
from streams.evaluation.errors import EvalInputError
from streams.evaluation.gold import GoldSet, load_gold_set
from streams.evaluation.quotes import THRESHOLDS, speaker_correct
from streams.evaluation.report import format_report
from streams.evaluation.run import evaluate
from streams.evaluation.scoring import (
    ArticleScore,
    aggregate,
    article_details,
    score_article,
)
from streams.evaluation.text_match import normalize_name
from streams.evaluation.topics import topic_code

__all__ = [
    "THRESHOLDS",
    "ArticleScore",
    "EvalInputError",
    "GoldSet",
    "SchemaNotFoundError",
    "aggregate",
    "article_details",
    "evaluate",
    "format_report",
    "load_gold_set",
    "load_schema",
    "normalize_name",
    "score_article",
    "speaker_correct",
    "topic_code",
    "validate",
]
