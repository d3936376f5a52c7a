"""A hand-written training step (softmax regression with SGD) for testing the runtime on its own.

Written directly in instructions, independent of the compiler, so the training loop,
checkpoints, reports and the CLI can be tested against a real learning program. One step:
logits = x @ W; loss = softmax cross-entropy against one-hot labels; G = (softmax - labels) / B;
dW = x^T @ G; W -= lr * dW. Needs a weight-stationary fp32 chip with batch <= rows and
classes <= cols. Dependency tokens order the DRAM round trip of G (store, then load into the
scratchpad) and the final store of W, so the program is correct on the decoupled machine too.
"""

from __future__ import annotations

import numpy as np

from chip.config import ChipConfig, Dataflow
from chip.dtypes import DType
from chip.isa import Halt, Instr, Load, Matmul, Preload, Store, Vec, VecOp, acc, sp
from chip.program import Phase, Program, Tag, TensorInfo, TensorKind, TensorRole

FORWARD = Tag("dense", Phase.FORWARD)
LOSS = Tag("loss", Phase.FORWARD)
BACKWARD = Tag("dense", Phase.BACKWARD)
OPTIMIZER = Tag("dense", Phase.OPTIMIZER)


def regression_chip(name: str = "edge") -> ChipConfig:
    """An fp32 weight-stationary variant of a preset (what these programs need)."""
    return ChipConfig.from_toml(name).replace(input_dtype=DType.FP32, dataflow=Dataflow.WS)


