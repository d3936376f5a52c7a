"""Shape inference, the verifier, mixed precision, dead-code elimination and the IR dump."""

from __future__ import annotations

import dataclasses
import io

import numpy as np
import pytest

from chip.dtypes import DType
from compiler.ir import GEMM, Attrs, Graph, Op
from compiler.ir_builder import IRBuilder
from compiler.passes.dce import eliminate_dead_code
from compiler.passes.pipeline import graph_passes
from compiler.passes.precision import cast_for_compute
from compiler.passes.shape_infer import ShapeError, shape_infer
from compiler.passes.verify import VerifyError, verify
from compiler.reference import run
from compiler.train import SGD, TrainSpec
from compiler.zoo import lenet, mlp


def _conv_graph() -> Graph:
    b = IRBuilder("conv")
    x = b.input("x", (2, 7, 7, 3))
    w = b.param("w", np.zeros((3, 3, 3, 8)))
    y = b.add(Op.CONV2D, (x, w), stride=(2, 2), padding=(1, 1, 1, 1))
    p = b.add(Op.MAXPOOL2D, (y,), kernel=(2, 2), stride=(2, 2), padding=(0, 0, 0, 0))
    s = b.add(Op.REDUCE_SUM, (b.reshape(p, (-1, 8)),), axis=0)
    return b.build({"p": p, "s": s})


def test_shape_inference_of_windows_and_reductions() -> None:
    g = _conv_graph()
    assert [g[i].shape for i in g.outputs.values()] == [(2, 2, 2, 8), (8,)]
    g5 = shape_infer(g, batch=5)
    assert g5[g5.outputs["p"]].shape == (5, 2, 2, 8)
    conv = next(n for n in g5.nodes if n.op is Op.CONV2D)
    assert conv.shape == (5, 4, 4, 8)


def test_shape_inference_dtypes() -> None:
    g = shape_infer(cast_for_compute(_conv_graph(), DType.BF16), input_dtype=DType.BF16)
    conv = next(n for n in g.nodes if n.op is Op.CONV2D)
    assert [g[i].dtype for i in conv.inputs] == [DType.BF16, DType.BF16]
    assert conv.dtype is DType.FP32  # accumulates in fp32
    assert g[g.outputs["s"]].dtype is DType.FP32


def test_shape_errors_name_node_and_rule() -> None:
    b = IRBuilder()
    a, c = b.input("a", (4, 3)), b.input("c", (5, 2))
    with pytest.raises(ShapeError, match=r"mm: matmul .* inner dimensions differ \(3 vs 5\)"):
        b.matmul(a, c, name="mm")
    with pytest.raises(ShapeError, match=r"cannot infer -1 in \(5, -1\) for 12 elements"):
        b.reshape(a, (5, -1))
    with pytest.raises(ShapeError, match=r"cannot reshape 12 elements to \(5, 2\)"):
        b.reshape(a, (5, 2))
    x = b.input("x", (1, 2, 2, 3))
    w = b.param("w", np.zeros((3, 3, 3, 1)))
    with pytest.raises(ShapeError, match=r"kernel \(3, 3\) larger than the padded input"):
        b.add(Op.CONV2D, (x, w), stride=(1, 1), padding=(0, 0, 0, 0))


def test_gemm_operand_dtypes_must_agree() -> None:
    b = IRBuilder()
    a = b.input("a", (2, 2), dtype=DType.BF16)
    with pytest.raises(ShapeError, match=r"operand dtypes differ \(bf16, fp32\); insert a CAST"):
        b.matmul(a, b.param("w", np.eye(2)))


def test_verifier_accepts_pipeline_output_and_catches_broken_graphs() -> None:
    good = graph_passes(lenet(batch=2), train=TrainSpec("ce", SGD()), verify=True)
    verify(good, primitives_only=True)
    # A node whose recorded shape disagrees with its rule.
    i = next(n.id for n in good.nodes if n.op is Op.MATMUL)
    bad_shape = good.replace(
        nodes=good.nodes[:i] + (dataclasses.replace(good[i], shape=(1, 1)),) + good.nodes[i + 1 :]
    )
    with pytest.raises(VerifyError, match=rf"%{i} \(matmul\): recorded fp32\[1, 1\]"):
        verify(bad_shape)
    # A composite left after decomposition.
    with pytest.raises(VerifyError, match="composite op batch_norm after decomposition"):
        verify(lenet_with_bn(), primitives_only=True)
    # An update of the wrong shape.
    name = next(iter(good.params))
    with pytest.raises(VerifyError, match=f"update {name!r} has shape"):
        verify(good.replace(updates={**good.updates, name: good.outputs["loss"]}))


def lenet_with_bn() -> Graph:
    from compiler.builder import Net

    net = Net()
    net.output("y", net.batch_norm(net.input("x", (2, 4))))
    return net.build()


def test_graph_constructor_rejects_out_of_order_nodes() -> None:
    g = mlp(batch=2)
    with pytest.raises(ValueError, match="node ids must equal positions"):
        Graph(nodes=g.nodes[1:], outputs={})
    n = g.nodes[-1]
    swapped = dataclasses.replace(n, inputs=(len(g.nodes) + 3,))
    with pytest.raises(ValueError, match="not earlier nodes"):
        g.replace(nodes=g.nodes[:-1] + (swapped,))


def test_attrs_are_immutable() -> None:
    with pytest.raises(TypeError, match="must be an int, float, str, bool, DType or a tuple"):
        Attrs(shape=[1, 2])
    assert hash(Attrs(a=1, b=(2, 3))) == hash(Attrs(b=(2, 3), a=1))


