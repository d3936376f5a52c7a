"""ONNX's backend node tests for every op the importer lists, on an fp32 and a bf16 edge chip.

The cases and their expected outputs come from the installed onnx package
(`tests.compiler.onnx_node_cases`). A case either passes (1e-5 relative on fp32, 2e-2 on bf16)
or is refused by the importer with an error naming the node; a wrong answer, a crash or a
refusal that names no node fails. `python -m tests.compiler.onnx_node_cases fp32` prints the
table per op.
"""

from __future__ import annotations

import pytest

from chip.dtypes import DType
from tests.compiler.onnx_node_cases import node_cases, run_case, run_cases, table

pytest.importorskip("onnx.backend.test.case.node", reason="the onnx package defines the cases")

# Measured passes of the full run (fp32, bf16) out of the generated cases; the floor only rises.
PASS_FLOOR = {DType.FP32: 584, DType.BF16: 584}


def _sample() -> list:
    """The first case of every op: a fast check that the harness and each handler work."""
    seen, out = set(), []
    for c in node_cases():
        if c.op not in seen:
            seen.add(c.op)
            out.append(c)
    return out


def test_cases_are_generated_for_every_listed_op():
    from compiler.onnx_handlers import HANDLERS

    ops = {c.op for c in node_cases()}
    assert len(node_cases()) >= 500
    # ops ONNX defines no single-node case for
    assert set(HANDLERS) - ops <= {
        "QGemm",
        "QLinearAdd",
        "QLinearGlobalAveragePool",
        "QLinearAveragePool",
        "QLinearConcat",
    }


@pytest.mark.parametrize("case", _sample(), ids=lambda c: c.name)
def test_sample_case_passes_or_is_refused_by_name(case):
    outcome = run_case(case, DType.FP32)
    assert outcome.kind in ("pass", "refused"), f"{outcome.kind}: {outcome.detail}"


@pytest.mark.slow
@pytest.mark.parametrize("dtype", [DType.FP32, DType.BF16], ids=lambda d: d.value)
def test_every_case_passes_or_is_refused_by_name(dtype):
    outcomes = run_cases(node_cases(), dtype)
    print(table(outcomes))
    bad = [o for o in outcomes if o.kind not in ("pass", "refused")]
    assert not bad, "\n".join(f"{o.kind} {o.case}: {o.detail}" for o in bad)
    passed = sum(o.kind == "pass" for o in outcomes)
    assert passed >= PASS_FLOOR[dtype], table(outcomes)
