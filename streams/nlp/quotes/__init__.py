"""The quotes stage (see extract.py); PASSES lists its named rule passes in the order they run."""

from streams.nlp.passes import Pass

PASSES: tuple[Pass, ...] = ()
