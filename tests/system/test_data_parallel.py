"""Data-parallel training: weights equal single-chip training at the same global batch."""

from __future__ import annotations

import numpy as np
import pytest

from chip.config import load_preset
from chip.dtypes import DType
from chip.system import SystemConfig, Topology, ring
from compiler import zoo
from compiler.compile import compile
from compiler.data_parallel import compile_data_parallel
from compiler.train import Adam, Momentum, TrainSpec, host_scalars
from runtime.backend import Backend
from runtime.data import load_digits, train_batches
from runtime.models import defaults, forward_graph, train_spec
from runtime.system_report import system_report
from runtime.system_train import SystemRunner
from runtime.train import TrainingError

FP32 = load_preset("edge").replace(input_dtype=DType.FP32, name="edge-fp32")
BATCH = 16


def _graph():
    return zoo.mlp(batch=BATCH, inputs=24, hidden=(20, 12), classes=5, seed=3)


def _data(steps: int):
    rng = np.random.default_rng(1)
    for _ in range(steps):
        x = rng.standard_normal((BATCH, 24)).astype(np.float32)
        y = np.eye(5, dtype=np.float32)[rng.integers(0, 5, BATCH)]
        yield x, y


def _single_chip(spec: TrainSpec, steps: int) -> list[dict[str, np.ndarray]]:
    program = compile(_graph(), FP32, batch=BATCH, train=spec)
    backend = Backend(program, "functional")
    out = []
    for k, (x, y) in enumerate(_data(steps), start=1):
        for name, v in host_scalars(spec.optimizer, k, spec.lr).items():
            backend.write(name, np.full(program.tensor(name).shape, v[0]))
        backend.run({"x": x, "labels": y})
        out.append(backend.params())
    return out


@pytest.mark.parametrize(
    ("system", "optimizer"),
    [
        (ring(FP32, 2, 16, 50), Adam()),
        (ring(FP32, 4, 16, 50), Momentum()),
        (SystemConfig(FP32, 4, Topology.TORUS2D, (2, 2), 16, 50), Momentum()),
    ],
    ids=["ring2-adam", "ring4-momentum", "torus2x2-momentum"],
)
def test_weights_equal_single_chip_training_for_20_steps(system, optimizer) -> None:
    """Relative error per tensor, |w_system - w_single| / |w_single| (2-norms), < 1e-6 after
    every step: the sums over the batch are associated differently (per chip, then around the
    ring), nothing else differs."""
    spec = TrainSpec(optimizer=optimizer, lr=0.05)
    steps = 20
    want = _single_chip(spec, steps)
    runner = SystemRunner(
        compile_data_parallel(_graph(), system, BATCH, spec), optimizer, "functional"
    )
    worst = 0.0
    for k, (x, y) in enumerate(_data(steps), start=1):
        runner.step(x, y, k, spec.lr)
        for c in range(system.chips):
            got = runner.params(c)
            for name, w in want[k - 1].items():
                rel = np.linalg.norm(got[name] - w) / np.linalg.norm(w)
                worst = max(worst, rel)
                assert rel < 1e-6, (k, c, name, rel)
        first = runner.params(0)
        for c in range(1, system.chips):  # every chip holds the same bits
            for name, w in runner.params(c).items():
                assert np.array_equal(w.view(np.uint32), first[name].view(np.uint32))
    assert worst > 0 or system.chips == 1  # the sums are reordered, not skipped


def test_machine_values_equal_functional_and_count_cycles() -> None:
    system = ring(FP32, 2, 16, 50)
    spec = TrainSpec(optimizer=Momentum(), lr=0.05)
    dp = compile_data_parallel(_graph(), system, BATCH, spec)
    fun, fast = (SystemRunner(dp, spec.optimizer, f) for f in ("functional", "fast"))
    for k, (x, y) in enumerate(_data(3), start=1):
        fun.step(x, y, k, spec.lr)
        r = fast.step(x, y, k, spec.lr)
        assert r.cycles > 0
    for name, w in fun.params(0).items():
        assert np.array_equal(w, fast.params(0)[name])
    assert r.result.link_bytes  # gradients crossed the links


