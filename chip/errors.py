"""Errors raised when a program or its data is wrong. Each names where it happened."""

from __future__ import annotations


class ChipError(ValueError):
    """Base of every error the chip models raise for a bad program or bad data."""


class Fault(ChipError):
    """A rule broken by one instruction, before the instruction index is known.

    The executors catch it and re-raise it as `ProgramError` with the index and opcode.
    """


class ProgramError(ChipError):
    """An instruction that cannot execute: names its index, opcode and, on the machine, the unit
    and cycle at which the fault was found."""

    def __init__(
        self,
        index: int,
        mnemonic: str,
        message: str,
        unit: str | None = None,
        cycle: int | None = None,
    ) -> None:
        self.index, self.mnemonic, self.reason = index, mnemonic, message
        self.unit, self.cycle = unit, cycle
        where = f"instruction {index} ({mnemonic})"
        if unit is not None:
            where += f" on {unit}"
        if cycle is not None:
            where += f" at cycle {cycle}"
        super().__init__(f"{where}: {message}")


class ProgramFormatError(ChipError):
    """A program file that cannot be read: corrupt, truncated, or of another format."""


class ConfigError(ChipError):
    """A chip description that cannot be used: names the file or field, the value and the rule."""
