"""A softmax cross-entropy loss and its gradient lowered as one unit.

A training step computes SOFTMAX_CE(z, t) in the forward and SOFTMAX_CE_GRAD(z, t) right after
it, from the same logits and labels. Lowered apart, the gradient loads both again (the labels
from DRAM, paying the DRAM latency on the step's critical path) and recomputes the row maximum,
the shifted logits, their exponentials and the row sums the loss has just computed. Lowered
together (`pair_losses` makes the unit, `lower_loss_pair` emits it), each is computed once and
read by both. Every output is computed by the same vector operations on the same values in
the same order as apart (compiler/lower/vector.py, `lower_softmax_ce`), so both are bit for bit
what the separate lowerings give; where the extra row buffers would shrink the row blocks
(which would change the loss's summation order), the two are lowered apart, one after the other.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from chip.isa import VecOp
from compiler.ir import Node, Op
from compiler.lower.context import Ctx, View
from compiler.lower.memory import Buf
from compiler.lower.vector import (
    Frames,
    _row_stat,
    ce_rows_into_total,
    frame_rows,
    lower_softmax_ce,
)


@dataclass(frozen=True)
class LossPair:
    """A lowering unit: a SOFTMAX_CE node and the SOFTMAX_CE_GRAD node of the same inputs
    that the unit order puts right after it."""

    loss: Node
    grad: Node

    @property
    def members(self) -> tuple[Node, Node]:
        return (self.loss, self.grad)


def pair_losses(units: list) -> list:
    """``units`` with each SOFTMAX_CE node that is directly followed by a SOFTMAX_CE_GRAD of
    the same (logits, labels) merged with it into one `LossPair`."""
    out: list = []
    for unit in units:
        prev = out[-1] if out else None
        if (
            isinstance(unit, Node)
            and unit.op is Op.SOFTMAX_CE_GRAD
            and isinstance(prev, Node)
            and prev.op is Op.SOFTMAX_CE
            and prev.inputs == unit.inputs
        ):
            out[-1] = LossPair(prev, unit)
        else:
            out.append(unit)
    return out


def lower_loss_pair(ctx: Ctx, pair: LossPair, bufs: dict[int, Buf], dead: set[int]) -> None:
    """Emit the loss and its gradient (see the module docstring); the gradient's own
    instructions are tagged as its node's. ``dead``: the values no later unit reads; the
    residency plan may give the logits' rows to the gradient once the last block is loaded."""
    loss, grad = pair.loss, pair.grad
    x, t = (bufs[i] for i in loss.inputs)
    out, gout = bufs[loss.id], bufs[grad.id]
    batch, classes = x.shape
    w = ctx.config.row_elems
    nch = math.ceil(classes / w)
    mem = ctx.mem_for(out.dtype)
    alone = {f"x{j}": ctx.mem_for(x.dtype) for j in range(nch)}
    alone.update({f"t{j}": ctx.mem_for(t.dtype) for j in range(nch)})
    alone.update(m=mem, z=mem, u=mem, v=mem)
    both = dict(alone, **{f"e{j}": mem for j in range(nch)}, g=mem, lz=mem)
    if ctx.mem_for(gout.dtype) is not mem or frame_rows(ctx, both, batch) != frame_rows(
        ctx, alone, batch
    ):
        lower_softmax_ce(ctx, loss, [x, t], out)
        ctx.begin_layer()
        ctx.tag_node(grad.id)
        lower_softmax_ce(ctx, grad, [x, t], gout)
        ctx.tag_node(None)
        return
    # The labels come from DRAM: at the high end their load need not wait for the vector ops
    # still reading the low rows the previous unit (the logits' GEMM) wrote.
    frames = Frames(ctx, both, batch, frozenset(f"t{j}" for j in range(nch)))
    total = ctx.alloc(mem, 1, "loss total")
    xv, tv, gv = View.matrix(x), View.matrix(t), View.matrix(gout)
    for r0 in range(0, batch, frames.rb):
        rr = min(frames.rb, batch - r0)
        f = frames.next()
        chunks, exps = [], []
        for j in range(nch):
            cc = min(w, classes - j * w)
            ctx.load(xv.block(r0, rr, j * w, cc), f[f"x{j}"])
            ctx.load(tv.block(r0, rr, j * w, cc), f[f"t{j}"])
            chunks.append((f[f"x{j}"], cc))
            exps.append((f[f"e{j}"], cc))
        if r0 + rr == batch and ctx.residency is not None:
            ctx.residency.release(dead & {loss.inputs[0]})
        m, z, u, lz = f["m"], f["z"], f["u"], f["lz"]
        _row_stat(ctx, VecOp.RMAX, VecOp.MAX, chunks, rr, m, u)
        for loc, cc in chunks:  # s = x - max (in place)
            ctx.vec(VecOp.SUB, loc, rr, cc, loc, m)
        for (loc, cc), (e, _) in zip(chunks, exps, strict=True):  # e = exp(s)
            ctx.vec(VecOp.EXP, e, rr, cc, loc)
        # the row sums of e, in column 0 the loss's sum (added chunk by chunk in order)
        _row_stat(ctx, VecOp.RSUM, VecOp.ADD, exps, rr, z, u)
        ctx.vec(VecOp.LOG, lz, rr, 1, z)
        ctx.tag_node(grad.id)  # (softmax - t) / B
        ctx.vec(VecOp.RECIP, z, rr, exps[0][1], z)
        for j, (e, cc) in enumerate(exps):
            ctx.vec(VecOp.MUL, e, rr, cc, e, z)
            ctx.vec(VecOp.SUB, e, rr, cc, e, f[f"t{j}"])
            ctx.vec(VecOp.MULI, f["g"], rr, cc, e, imm=1.0 / batch)
            ctx.store(f["g"], gv.block(r0, rr, j * w, cc))
        ctx.tag_node(None)
        ce_rows_into_total(ctx, f, chunks, rr, lz, total, first=r0 == 0)
    ctx.vec(VecOp.MULI, total, 1, 1, total, imm=-1.0 / batch)
    ctx.store(total, View(out.addr, out.dtype, 1, 1, 1))