def test_batch_must_split_over_the_chips() -> None:
    with pytest.raises(
        ValueError, match=r"the global batch \(16\) must be a multiple of the 3 chips"
    ):
        compile_data_parallel(_graph(), ring(FP32, 3, 16, 50), BATCH, TrainSpec())


def test_worker_processes_give_the_same_weights_and_cycles() -> None:
    system = ring(FP32, 4, 16, 50)
    spec = TrainSpec(optimizer=Momentum(), lr=0.05)
    dp = compile_data_parallel(_graph(), system, BATCH, spec)
    here = SystemRunner(dp, spec.optimizer, "fast")
    there = SystemRunner(dp, spec.optimizer, "fast", workers=True)
    try:
        for k, (x, y) in enumerate(_data(3), start=1):
            a, b = here.step(x, y, k, spec.lr), there.step(x, y, k, spec.lr)
            assert (a.loss, a.cycles) == (b.loss, b.cycles)
            assert np.array_equal(a.logits, b.logits)
        for c in range(4):
            for name, w in here.params(c).items():
                assert np.array_equal(w, there.params(c)[name])
    finally:
        there.close()


def test_overlap_hides_communication_behind_the_backward_pass() -> None:
    """LeNet on two edge chips over slow links: with overlap the all-reduce's steps run
    between parts of the backward pass, so less communication is exposed and the step is
    shorter; the weights stay those of the plain schedule."""
    chip = load_preset("edge")
    system = ring(chip, 2, 2, 500)
    spec = TrainSpec(optimizer=Momentum(), lr=0.05)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((16, 8, 8, 1)).astype(np.float32)
    y = np.eye(10, dtype=np.float32)[rng.integers(0, 10, 16)]
    got = {}
    for overlap in (False, True):
        dp = compile_data_parallel(zoo.lenet(batch=8), system, 16, spec, pieces=1, overlap=overlap)
        runner = SystemRunner(dp, spec.optimizer, "fast")
        step = runner.step(x, y, 1, spec.lr)
        got[overlap] = (step.cycles, system_report(system, step.result), runner.params(0))
    (plain, plain_report, w0), (over, over_report, w1) = got[False], got[True]
    assert over_report.exposed < plain_report.exposed / 2
    assert over_report.overlapped > plain_report.overlapped
    assert over < plain
    for name, w in w0.items():
        assert np.linalg.norm(w1[name] - w) <= 1e-6 * np.linalg.norm(w), name


def test_overlap_falls_back_to_the_plain_schedule_where_no_step_fits() -> None:
    """Every bucket of the MLP's gradients holds a piece of the last one stored, by the
    gradients program's last instruction before its halt: no all-reduce step could run
    inside its backward pass, so overlap compiles the plain schedule rather than one with
    smaller buckets and nothing hidden."""
    system = ring(load_preset("edge"), 2, 32, 200)
    spec = TrainSpec(optimizer=Momentum(), lr=0.05)
    over = compile_data_parallel(zoo.mlp(batch=16), system, 32, spec, pieces=1, overlap=True)
    plain = compile_data_parallel(zoo.mlp(batch=16), system, 32, spec, pieces=1)
    assert not over.overlap and over.buckets == plain.buckets
    assert [len(p) for p in over.chip_programs] == [3, 3]
    for a, b in zip(over.chip_programs, plain.chip_programs, strict=True):
        assert [p.instrs for p in a] == [p.instrs for p in b]
    lenet = compile_data_parallel(zoo.lenet(batch=8), system, 16, spec, pieces=1, overlap=True)
    assert lenet.overlap and len(lenet.chip_programs[0]) > 3