def test_cast_for_compute_casts_each_tensor_once_and_keeps_values() -> None:
    g = graph_passes(
        lenet(batch=2), train=TrainSpec("ce", SGD()), compute_dtype=DType.BF16, verify=True
    )
    for n in g.nodes:
        if n.op in GEMM:
            assert all(g[i].dtype is DType.BF16 for i in n.inputs), n
    casts = [n.inputs[0] for n in g.nodes if n.op is Op.CAST]
    assert len(casts) == len(set(casts))
    assert all(v.dtype == np.float32 for v in g.params.values())  # fp32 master weights
    x = {"x": np.random.default_rng(0).standard_normal((2, 8, 8, 1)), "labels": np.eye(10)[[1, 2]]}
    fp32 = graph_passes(lenet(batch=2), train=TrainSpec("ce", SGD()))
    np.testing.assert_allclose(run(g, x)["loss"], run(fp32, x)["loss"], rtol=1e-12)
    rounded = run(g, x, round_casts=True)["loss"]
    assert rounded != run(g, x)["loss"] and abs(rounded - run(g, x)["loss"]) < 0.05


def test_dead_code_elimination_keeps_sources_and_live_nodes() -> None:
    b = IRBuilder()
    x = b.input("x", (2, 3))
    live = b.add(Op.RELU, (x,))
    b.add(Op.EXP, (x,))  # dead
    g = eliminate_dead_code(b.build({"y": live}))
    assert [n.op for n in g.nodes] == [Op.INPUT, Op.RELU]


def test_dump_switch_writes_ir_after_every_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    out = io.StringIO()
    graph_passes(mlp(batch=2), dump=True, dump_to=out)
    text = out.getvalue()
    for name in ("shape_infer", "decompose", "cast_for_compute", "eliminate_dead_code"):
        assert f"// after {name}" in text
    assert "= matmul(%" in text
    monkeypatch.setenv("SYSTOLIC_DUMP_IR", "1")
    env_out = io.StringIO()
    graph_passes(mlp(batch=2), dump_to=env_out)
    assert env_out.getvalue() == text


def test_int8_compute_quantizes_gemm_operands_on_chip() -> None:
    forward = lenet(batch=4)
    g = graph_passes(forward, compute_dtype=DType.INT8, verify=True)
    gemms = [n for n in g.nodes if n.op in GEMM]
    assert gemms and all(g[i].dtype is DType.INT8 for n in gemms for i in n.inputs)
    assert all(n.dtype is DType.INT32 for n in gemms)
    assert g[g.outputs["logits"]].dtype is DType.FP32
    x = {"x": np.random.default_rng(0).standard_normal((4, 8, 8, 1))}
    want = run(forward, x)["logits"]
    np.testing.assert_allclose(run(g, x)["logits"], want, rtol=1e-9, atol=1e-9)  # exact casts
    quantized = run(g, x, round_casts=True)["logits"]
    assert not np.array_equal(quantized, want)
    assert np.abs(quantized - want).max() < 0.05 * np.abs(want).max()
    # Training on an int8 chip quantizes the backward GEMMs the same way.
    step = graph_passes(
        forward, train=TrainSpec("ce", SGD()), compute_dtype=DType.INT8, verify=True
    )
    assert all(step[i].dtype is DType.INT8 for n in step.nodes if n.op in GEMM for i in n.inputs)


def test_simplify_forwards_values_through_cancelling_data_movement() -> None:
    from compiler.passes.simplify import simplify

    b = IRBuilder()
    x, y = b.input("x", (2, 3)), b.input("y", (2, 4))
    cat = b.add(Op.CONCAT, (x, y), axis=1)
    part = b.add(Op.SLICE, (cat,), axis=1, start=3, stop=7)
    flat = b.add(Op.RESHAPE, (b.add(Op.RESHAPE, (part,), shape=(8,)),), shape=(4, 2))
    back = b.add(Op.RESHAPE, (flat,), shape=(2, 4))
    g = eliminate_dead_code(simplify(b.build({"flat": flat, "back": back})))
    assert g.outputs["back"] == g.inputs["y"].id
    assert [n.op for n in g.nodes] == [Op.INPUT, Op.INPUT, Op.RESHAPE]
    assert g[g.outputs["flat"]].inputs == (g.inputs["y"].id,)


def test_lstm_classifier_backward_uses_only_the_last_hidden_state() -> None:
    from compiler.zoo import lstm_classifier

    step = graph_passes(lstm_classifier(), train=TrainSpec("ce", SGD()), verify=True)
    # Only the missing forget gate of step 0 needs a zero block in the gate gradient.
    assert sum(n.op is Op.FILL for n in step.nodes) == 1


def test_rebuilt_graph_shares_frozen_arrays_and_copies_writable_ones() -> None:
    """A graph rebuilt from another (as every pass does) keeps its read-only parameter arrays;
    a caller's writable array is still copied, so changing it later changes no graph."""
    graph = lenet(batch=2)
    rebuilt = dataclasses.replace(graph, name="rebuilt")
    assert all(rebuilt.params[k] is v for k, v in graph.params.items())
    mine = {k: np.array(v) for k, v in graph.params.items()}
    own = dataclasses.replace(graph, params=mine)
    name = next(iter(mine))
    mine[name][...] = 7.0
    assert np.array_equal(own.params[name], graph.params[name])
    assert not own.params[name].flags.writeable
