"""ONNX's own backend node tests, generated from the installed ``onnx`` package, run on the chip.

The onnx wheel no longer ships the test data; its case modules (`onnx.backend.test.case.node`)
still define every case, and `collect_testcases` runs them into `TestCase`s holding the one-node
model and its expected outputs (computed by ONNX's reference code, not by us). Only the cases
whose model is that one node are kept (the ``_expanded`` variants are function bodies of other
ops).

Each case is imported (binding, as a user would with ``--bind``, the inputs the importer says
it must know at compile time: `import_bound`) and compiled for a chip, its other inputs are fed
and its outputs compared, and the case gets one outcome:

- ``pass``: every output has the expected shape and is within ``tol`` of the expected values
  (``max|got - want| <= tol * max|want|`` per output, NaN where NaN is expected); on a bf16
  chip, of the exact values or of ONNX's reference evaluator fed the inputs rounded to bf16
  (the GEMM operands the chip rounds; see `_bf16_expected`);
- ``refused``: the compiler raised its error for an unsupported construct, a ``ValueError``
  whose message starts with "ONNX" (it names the node or the graph input);
- ``unclear``: another ``ValueError`` (a refusal that does not say which node);
- ``wrong``: it compiled and ran, but an output differs (a silent wrong answer);
- ``crash``: any other exception (a traceback for the user).

Run as a script to print the table of outcomes per op:
``python -m tests.compiler.onnx_node_cases [fp32|bf16] [OP ...]``.
"""

from __future__ import annotations

import sys
import warnings
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

import numpy as np
import onnx
from onnx import numpy_helper

from chip.config import ChipConfig
from chip.dtypes import DType
from compiler import compile_lowered
from compiler.ir import Graph
from compiler.onnx_handlers import HANDLERS
from compiler.onnx_import import OnnxError, import_onnx
from tests.compiler.lowering_helpers import run_on_chip

TOLERANCE = {DType.FP32: 1e-5, DType.BF16: 2e-2}
OUTCOMES = ("pass", "refused", "unclear", "wrong", "crash")
# Cases whose expected values onnx writes out by hand to 4 decimals: compared at 1e-3.
ROUNDED_REFERENCES = frozenset({"test_averagepool_2d_ceil_last_window_starts_on_pad"})


@dataclass(frozen=True)
class NodeCase:
    """One generated case: its name, op type, one-node model, feeds and expected outputs."""

    name: str
    op: str
    model: onnx.ModelProto
    inputs: dict[str, np.ndarray]
    outputs: dict[str, np.ndarray]


@dataclass(frozen=True)
class Outcome:
    case: str
    op: str
    kind: str  # one of OUTCOMES
    detail: str = ""


def _array(v: np.ndarray | onnx.TensorProto) -> np.ndarray:
    return numpy_helper.to_array(v) if isinstance(v, onnx.TensorProto) else np.asarray(v)


@cache
def node_cases() -> tuple[NodeCase, ...]:
    """Every single-node case ONNX defines for an op our importer lists (`HANDLERS`)."""
    from onnx.backend.test.case.node import collect_testcases

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the case modules overflow casts on purpose
        cases = collect_testcases()
    out = []
    for c in cases:
        nodes = c.model.graph.node
        if len(nodes) != 1 or nodes[0].op_type not in HANDLERS or "_expanded" in c.name:
            continue
        (ins, outs) = c.data_sets[0]
        g = c.model.graph
        out.append(
            NodeCase(
                c.name,
                nodes[0].op_type,
                c.model,
                {vi.name: _array(v) for vi, v in zip(g.input, ins, strict=False)},
                {vi.name: _array(v) for vi, v in zip(g.output, outs, strict=False)},
            )
        )
    return tuple(sorted(out, key=lambda c: c.name))


def chip_for(dtype: DType) -> ChipConfig:
    """The ``edge`` chip computing in ``dtype`` (fp32 is ``systolic --dtype fp32``)."""
    return ChipConfig.from_toml("edge").replace(input_dtype=dtype)


def _mismatch(got: np.ndarray, want: np.ndarray, tol: float) -> str:
    if got.shape != want.shape:
        return f"shape {list(got.shape)}, expected {list(want.shape)}"
    if want.dtype.kind not in "fc":
        want = want.astype(np.float64)
    g, w = np.asarray(got, np.float64), np.asarray(want, np.float64)
    nan = np.isnan(w)
    if not np.array_equal(nan, np.isnan(g)):
        return "NaN where none was expected (or none where one was)"
    finite = ~nan
    if not finite.any():
        return ""
    g, w = g[finite], w[finite]
    inf = np.isinf(w)
    if not np.array_equal(g[inf], w[inf]):
        return "infinities differ"
    g, w = g[~inf], w[~inf]
    if w.size == 0:
        return ""
    scale = max(float(np.abs(w).max()), 1e-30)
    err = float(np.abs(g - w).max()) / scale
    return "" if err <= tol else f"relative error {err:.3g} > {tol}"