@pytest.mark.parametrize("optimizer", [Momentum(), Adam()], ids=["momentum", "adam"])
def test_one_chip_equals_the_fused_step_bit_for_bit(optimizer) -> None:
    """On one chip nothing is reordered: the split step (gradients, then the update) gives
    the fused training step's weights bit for bit, step after step."""
    spec = TrainSpec(optimizer=optimizer, lr=0.05)
    steps = 20
    want = _single_chip(spec, steps)
    dp = compile_data_parallel(_graph(), ring(FP32, 1, 16, 50), BATCH, spec)
    runner = SystemRunner(dp, optimizer, "functional")
    for k, (x, y) in enumerate(_data(steps), start=1):
        runner.step(x, y, k, spec.lr)
        got = runner.params(0)
        for name, w in want[k - 1].items():
            assert np.array_equal(got[name].view(np.uint32), w.view(np.uint32)), (k, name)


@pytest.mark.parametrize("model", ["mlp", "cnn"])
def test_the_gradient_on_four_chips_is_the_single_chip_gradient(model: str) -> None:
    """The command line's MLP (64-64-32-10) and CNN (LeNet), batch 32, momentum, on `edge`
    chips (bf16 operands) with digits batches: from the same weights, four chips'
    all-reduced gradient divided by 4 equals one chip's within summation-order rounding
    (relative 2-norm below 1e-6 per tensor; observed at most 2.2e-7) at every one of 10
    steps, the four chips' weights set to the single chip's before each. A lost or doubled
    shard, a wrong scale or a gradient rounded to bf16 on its way would be off by 1e-3 or
    more. The single chip's split step is the fused training step bit for bit all along."""
    d = defaults(model)
    chip = load_preset("edge")
    data = load_digits()
    spec = train_spec("ce", d.optimizer, d.lr)
    one, four = (
        SystemRunner(
            compile_data_parallel(
                forward_graph(model, d.batch_size // n), ring(chip, n, 32, 200), d.batch_size, spec
            ),
            spec.optimizer,
            "functional",
        )
        for n in (1, 4)
    )
    fused = Backend(compile(forward_graph(model, d.batch_size), chip, train=spec), "functional")
    shape = fused.program.tensor("x").shape[1:]
    batches = train_batches(len(data.x_train), d.batch_size, 0, 0)
    for k, idx in zip(range(1, 11), batches, strict=False):
        four.set_params(one.params())
        x = data.x_train[idx].reshape((len(idx), *shape)).astype(np.float32)
        y = np.eye(10, dtype=np.float32)[data.y_train[idx]]
        one.step(x, y, k, d.lr)
        four.step(x, y, k, d.lr)
        for name, v in host_scalars(spec.optimizer, k, d.lr).items():
            fused.write(name, np.full(fused.program.tensor(name).shape, v[0]))
        fused.run({"x": x, "labels": y})
        want = one.gradients()
        summed = four.gradients(0)
        for name, g in want.items():
            rel = np.linalg.norm(summed[name] / 4 - g) / np.linalg.norm(g)
            assert rel < 1e-6, (k, name, rel)
        for c in range(1, 4):  # the all-reduce leaves every chip the same bits
            for name, g in four.gradients(c).items():
                assert np.array_equal(g.view(np.uint32), summed[name].view(np.uint32))
        for name, w in fused.params().items():
            assert np.array_equal(w.view(np.uint32), one.params()[name].view(np.uint32)), k


def test_set_params_refuses_a_name_that_is_not_a_weight() -> None:
    dp = compile_data_parallel(_graph(), ring(FP32, 2, 16, 50), BATCH, TrainSpec())
    runner = SystemRunner(dp, TrainSpec().optimizer, "functional")
    with pytest.raises(TrainingError, match=r"'dense9.w' is not a weight of the step \(dense1.b, "):
        runner.set_params({"dense9.w": np.zeros(3, np.float32)})
