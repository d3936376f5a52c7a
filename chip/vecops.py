"""The vector unit's functions: the `VecOp` codes, what each computes (`VEC_DOC`, from which
docs/isa.md is built) and the sets that say which operands each reads and how it is timed.

chip/isa.py's VEC instruction names a `VecOp`; `from chip.isa import X` reaches every name
here as well.
"""

from __future__ import annotations

import enum


class VecOp(enum.Enum):
    """Vector-unit functions; `VEC_DOC` says what each computes."""

    ADD = 0
    SUB = 1
    MUL = 2
    MAX = 3
    MIN = 4
    MULI = 5
    ADDI = 6
    SET = 7
    COPY = 8
    RELU = 9
    RELU_MASK = 10
    SIGMOID = 11
    TANH = 12
    EXP = 13
    LOG = 14
    RECIP = 15
    RSQRT = 16
    SQRT = 17
    RSUM = 18
    RMAX = 19
    BCAST = 20
    EQ = 21
    CSUM = 22
    GT = 23
    CVT = 24
    RAND = 25

    __hash__ = object.__hash__  # see chip/isa_operands.py _IDENTITY_HASH


# ``a``/``b`` are the src1/src2 rows, ``imm`` the immediate; docs/isa.md is built from this.
VEC_DOC: dict[VecOp, str] = {
    VecOp.ADD: "a + b",
    VecOp.SUB: "a - b",
    VecOp.MUL: "a * b",
    VecOp.MAX: "max(a, b)",
    VecOp.MIN: "min(a, b)",
    VecOp.MULI: "a * imm (scale; with an integer destination this requantizes)",
    VecOp.ADDI: "a + imm",
    VecOp.SET: "imm",
    VecOp.COPY: "a, converted to the destination's dtype",
    VecOp.RELU: "max(a, 0)",
    VecOp.RELU_MASK: "b where a > 0 else 0 (the ReLU gradient)",
    VecOp.SIGMOID: (
        "1 / (1 + exp(-a)): RECIP(1 + EXP(-a)) for a >= +0, EXP(a) * RECIP(1 + EXP(a)) below "
        "(within 3 ulp)"
    ),
    VecOp.TANH: (
        "tanh(a): a P(a^2) where |a| < 0.25 (a fixed-point polynomial, within 0.51 ulp), else "
        "sign(a) (1 - e) * RECIP(1 + e), e = EXP(-2|a|) (within 3.5 ulp)"
    ),
    VecOp.EXP: "exp(a) by chip/special.py's table and polynomial (within 0.51 ulp)",
    VecOp.LOG: "ln(a) by chip/special.py's table and polynomial (within 0.51 ulp)",
    VecOp.RECIP: "1 / a",
    VecOp.RSQRT: "1 / sqrt(a): RECIP(SQRT(a)) (within 1.5 ulp)",
    VecOp.SQRT: "sqrt(a)",
    VecOp.RSUM: "sum of the row's first cols elements, written to all cols elements",
    VecOp.RMAX: "max of the row's first cols elements, written to all cols elements",
    VecOp.BCAST: "a[row][0] written to all cols elements",
    VecOp.EQ: "1 if a == b else 0",
    VecOp.CSUM: "one destination row: sum over the rows of a, in row order",
    VecOp.GT: "1 if a > b else 0",
    VecOp.CVT: (
        "a rounded to the number format imm names (chip/formats.py: float16, bfloat16, float8, "
        "float4, 4/2-bit integers; saturating or not), as a value of the destination's dtype"
    ),
    VecOp.RAND: (
        "uniform in [0, 1): the first word of Philox-2x32-10 on the counter (bits(a), "
        "bits(b)) under the key bits(imm), its top 24 bits / 2^24 (a counter-based random "
        "number: the same a, b, imm give the same value on every model of the chip)"
    ),
}

VECOP_BITS = 5

# Which sources each vector function reads; used by validation, docs and the machine.
VEC_READS_B = frozenset(
    {
        VecOp.ADD,
        VecOp.SUB,
        VecOp.MUL,
        VecOp.MAX,
        VecOp.MIN,
        VecOp.RELU_MASK,
        VecOp.EQ,
        VecOp.GT,
        VecOp.RAND,
    }
)
VEC_READS_A = frozenset(VecOp) - {VecOp.SET}
VEC_USES_IMM = frozenset({VecOp.MULI, VecOp.ADDI, VecOp.SET, VecOp.CVT, VecOp.RAND})
# Multi-cycle functions: the transcendentals and the random-number hash (10 multiply rounds).
VEC_SPECIAL = frozenset(
    {
        VecOp.SIGMOID,
        VecOp.TANH,
        VecOp.EXP,
        VecOp.LOG,
        VecOp.RECIP,
        VecOp.RSQRT,
        VecOp.SQRT,
        VecOp.RAND,
    }
)
VEC_REDUCE = frozenset({VecOp.RSUM, VecOp.RMAX, VecOp.CSUM})
VEC_MUL = frozenset({VecOp.MUL, VecOp.MULI})
