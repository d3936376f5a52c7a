"""The token derivation's loop: given the hazards of a program in program order (the latest
conflicting instruction of each other queue, chip/machine/hazard_kernel.py), the dependency
flags that order each, with the relays a load/store hazard needs.

The rules are the compiler's (compiler/lower/emit.py says why): four FIFO channels between
adjacent queues (load -> execute -> store and back), an instruction that must start after
instruction ``a`` of another queue pops a token ``a`` pushes, unless what it already knows
complete covers ``a``; a hazard between the load and store queues is relayed by an execute
instruction (the latest one if it follows the producer, otherwise a relay inserted before
the instruction). The loop is sequential and per instruction, so it runs in numba: in Python
it cost a third of a ResNet-18 training step's compile.
"""

from __future__ import annotations

import numba
import numpy as np

L, E, S = 0, 1, 2  # queue indices, as chip.footprint.QUEUES numbers them
OTHER, PRELOAD, MATMUL = 0, 1, 2  # what `_completes_prefix` needs to know of an instruction
POP_PREV, POP_NEXT, PUSH_PREV, PUSH_NEXT = 1, 2, 4, 8  # dependency flag bits


@numba.njit(cache=True)
def _append(count, q, fq, fkind, kind, prev_exec, know, last_in_queue) -> int:
    """Append an instruction of queue ``q`` and kind ``kind`` at index ``count``."""
    fq[count] = q
    fkind[count] = kind
    prev_exec[count] = last_in_queue[E]
    prev = last_in_queue[q]
    for y in range(3):
        know[count, y] = know[prev, y] if prev >= 0 else -1
    last_in_queue[q] = count
    return count


@numba.njit(cache=True)
def _completes_prefix(a, count, fq, fkind, prev_exec, double_buffer) -> int:
    """An execute instruction whose end proves ``a`` and every earlier one ended: with
    double-buffered stationary tiles, a PRELOAD right after a MATMUL may end before it, and
    the MATMUL that consumes the preload (emitted right after it) proves both."""
    if not double_buffer or fkind[a] != PRELOAD:
        return a
    prev = prev_exec[a]
    if prev < 0 or fkind[prev] != MATMUL:
        return a
    nxt = a + 1
    while nxt < count and fq[nxt] != E:
        nxt += 1
    if nxt >= count:
        raise AssertionError("a preload has no following execute instruction yet")
    return nxt


@numba.njit(cache=True)
def _ensure(b, q, x, a, count, fq, fkind, prev_exec, know, flags, last_push, double_buffer):
    """Make instruction ``b`` (queue ``q``, the latest of its queue) start after ``a`` (queue
    ``x``)."""
    if x == E:
        a = _completes_prefix(a, count, fq, fkind, prev_exec, double_buffer)
    if know[b, x] < a:
        if x < q:
            pop, push = POP_PREV, PUSH_NEXT
        else:
            pop, push = POP_NEXT, PUSH_PREV
        if flags[b] & pop:
            # b already pops this channel; its partner is the channel's latest push, earlier
            # than a in queue x: move that push to a (b then waits for the later one)
            flags[last_push[x, q]] &= ~push
        flags[a] |= push
        flags[b] |= pop
        last_push[x, q] = a
        know[b, x] = a
    # whatever a waited for (e.g. a relay it performs) is complete too
    for y in range(3):
        if know[a, y] > know[b, y]:
            know[b, y] = know[a, y]


@numba.njit(cache=True)
def derive_tokens(queue, need, kind, double_buffer):
    """The program with its tokens: ``source[j]`` is the instruction at index ``j`` (``i``
    for instruction ``i`` of the input, ``-1 - i`` for a relay inserted before it) and
    ``flags[j]`` its dependency flag bits, for ``j`` below the returned count. ``queue[i]``
    is instruction ``i``'s queue, ``need[i, x]`` the latest earlier instruction of queue
    ``x`` it must start after (-1: none), ``kind[i]`` `PRELOAD`, `MATMUL` or `OTHER`."""
    n = queue.shape[0]
    cap = 2 * n + 1
    fq = np.empty(cap, dtype=np.int64)
    fkind = np.empty(cap, dtype=np.int64)
    flags = np.zeros(cap, dtype=np.int64)
    prev_exec = np.empty(cap, dtype=np.int64)
    know = np.empty((cap, 3), dtype=np.int64)  # per queue, the latest known complete
    source = np.empty(cap, dtype=np.int64)
    index_of = np.empty(n, dtype=np.int64)
    last_in_queue = np.full(3, -1, dtype=np.int64)
    last_push = np.full((3, 3), -1, dtype=np.int64)
    nd = np.empty(3, dtype=np.int64)
    count = 0
    for i in range(n):
        q = queue[i]
        for x in range(3):
            nd[x] = index_of[need[i, x]] if need[i, x] >= 0 else -1
        far = S if q == L else L if q == S else -1
        if far >= 0 and nd[far] >= 0:
            last = last_in_queue[q]
            known = know[last, far] if last >= 0 else -1
            if known < nd[far]:
                # relayed by the execute queue: one that starts after the latest of ``far``
                # (so it covers the next few instructions' hazards too)
                a = max(nd[far], last_in_queue[far])
                e = last_in_queue[E]
                if e < a:
                    e = _append(count, E, fq, fkind, OTHER, prev_exec, know, last_in_queue)
                    source[e] = -1 - i
                    count += 1
                _ensure(
                    e, E, far, a, count, fq, fkind, prev_exec, know, flags, last_push,
                    double_buffer,
                )  # fmt: skip
                nd[E] = max(nd[E], e)
        index = _append(count, q, fq, fkind, kind[i], prev_exec, know, last_in_queue)
        source[index] = i
        count += 1
        index_of[i] = index
        for x in range(3):
            if x != q and x != far and nd[x] >= 0:
                _ensure(
                    index, q, x, nd[x], count, fq, fkind, prev_exec, know, flags, last_push,
                    double_buffer,
                )  # fmt: skip
        if far >= 0 and know[index, far] < nd[far]:
            raise AssertionError("a relay did not order the load and store queues")
    return source[:count], flags[:count]


def warm_up() -> None:
    """Compile (or load from the disk cache) `derive_tokens` for the arrays the compiler
    passes: int64 vectors and an (n, 3) int64 matrix."""
    one = np.zeros(1, dtype=np.int64)
    derive_tokens(one, np.full((1, 3), -1, dtype=np.int64), one, True)
    derive_tokens(one, np.full((1, 3), -1, dtype=np.int64), one, False)
