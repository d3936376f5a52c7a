"""The controller's decoder layout is the ISA table's: every field reads back what was encoded."""

import dataclasses

import numpy as np
import pytest
from amaranth.lib import data

from chip.hdl.decoder import decoder_layout
from chip.isa import WORD_BITS, Matmul, Preload, encoded_fields


@pytest.mark.parametrize("cls", [Preload, Matmul])
def test_decoder_fields_read_back_random_encoded_instructions(cls):
    rng = np.random.default_rng(3)
    layout = decoder_layout(cls)
    assert layout.size == WORD_BITS
    for _ in range(200):
        values = {
            f.name: int(rng.integers(0, 1 << f.metadata["bits"])) for f in encoded_fields(cls)
        }
        ins = cls(**values)
        view = data.Const(layout, ins.encode())
        assert int(view.opcode) == cls.OPCODE
        for f in dataclasses.fields(cls):
            assert int(getattr(view, f.name)) == int(getattr(ins, f.name)), f.name
