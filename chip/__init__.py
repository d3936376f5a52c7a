"""The chip: its configuration, instruction set, functional model and cycle-level machine.

Nothing here imports from `compiler` or `runtime`.
"""

from chip.config import ChipConfig, Dataflow
from chip.dtypes import DType

__all__ = ["ChipConfig", "Dataflow", "DType"]
