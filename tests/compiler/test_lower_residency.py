"""Values that stay on chip between layers (compiler/lower/residency.py).

An MLP's forward pass reads every intermediate row by row in the layout its producer wrote
it, so the residency plan keeps all of them on chip: the only DRAM the program writes is its
output, and the output equals the program compiled with every value going through DRAM.
Optimizer updates are scheduled right after their gradients without changing any value.
"""

import numpy as np

from chip.config import ChipConfig
from chip.dtypes import DType
from chip.isa import Load, Matmul, Mem, Move, Preload, Store, Vec, VecOp
from chip.program import TensorRole
from compiler import compile_lowered, zoo
from compiler.lower import program as lowering
from compiler.lower import reserve, residency
from compiler.lower.residency_rows import spad_region
from compiler.lower.schedule import schedule_updates
from compiler.lower.units import lower_units, phases
from compiler.passes.pipeline import graph_passes
from compiler.reference import evaluate
from compiler.train import Momentum, TrainSpec
from tests.compiler.lowering_helpers import run_on_chip


def _stored_bytes(lowered) -> int:
    es = {t.dtype.nbytes for t in lowered.program.tensors.values()}
    assert es  # every store below moves fp32 logits (8 x 16)
    return sum(i.rows * i.cols * 4 for i in lowered.program.instrs if isinstance(i, Store))


def test_forward_intermediates_never_reach_dram(monkeypatch):
    chip = ChipConfig.from_toml("edge")
    graph = zoo.mlp(batch=8, inputs=32, hidden=(48,), classes=16)
    x = {"x": np.random.default_rng(0).standard_normal((8, 32))}
    kept = compile_lowered(graph, chip)
    assert _stored_bytes(kept) == 8 * 16 * 4  # the logits, nothing else
    # each value is computed where it stays: no COPY moves rows within one memory
    assert not any(
        isinstance(i, Vec) and i.op is VecOp.COPY and i.src1.mem is i.dst.mem
        for i in kept.program.instrs
    )

    monkeypatch.setattr(lowering, "residency_reserve", lambda *a: (0, 0))
    through_dram = compile_lowered(graph, chip)
    assert _stored_bytes(through_dram) > 8 * 16 * 4
    a = run_on_chip(kept, x, machine=True)["logits"]
    b = run_on_chip(through_dram, x, machine=True)["logits"]
    assert np.array_equal(a, b)


def test_gemm_operands_are_read_in_place_from_resident_rows():
    chip = ChipConfig.from_toml("edge")
    graph = zoo.mlp(batch=8, inputs=32, hidden=(48,), classes=16)
    instrs = compile_lowered(graph, chip).program.instrs
    graph = graph_passes(graph, compute_dtype=chip.input_dtype)
    units, plan = lower_units(graph, chip)
    rows = reserve.residency_reserve(graph, chip, units, plan)[0]
    base = spad_region(chip.spad_rows, chip.spad_banks, rows)[0]
    # the array reads the cast x and weights and the hidden activation where they stay ...
    assert any(isinstance(i, Preload) and i.src >= base for i in instrs)
    assert any(isinstance(i, Matmul) and i.x >= base for i in instrs)
    # ... and no vector COPY moves resident scratchpad rows into a layer's working rows
    assert not any(
        isinstance(i, Vec)
        and i.op is VecOp.COPY
        and i.src1.mem is Mem.SPAD
        and i.src1.row >= base
        and i.dst.row < base
        for i in instrs
    )


def test_vector_operands_are_read_in_place_from_resident_rows():
    # the ReLU gradients read the pre-activation values the forward pass left on chip
    chip = ChipConfig.from_toml("edge")
    train = TrainSpec(loss="ce", optimizer=Momentum(momentum=0.9), lr=0.1)
    graph = zoo.mlp(batch=8, inputs=32, hidden=(48, 32))
    program = compile_lowered(graph, chip, train=train).program
    instrs = program.instrs
    graph = graph_passes(graph, compute_dtype=chip.input_dtype, train=train)
    units, plan = lower_units(graph, chip)
    base = chip.acc_rows - 1 - reserve.residency_reserve(graph, chip, units, plan)[1]
    masks = [i for i in instrs if isinstance(i, Vec) and i.op is VecOp.RELU_MASK]
    assert masks and any(i.src1.row >= base for i in masks)
    # the input gradients they read were written there by the array itself
    assert any(isinstance(i, Matmul) and i.out >= base for i in instrs)
    # nothing copies resident rows out to read them, except the loss and its gradient: they
    # overwrite the logits they read, so they take a COPY of the resident logits (no DMA)
    copies = [
        t.layer
        for i, t in zip(instrs, program.tags, strict=True)
        if isinstance(i, Vec)
        and i.op is VecOp.COPY
        and i.src1.mem.is_acc
        and i.dst.mem.is_acc
        and i.src1.row >= base > i.dst.row
    ]
    assert set(copies) <= {"loss", "grad_loss"}