def _layout(
    specs: list[tuple[str, tuple[int, ...], TensorKind, TensorRole | None]],
) -> dict[str, TensorInfo]:
    tensors, addr = {}, 0
    for name, shape, kind, role in specs:
        tensors[name] = TensorInfo(name, addr, shape, DType.FP32, kind, role)
        addr += -(-tensors[name].nbytes // 64) * 64
    return tensors


def _vec(
    op: VecOp, dst, src1, src2=None, *, rows: int, cols: int, imm: float = 0.0, bcast2: bool = False
) -> Vec:
    return Vec(
        op=op,
        dst=dst,
        src1=src1,
        src2=src2 or acc(0),
        rows=rows,
        cols=cols,
        bcast1=False,
        bcast2=bcast2,
        imm=imm,
    )


def softmax_regression(
    cfg: ChipConfig,
    batch: int,
    features: int,
    classes: int,
    w0: np.ndarray,
    train: bool = True,
    labels: str = "labels",
) -> Program:
    """The training step (``train``) or the forward pass alone, with initial weights ``w0``;
    ``labels`` names the tensor with role LABEL."""
    assert cfg.dataflow is Dataflow.WS and cfg.input_dtype is DType.FP32
    assert batch <= cfg.rows and classes <= cfg.cols and features <= cfg.row_elems * 64
    B, K, N, R = batch, features, classes, cfg.rows
    specs = [
        ("x", (B, K), TensorKind.INPUT, None),
        ("W", (K, N), TensorKind.PARAM, None),
        ("logits", (B, N), TensorKind.OUTPUT, None),
    ]
    if train:
        specs += [
            (labels, (B, N), TensorKind.INPUT, TensorRole.LABEL),
            ("lr", (1,), TensorKind.INPUT, TensorRole.LEARNING_RATE),
            ("loss", (1,), TensorKind.OUTPUT, TensorRole.LOSS),
            ("G", (B, N), TensorKind.SCRATCH, None),
        ]
    T = _layout(specs)
    ktiles = [(k0, min(R, K - k0)) for k0 in range(0, K, R)]
    # scratchpad rows
    XA, WA = 0, len(ktiles) * B
    XT = WA + len(ktiles) * R
    GA = XT + K
    # accumulator rows
    L, Y, M, P, S, Z, LS, YL = (i * B for i in range(8))
    LOSSR, LR, LRB = 8 * B, 8 * B + 1, 8 * B + 2
    DW = 9 * B
    WM = DW + K

    loads: list[Instr] = []
    for i, (k0, kk) in enumerate(ktiles):
        loads.append(
            Load(
                dram=T["W"].addr + k0 * N * 4,
                dst=sp(WA + i * R),
                rows=kk,
                cols=N,
                stride=N * 4,
                transpose=False,
            )
        )
        loads.append(
            Load(
                dram=T["x"].addr + k0 * 4,
                dst=sp(XA + i * B),
                rows=B,
                cols=kk,
                stride=K * 4,
                transpose=False,
            )
        )
    forward: list[Instr] = []
    for i, (_, kk) in enumerate(ktiles):
        forward.append(Preload(src=WA + i * R, rows=kk, cols=N))
        forward.append(Matmul(x=XA + i * B, y=0, out=L, t=B, rows=kk, cols=N, accumulate=i > 0))
    if not train:
        loads[-1] = loads[-1].with_deps(push_next=True)
        forward[0] = forward[0].with_deps(pop_prev=True)
        forward[-1] = forward[-1].with_deps(push_next=True)
        store = Store(
            dram=T["logits"].addr,
            src=acc(L),
            rows=B,
            cols=N,
            stride=N * 4,
            transpose=False,
            pop_prev=True,
        )
        instrs = loads + forward + [store, Halt()]
        tags = [FORWARD] * len(instrs)
        return Program(cfg, tuple(instrs), tuple(tags), T, {"W": w0.astype(np.float32)})

    loads += [
        Load(dram=T[labels].addr, dst=acc(Y), rows=B, cols=N, stride=N * 4, transpose=False),
        Load(dram=T["x"].addr, dst=sp(XT), rows=K, cols=B, stride=K * 4, transpose=True),
        Load(dram=T["W"].addr, dst=acc(WM), rows=K, cols=N, stride=N * 4, transpose=False),
        # stride 0, transposed: every element of the row reads the one learning rate.
        Load(
            dram=T["lr"].addr, dst=acc(LR), rows=1, cols=N, stride=0, transpose=True, push_next=True
        ),
    ]
    forward[0] = forward[0].with_deps(pop_prev=True)
    v = _vec
    loss = [
        v(VecOp.RMAX, acc(M), acc(L), rows=B, cols=N),
        v(VecOp.SUB, acc(Z), acc(L), acc(M), rows=B, cols=N),
        v(VecOp.EXP, acc(P), acc(Z), rows=B, cols=N),
        v(VecOp.RSUM, acc(S), acc(P), rows=B, cols=N),
        v(VecOp.LOG, acc(LS), acc(S), rows=B, cols=N),
        v(VecOp.SUB, acc(Z), acc(Z), acc(LS), rows=B, cols=N),  # log-softmax
        v(VecOp.MUL, acc(YL), acc(Y), acc(Z), rows=B, cols=N),
        v(VecOp.RSUM, acc(YL), acc(YL), rows=B, cols=N),
        v(VecOp.CSUM, acc(LOSSR), acc(YL), rows=B, cols=1),
        v(VecOp.MULI, acc(LOSSR), acc(LOSSR), rows=1, cols=1, imm=-1.0 / B),
        v(VecOp.RECIP, acc(S), acc(S), rows=B, cols=N),
        v(VecOp.MUL, acc(P), acc(P), acc(S), rows=B, cols=N),  # softmax
        v(VecOp.SUB, acc(P), acc(P), acc(Y), rows=B, cols=N),
        v(VecOp.MULI, acc(P), acc(P), rows=B, cols=N, imm=1.0 / B).with_deps(push_next=True),
    ]
    stores1 = [
        Store(
            dram=T["loss"].addr,
            src=acc(LOSSR),
            rows=1,
            cols=1,
            stride=4,
            transpose=False,
            pop_prev=True,
        ),
        Store(dram=T["logits"].addr, src=acc(L), rows=B, cols=N, stride=N * 4, transpose=False),
        Store(
            dram=T["G"].addr,
            src=acc(P),
            rows=B,
            cols=N,
            stride=N * 4,
            transpose=False,
            push_prev=True,
        ),
    ]
    # Execute waits for G to reach DRAM, then lets the load queue fetch it into the scratchpad.
    handoff = [
        v(VecOp.COPY, acc(LRB), acc(LR), rows=1, cols=N).with_deps(pop_next=True, push_prev=True)
    ]
    loads2 = [
        Load(
            dram=T["G"].addr,
            dst=sp(GA),
            rows=B,
            cols=N,
            stride=N * 4,
            transpose=False,
            pop_next=True,
            push_next=True,
        )
    ]
    backward = [
        Preload(src=GA, rows=B, cols=N, pop_prev=True),
        Matmul(x=XT, y=0, out=DW, t=K, rows=B, cols=N, accumulate=False),
    ]
    optimizer = [
        v(VecOp.MUL, acc(DW), acc(DW), acc(LRB), rows=K, cols=N, bcast2=True),
        v(VecOp.SUB, acc(WM), acc(WM), acc(DW), rows=K, cols=N).with_deps(push_next=True),
    ]
    stores2 = [
        Store(
            dram=T["W"].addr,
            src=acc(WM),
            rows=K,
            cols=N,
            stride=N * 4,
            transpose=False,
            pop_prev=True,
        ),
        Halt(),
    ]
    groups = [
        (loads, FORWARD),
        (forward, FORWARD),
        (loss, LOSS),
        (stores1, LOSS),
        (handoff, OPTIMIZER),
        (loads2, BACKWARD),
        (backward, BACKWARD),
        (optimizer, OPTIMIZER),
        (stores2, OPTIMIZER),
    ]
    instrs = [ins for g, _ in groups for ins in g]
    tags = [tag for g, tag in groups for _ in g]
    return Program(cfg, tuple(instrs), tuple(tags), T, {"W": w0.astype(np.float32)})


def reference_step(w: np.ndarray, x: np.ndarray, onehot: np.ndarray, lr: float):
    """The same step in float64 NumPy: (new W, loss)."""
    z = x @ w
    z = z - z.max(axis=1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    loss = -(onehot * logp).sum() / len(x)
    g = (np.exp(logp) - onehot) / len(x)
    return w - lr * (x.T @ g), loss
