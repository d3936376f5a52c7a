"""Builds docs/isa.md from the ISA table: ``python -m chip.isadoc > docs/isa.md``.

The field tables and vector-function list come from chip/isa.py; the prose around them (state,
numerics, tokens) is kept here, next to the generator, so the document has one source.
"""

from __future__ import annotations

import inspect

from chip.isa import (
    INSTRUCTIONS,
    LINK_INSTRUCTIONS,
    OPCODE_BITS,
    VEC_DOC,
    VEC_READS_B,
    VEC_USES_IMM,
    WORD_BITS,
    FieldKind,
    Instr,
    VecOp,
    encoded_fields,
    field_layout,
)

PREAMBLE = f"""# The systolic instruction set

Generated from `chip/isa.py` by `python -m chip.isadoc`; a test checks this file is current.
What every instruction computes is defined by `chip/semantics.py` (run in program order by the
functional model, `chip/functional.py`); this page states the same in words.

## Machine state
- **DRAM**: `dram_mib` MiB, byte-addressed. Tensors are row-major; a DMA element address must be
  a multiple of the element size.
- **Scratchpad**: `spad_rows` rows of `row_elems = max(rows, cols)` elements of the input dtype
  (int8, bf16 or fp32), in `spad_banks` banks (row `r` is in bank `r % spad_banks`).
- **Accumulator**: `acc_rows` rows of `row_elems` elements of the accumulator dtype (int32 for
  int8 inputs, fp32 otherwise), in `acc_banks` banks.
- **Array**: `rows x cols` processing elements and, in the weight- and input-stationary
  dataflows, one stationary tile (double-buffered when `double_buffer_stationary`).
- **Accumulator, fp32 view**: `accf:ROW` addresses the same accumulator words read and written
  as fp32. On a float chip it is the accumulator itself; on an int8 chip it lets the vector unit
  keep fp32 values (scales, master weights, activations) beside the array's int32 results.
  DMA moves the 32-bit words unchanged either way; banks and timing are the accumulator's.
- On-chip addresses are written `sp:ROW`, `acc:ROW` or `accf:ROW`: bits 18-19 of a 20-bit field
  select the memory (0 scratchpad, 1 accumulator, 2 accumulator as fp32; 3 does not decode).
  Reading an on-chip element that no instruction wrote is an error.

## Encoding
Every instruction is one {WORD_BITS}-bit little-endian word: bits 0-{OPCODE_BITS - 1} hold the
opcode, bits 4-7 the dependency-token flags, then the instruction's fields from the least
significant bit up, in the order of the tables below. Unused high bits must be zero; a word with
an unknown opcode, unknown vector function or reserved bits set does not decode. Text assembly
is `mnemonic field=value ... +flag` (see `chip/asm.py`); a float32 immediate is a decimal
number, `inf`, `-inf`, or a NaN written with its bits (`nan:0x7fc00000`), so that every word
that decodes assembles back to itself.

## Dependency tokens (decoupled access-execute)
`load` and `move` go to the load queue; `preload`, `matmul` and `vec` to the execute queue;
`store` to the store queue; the queues run concurrently. The queues are ordered load -> execute
-> store; `prev`/`next` name the neighbouring queue. `pop_prev`/`pop_next`: before starting,
wait for a token from that queue and consume it. `push_prev`/`push_next`: when the instruction
completes, send a token to that queue. The load queue has no `prev` and the store queue no
`next`. Tokens are the only synchronization between queues: a program must use them wherever one
queue consumes what another produces (or overwrites what another still reads). The functional
model runs in program order and ignores tokens; the cycle-level machine honours them and reports
unprotected hazards and deadlocks as errors.

## Numerics
- **int8**: int8 x int8 products are exact; partial sums and accumulation are int32 and wrap
  modulo 2^32.
- **bf16**: products of two bf16 values are exact in fp32; sums are fp32, rounded to nearest even
  after every addition.
- **fp32**: products are rounded to fp32, then added (no fused multiply-add).
- **Accumulation order** (bit-exact across the functional model, the machine and the RTL):
  weight/input-stationary: `p = 0; for i in 0..rows-1: p = p + X[t,i] * S[i,j]`, then
  `acc = acc + p` (or `acc = p`). Output-stationary: `p = 0; for t in 0..T-1: p = p + X[t,i] *
  Y[t,j]`, then the same accumulator update.
- **NaNs in the array** (x86 SSE's rule, which the RTL's units implement): an addition or product
  with a NaN first operand (`p`, `X[t,i]`, `acc`, in the order written above) gives that NaN
  quieted (a signalling NaN loaded into the accumulator comes out quiet), else a NaN second
  operand quieted, else invalid operations (`inf * 0`, `inf - inf`) give the default NaN
  0xFFC00000. chip/semantics.py applies the rule itself (`f32_add`, `f32_mul`): NumPy's loops
  do not keep it for two NaNs.
- **Vector unit**: computes in fp32 (RNE after every operation). RECIP and SQRT are correctly
  rounded (float64, rounded once). EXP and LOG are the hardware's algorithms (chip/special.py):
  range reduction, a table and a fixed-point polynomial in integer arithmetic, rounded once to
  fp32, within 0.51 ulp; SIGMOID, TANH and RSQRT are composed from EXP, RECIP, SQRT, an fp32
  add and multiply (the table above gives each composition and its bound;
  `python -m bench.special_functions` measures them). A NaN operand gives that NaN quieted,
  LOG and RSQRT of a negative number the default NaN. When every operand is an integer and the
  function has no immediate, it computes exactly in integers. Row sums add elements 0, 1, 2,
  ... in order; column sums add rows in order.
- **Conversion on write**: results are converted to the destination memory's type: fp32 -> bf16
  rounds to nearest even; to int8/int32 rounds half to even and saturates (NaN -> 0).
- **Narrow formats** (`CVT`, chip/formats.py): rounds fp32 values to float16, bfloat16, float8
  (e4m3fn, e4m3fnuz, e5m2, e5m2fnuz, e8m0), float4 e2m1 or a 4/2-bit integer and keeps the
  result as a value of the destination's type (every such value is exact in fp32). Floats round
  to nearest even with subnormals; overflow and infinity saturate to the largest finite value
  (`saturate`, float8 only; always for e2m1) or become infinity (float16, bfloat16, e5m2) or
  NaN; e8m0 rounds its exponent up, down or to nearest; integers truncate toward zero and an
  out-of-range value becomes 0. The immediate is `Conversion.code`: (format index * 3 + rounding
  mode) * 2 + (1 if not saturating).
- **Transposed copies on chip**: `move` with `transpose` (the load queue's DMA engine, bytes
  unconverted, between memories of one element size) writes a `rows x cols` block transposed,
  element (r, e) to element r of destination row `dst + e`. It reads the block a row at a time
  into a corner-turn buffer of `row_elems x row_elems` elements and then writes it a column at
  a time, so `rows` is at most `row_elems`. A value transposed on chip needs no store and
  transposed load through DRAM, and the move runs beside the array.
"""


