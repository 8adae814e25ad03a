"""NER weights fine-tuned for wirewatch, loaded over a stock spaCy pipeline's own NER.

en_core_web_sm's NER was trained on OntoNotes; on wire copy it confuses types (clubs named by
their town, agencies as people) and tags words news annotation leaves alone.  The weights in
``data/ner/<pipeline>/`` continue its training on news articles with gold entities
(``scripts/train_ner.py`` records how, on what, and the held-out figures in ``info.json``).

Only the ``ner`` component's weights change.  In these pipelines the NER has its own
token-to-vector layer, so the tagger and parser, and the one-parse-per-article contract, are
untouched.  The weights are applied only to the exact pipeline name and version they were
trained from; any other pipeline keeps its own NER.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

from spacy.language import Language

from streams.paths import DATA_DIR

log = logging.getLogger(__name__)

NER_DIR = DATA_DIR / "ner"
META_KEY = "wirewatch_ner"  # set in nlp.meta once tuned weights are loaded


@dataclass(frozen=True)
class TunedNer:
    path: Path
    info: dict

    @property
    def tag(self) -> str:
        return str(self.info["tag"])


def pipeline_name(nlp: Language) -> str:
    return f"{nlp.meta.get('lang', '')}_{nlp.meta.get('name', '')}"


def tuned_ner_for(nlp: Language, root: Path = NER_DIR) -> TunedNer | None:
    """The shipped weights for this pipeline, or None (none shipped, or another version)."""
    info_path = root / pipeline_name(nlp) / "info.json"
    if not info_path.is_file() or "ner" not in nlp.pipe_names:
        return None
    try:
        info = json.loads(info_path.read_text(encoding="utf-8"))
        if not isinstance(info, dict) or not isinstance(info.get("tag"), str):
            raise ValueError("no 'tag'")
    except (OSError, ValueError) as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        log.error("tuned NER weights in %s are unreadable (%s): keeping the pipeline's own NER", info_path.parent, exc)
        return None
    if info.get("base_version") != nlp.meta.get("version"):
        log.warning("tuned NER weights in %s were trained from %s %s, not %s: keeping the pipeline's own NER",
                    info_path.parent, pipeline_name(nlp), info.get("base_version"), nlp.meta.get("version"))
        return None
    return TunedNer(info_path.parent, info)


def apply_tuned_ner(nlp: Language, root: Path = NER_DIR) -> str | None:
    """Load the shipped NER weights into ``nlp`` when they fit it; returns their tag.

    Raises TunedNerError when the weights exist but cannot be loaded: the component may then be
    half-loaded, so the caller must start again from a fresh pipeline.
    """
    tuned = tuned_ner_for(nlp, root)
    if tuned is None:
        return None
    try:
        nlp.get_pipe("ner").from_disk(tuned.path, exclude=["vocab"])
    except Exception as exc:  # missing or truncated model file, wrong shapes
        raise TunedNerError(f"tuned NER weights in {tuned.path} could not be loaded: {exc}") from exc
    nlp.meta[META_KEY] = tuned.tag
    return tuned.tag


class TunedNerError(RuntimeError):
    """The shipped NER weights are present but broken."""
