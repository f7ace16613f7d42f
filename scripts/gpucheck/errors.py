"""The one error of the GPU check's tools: input that cannot be used (exit 2)."""


class BadInput(Exception):
    """A file is missing or malformed, or the catalogue cannot be planned."""