def import_bound(case: NodeCase) -> Graph:
    """The case's graph, with the graph inputs the importer asks to have bound (`OnnxError`'s
    ``unbound``: shapes, axes, indices a static-shape chip must know) bound to the case's
    values, as a user binds them with ``--bind``."""
    bind: dict[str, np.ndarray] = {}
    while True:
        try:
            return import_onnx(case.model, bind=bind)
        except OnnxError as e:
            more = [n for n in e.unbound if n not in bind and n in case.inputs]
            if not more:
                raise
            bind.update({n: case.inputs[n] for n in more})


def run_case(case: NodeCase, dtype: DType) -> Outcome:
    """Compile ``case`` for the edge chip in ``dtype``, run it, compare; never raises."""
    tol = max(TOLERANCE[dtype], 1e-3) if case.name in ROUNDED_REFERENCES else TOLERANCE[dtype]
    try:
        graph = import_bound(case)
        lowered = compile_lowered(graph, chip_for(dtype))
    except ValueError as e:
        kind = "refused" if str(e).startswith("ONNX") else "unclear"
        return Outcome(case.name, case.op, kind, str(e).splitlines()[0])
    except Exception as e:  # noqa: BLE001 - every other failure is recorded as a crash
        return Outcome(case.name, case.op, "crash", f"{type(e).__name__}: {e}")
    try:
        # the program's inputs: not the bound ones, nor empty ones (known at compile time)
        feeds = {k: v for k, v in case.inputs.items() if k in lowered.program.tensors}
        got = run_on_chip(lowered, feeds)
    except Exception as e:  # noqa: BLE001
        return Outcome(case.name, case.op, "crash", f"running: {type(e).__name__}: {e}")
    why = _compare(got, case.outputs, tol)
    if why and dtype is DType.BF16:
        why = _compare(got, _bf16_expected(case), tol) and why
    if why:
        return Outcome(case.name, case.op, "wrong", why)
    return Outcome(case.name, case.op, "pass")


def _compare(got: dict[str, np.ndarray], want: dict[str, np.ndarray], tol: float) -> str:
    """Why ``got`` differs from ``want`` ("" if it does not)."""
    for name, w in want.items():
        if name not in got:
            return f"output {name!r} missing"
        why = _mismatch(got[name], w, tol)
        if why:
            return f"{name}: {why}"
    return ""


def _bf16_expected(case: NodeCase) -> dict[str, np.ndarray]:
    """ONNX's reference evaluator on the case's float inputs rounded to bf16. A bf16 chip
    rounds GEMM operands to bf16 (the vector unit computes in fp32), and that rounding alone
    moves some outputs past 2e-2 (cancelling sums): a bf16 result passes if it matches either
    the exact outputs or these."""
    from onnx.reference import ReferenceEvaluator

    from chip.dtypes import from_storage, to_storage

    feeds = {
        k: from_storage(to_storage(v, DType.BF16), DType.BF16).astype(v.dtype)
        if v.dtype.kind == "f"
        else v
        for k, v in case.inputs.items()
    }
    got = ReferenceEvaluator(case.model).run(None, feeds)
    return dict(zip(case.outputs, got, strict=True))


def run_cases(cases: Iterable[NodeCase], dtype: DType) -> list[Outcome]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with np.errstate(all="ignore"):
            return [run_case(c, dtype) for c in cases]


def table(outcomes: list[Outcome]) -> str:
    """Outcomes per op and in total, one line each, with the pass rate."""
    by_op: dict[str, Counter] = {}
    for o in outcomes:
        by_op.setdefault(o.op, Counter())[o.kind] += 1
    total = Counter(o.kind for o in outcomes)
    lines = [f"{'op':<20} {'cases':>5} " + " ".join(f"{k:>7}" for k in OUTCOMES) + "    rate"]
    for op, cnt in sorted(by_op.items()) + [("TOTAL", total)]:
        n = sum(cnt.values())
        lines.append(
            f"{op:<20} {n:>5} "
            + " ".join(f"{cnt[k]:>7}" for k in OUTCOMES)
            + f"  {cnt['pass'] / n:6.1%}"
        )
    return "\n".join(lines)


def main(argv: list[str]) -> None:
    dtype = DType(argv[0]) if argv else DType.FP32
    ops = set(argv[1:])
    cases = [c for c in node_cases() if not ops or c.op in ops]
    outcomes = run_cases(cases, dtype)
    for o in outcomes:
        if o.kind != "pass":
            print(f"{o.kind:<8} {o.case}: {o.detail[:200]}")
    print(table(outcomes))


if __name__ == "__main__":
    main(sys.argv[1:])
