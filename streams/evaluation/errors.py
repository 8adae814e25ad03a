"""The one error of the evaluation: bad input, reported by `wirewatch eval` as exit code 2."""


class EvalInputError(ValueError):
    """Bad evaluation input (missing files, mismatched ids, bad JSON): exit code 2, one line."""