def _kind(f) -> str:
    kind = f.metadata["kind"]
    return {
        FieldKind.UINT: "unsigned",
        FieldKind.BOOL: "flag",
        FieldKind.LOC: "sp:/acc:/accf: row",
        FieldKind.F32: "float32",
        FieldKind.VECOP: "vector function",
    }[kind]


def instruction_section(cls: type[Instr]) -> str:
    doc = inspect.cleandoc(cls.__doc__ or "")
    queue = cls.QUEUE.value if cls.QUEUE else "none (ends the stream)"
    lines = [
        f"### `{cls.MNEMONIC}` (opcode {cls.OPCODE}, queue: {queue})",
        "",
        doc,
        "",
        "| bits | field | width | kind | meaning |",
        "|---|---|---|---|---|",
    ]
    docs = {f.name: (f.metadata["doc"], _kind(f)) for f in encoded_fields(cls)}
    docs["opcode"] = (f"{cls.OPCODE}", "unsigned")
    for name, lo, width in field_layout(cls):
        meaning, kind = docs[name]
        lines.append(f"| {lo}-{lo + width - 1} | `{name}` | {width} | {kind} | {meaning} |")
    return "\n".join(lines)


def vector_section() -> str:
    lines = [
        "## Vector functions (`vec op=...`)",
        "",
        "| code | op | result | reads b | uses imm |",
        "|---|---|---|---|---|",
    ]
    for op in VecOp:
        lines.append(
            f"| {op.value} | `{op.name}` | {VEC_DOC[op]} | "
            f"{'yes' if op in VEC_READS_B else ''} | "
            f"{'yes' if op in VEC_USES_IMM else ''} |"
        )
    return "\n".join(lines)


def render() -> str:
    parts = [PREAMBLE, "## Instructions", ""]
    parts += [instruction_section(c) + "\n" for c in INSTRUCTIONS + LINK_INSTRUCTIONS]
    parts.append(vector_section())
    return "\n".join(parts) + "\n"


if __name__ == "__main__":
    print(render(), end="")
