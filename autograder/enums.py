"""A string Enum that reads, formats, hashes and is written to JSON as its value, on every
Python the engine supports (``enum.StrEnum`` is Python 3.11's): a member equals its value,
so a record that held the plain string holds the member in its place unchanged."""
import enum


class TextEnum(str, enum.Enum):
    _value_: str
    __hash__ = str.__hash__  # as its value's: a member and its value are one key of a dict or set

    def __str__(self) -> str:
        return self.value

    def __format__(self, spec: str) -> str:
        return format(self.value, spec)