def test_stored_resident_values_sit_in_another_bank_than_the_layers_operands():
    # a DRAM store reading a bank holds its read port until its transfer (bus wait included) ends:
    # values that must reach DRAM (read transposed later) go to the other half of the region
    chip = ChipConfig.from_toml("edge")
    assert spad_region(chip.spad_rows, chip.spad_banks, 1000) == (6144 - 1000, 2000, 6144)
    assert spad_region(chip.spad_rows, chip.spad_banks, 2048) == (4096, 4096, 6144)
    assert spad_region(chip.spad_rows, 2, 1000) == (chip.spad_rows - 1000, 1000, None)
    train = TrainSpec(loss="ce", optimizer=Momentum(momentum=0.9), lr=0.1)
    program = compile_lowered(zoo.mlp(batch=8, inputs=32, hidden=(48, 32)), chip, train=train)
    per = chip.spad_rows // chip.spad_banks
    read: dict[str, set[int]] = {}
    for ins, tag in zip(program.program.instrs, program.program.tags, strict=True):
        rows = [ins.src] if isinstance(ins, Preload) else [ins.x] if isinstance(ins, Matmul) else []
        read.setdefault(tag.layer, set()).update(r // per for r in rows)
    stores = [
        (ins.src.row // per, tag.layer)
        for ins, tag in zip(program.program.instrs, program.program.tags, strict=True)
        if isinstance(ins, Store) and ins.src.mem is Mem.SPAD
    ]
    # where the layer reads one bank in place (dense1 reads x and its weights), the values
    # it stores are in the other; a layer reading both halves (dense3) has no choice
    one = [(bank, layer) for bank, layer in stores if len(read[layer]) == 1]
    assert one and all(bank not in read[layer] for bank, layer in one)


def test_reserve_counts_values_read_by_later_units():
    chip = ChipConfig.from_toml("edge")
    graph = graph_passes(
        zoo.mlp(batch=8, inputs=32, hidden=(48,), classes=16), compute_dtype=chip.input_dtype
    )
    units, plan = lower_units(graph, chip)
    spad, acc = reserve.residency_reserve(graph, chip, units, plan)
    assert 0 < spad <= chip.spad_rows // 4
    assert 0 <= acc <= (chip.acc_rows - 1) // 4
    single = graph_passes(
        zoo.mlp(batch=8, inputs=32, hidden=(), classes=16), compute_dtype=chip.input_dtype
    )
    units, plan = lower_units(single, chip)
    # x and the weights are cast to bf16 for the one GEMM: read by a later unit, on chip
    assert reserve.residency_reserve(single, chip, units, plan)[0] > 0


def test_updates_scheduled_after_their_gradients():
    chip = ChipConfig.from_toml("edge")
    train = TrainSpec(loss="ce", optimizer=Momentum(momentum=0.9), lr=0.1)
    graph = graph_passes(
        zoo.mlp(batch=8, inputs=32, hidden=(48, 24), classes=16),
        compute_dtype=chip.input_dtype,
        train=train,
    )
    moved = schedule_updates(graph, phases(graph))
    assert [n.op for n in moved.nodes] != [n.op for n in graph.nodes]
    # a reorder: every node once (an update pulled in by its own input is not emitted again)
    assert sorted(n.op.value for n in moved.nodes) == sorted(n.op.value for n in graph.nodes)
    # the last layer's weight update runs before the first layer's weight gradient
    update = moved.updates["dense5.w"]
    first_grad = next(n.id for n in moved.nodes if n.name == "grad_dense1")
    assert update < first_grad
    rng = np.random.default_rng(1)
    feeds = {"x": rng.standard_normal((8, 32)), "labels": np.eye(16)[rng.integers(0, 16, 8)]}
    a, b = evaluate(graph, feeds).updates, evaluate(moved, feeds).updates
    assert a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)


def test_loss_reads_the_logits_from_chip_and_the_host_still_gets_them():
    # the logits are an output (stored for the host) that the loss and its gradient read:
    # they stay resident for those readers, so no DMA reads them back
    chip = ChipConfig.from_toml("edge")
    train = TrainSpec(loss="ce", optimizer=Momentum(momentum=0.9), lr=0.1)
    program = compile_lowered(zoo.mlp(batch=8, inputs=32, hidden=(48, 32)), chip, train=train)
    logits = program.program.tensors["logits"]
    lo, hi = logits.addr, logits.addr + logits.nbytes
    instrs = program.program.instrs
    assert not any(isinstance(i, Load) and lo <= i.dram < hi for i in instrs)
    assert sum(i.rows for i in instrs if isinstance(i, Store) and lo <= i.dram < hi) == 8


def test_a_bias_is_loaded_once_for_every_column_tile():
    # dense1's 64 outputs span four 16-column tiles: one 4-row load of its bias, not four
    chip = ChipConfig.from_toml("edge")
    program = compile_lowered(zoo.mlp(batch=32, inputs=64, hidden=(64,), classes=10), chip)
    bias = program.program.tensors["dense1.b"]
    loads = [
        i
        for i in program.program.instrs
        if isinstance(i, Load) and bias.addr <= i.dram < bias.addr + bias.nbytes
    ]
    assert [(i.rows, i.cols) for i in loads] == [(4, 16)]


def test_kept_master_weights_cross_dram_once_each_way():
    # the forward's cast loads dense3.w (fp32) into rows its momentum update then reads in
    # place: one read and one write of its bytes per step, where it used to be read twice
    chip = ChipConfig.from_toml("edge")
    train = TrainSpec(loss="ce", optimizer=Momentum(momentum=0.9), lr=0.1)
    graph = zoo.mlp(batch=32)
    program = compile_lowered(graph, chip, train=train).program
    w = program.tensors["dense3.w"]

    def moved(kind):
        return sum(
            i.rows * i.cols * 4
            for i in program.instrs
            if isinstance(i, kind) and w.addr <= i.dram < w.addr + w.nbytes
        )

    assert moved(Load) == w.nbytes
    assert moved(Store) == w.nbytes
    graph = graph_passes(graph, compute_dtype=chip.input_dtype, train=train)
    units, plan = lower_units(graph, chip)
    kept = {graph.nodes[i].name for _, _, i in reserve.host_kept(graph, chip, units, plan)[0]}
    assert "dense3.w" in kept


def test_the_learning_rate_is_loaded_once_for_every_update():
    # six updates (three weights, three biases) read lr: one broadcast load into a reserved
    # accumulator row, which every update reads in place; the values are those of the
    # program with every value going through DRAM
    chip = ChipConfig.from_toml("edge")
    train = TrainSpec(loss="ce", optimizer=Momentum(momentum=0.9), lr=0.1)
    graph = zoo.mlp(batch=32)
    program = compile_lowered(graph, chip, train=train).program
    lr = program.of_role(TensorRole.LEARNING_RATE)[0]
    loads = [i for i in program.instrs if isinstance(i, Load) and i.dram == lr.addr]
    assert len(loads) == 1 and loads[0].stride == 0
    row = loads[0].dst
    readers = {
        tag.layer
        for i, tag in zip(program.instrs, program.tags, strict=True)
        if isinstance(i, Vec) and i.bcast2 and i.src2 == row
    }
    assert len(readers) == 6 and all(name.endswith(".update") for name in readers)
    # the row may have held values released before the load; nothing overwrites it after
    at = next(k for k, i in enumerate(program.instrs) if i is loads[0])
    later = program.instrs[at + 1 :]
    assert not [i for i in later if isinstance(i, (Vec, Load, Move)) and i.dst == row]
    graph = graph_passes(graph, compute_dtype=chip.input_dtype, train=train)
    units, plan = lower_units(graph, chip)
    assert [n for *_, n in reserve.kept_scalars(graph, units, plan)] == [lr_node(graph)]


def lr_node(graph) -> int:
    return next(n.id for n in graph.nodes if n.name == "lr")


def test_updates_load_optimizer_state_into_the_reserved_rows_above_the_layers():
    # the momentum loads of the last update (the first layer's, when the reserve has room)
    # go to the residency plan's rows, in the other accumulator bank than the gradient GEMM's
    # outputs, so they do not hold the write port of the bank the array is writing
    chip = ChipConfig.from_toml("edge")
    train = TrainSpec(loss="ce", optimizer=Momentum(momentum=0.9), lr=0.1)
    graph = zoo.mlp(batch=32)
    program = compile_lowered(graph, chip, train=train).program
    graph = graph_passes(graph, compute_dtype=chip.input_dtype, train=train)
    units, plan = lower_units(graph, chip)
    base = chip.acc_rows - 1 - reserve.residency_reserve(graph, chip, units, plan)[1]
    bank_rows = chip.acc_rows // chip.acc_banks
    state = [
        max(
            (t for t in program.of_role(TensorRole.OPTIMIZER_STATE) if t.dtype is DType.FP32),
            key=lambda t: t.nbytes,
        )
    ]
    at = [
        k
        for k, i in enumerate(program.instrs)
        if isinstance(i, Load) and any(t.addr <= i.dram < t.addr + t.nbytes for t in state)
    ]
    loads = [program.instrs[k] for k in at]
    assert loads and all(i.dst.row >= base for i in loads)
    # the matmuls among them (the gradient's GEMM) write the other bank
    between = program.instrs[at[0] : at[-1]]
    outs = {i.out // bank_rows for i in between if isinstance(i, Matmul)}
    assert outs and all(i.dst.row // bank_rows not in outs for i in loads)


def test_extent_index_finds_what_a_scan_finds():
    """The residency plan's index of DRAM extents returns exactly the overlapping items, in
    order of sequence number, however extents and queries straddle its buckets."""
    from compiler.lower.residency_rows import Overlaps

    rng = np.random.default_rng(0)
    index, live = Overlaps(), {}
    for seq in range(400):
        lo = int(rng.integers(0, 1 << 20))
        hi = lo + int(rng.choice([1, 64, 5000, 70000, 300000]))
        index.add(seq, lo, hi, seq)
        live[seq] = (lo, hi)
        if rng.random() < 0.4:
            gone = int(rng.choice(list(live)))
            index.remove(gone)
            del live[gone]
        first = int(rng.integers(0, 1 << 20))
        end = first + int(rng.choice([1, 100, 66000, 1 << 20]))
        expect = [s for s, (a, b) in sorted(live.items()) if a < end and first < b]
        assert index.overlapping(first, end) == expect


def test_transposed_reads_of_resident_values_are_on_chip_moves(monkeypatch):
    # A weight gradient reads its layer's input transposed (dW = X^T @ dY): the input stays on
    # chip from the forward pass, so the read is a transposed MOVE of its rows, and the value
    # is neither stored nor loaded back transposed. The step's results do not change.
    chip = ChipConfig.from_toml("edge")
    train = TrainSpec(loss="ce", optimizer=Momentum(momentum=0.9), lr=0.1)
    graph = zoo.mlp(batch=16, inputs=32, hidden=(32,), classes=16)
    rng = np.random.default_rng(2)
    feeds = {"x": rng.standard_normal((16, 32)), "labels": np.eye(16)[rng.integers(0, 16, 16)]}
    kept = compile_lowered(graph, chip, train=train)
    instrs = kept.program.instrs
    moves = [i for i in instrs if isinstance(i, Move)]
    assert moves and all(i.transpose and i.src.mem is i.dst.mem is Mem.SPAD for i in moves)
    arena = [t for n, t in kept.program.tensors.items() if n == "__scratch"]

    def transposed_arena_loads(program) -> int:
        return sum(
            1
            for i in program.instrs
            if isinstance(i, Load)
            and i.transpose
            and any(t.addr <= i.dram < t.addr + t.nbytes for t in arena)
        )

    assert transposed_arena_loads(kept.program) == 0
    monkeypatch.setattr(residency, "transposed_pieces", lambda *a: None)
    through_dram = compile_lowered(graph, chip, train=train)
    assert transposed_arena_loads(through_dram.program) > 0
    assert not any(isinstance(i, Move) for i in through_dram.program.instrs)
    a = run_on_chip(kept, feeds, machine=True)
    b = run_on_chip(through_dram, feeds, machine=True)
    assert a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)
