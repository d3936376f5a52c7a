"""Text assembly and disassembly, derived from the ISA's field table.

One instruction per line: the mnemonic, then ``field=value`` for every field except the
dependency flags, then ``+flag`` for each dependency flag that is set::

    load dram=0x1000 dst=sp:0 rows=4 cols=4 stride=16 transpose=0 +push_next
    vec op=ADD dst=acc:0 src1=acc:0 src2=sp:8 rows=4 cols=4 bcast1=0 bcast2=1 imm=0.0

A whole program adds directives: ``.chip NAME`` (a preset name; or an inline ``.chip {json}``
that `disassemble` writes for non-preset chips), ``.tensor NAME addr=.. shape=AxB dtype=..
kind=.. role=..`` (without ``role``, the kind's plain role) and ``.tag LAYER PHASE`` (applies
to the instructions that follow). ``;`` starts a comment.
Initial DRAM contents are not part of the text.
"""

from __future__ import annotations

import json
import math

from chip.config import ChipConfig, preset_names
from chip.dtypes import DType
from chip.isa import (
    BY_MNEMONIC,
    DEP_FIELDS,
    DecodeError,
    FieldKind,
    Instr,
    Loc,
    NanBits,
    VecOp,
    encoded_fields,
)
from chip.program import Phase, Program, Tag, TensorInfo, TensorKind, TensorRole


def format_instr(ins: Instr) -> str:
    parts = [ins.MNEMONIC]
    flags = []
    for f in encoded_fields(type(ins)):
        v = getattr(ins, f.name)
        if f.name in DEP_FIELDS:
            if v:
                flags.append(f"+{f.name}")
            continue
        parts.append(f"{f.name}={_format_value(f.metadata['kind'], f.name, v)}")
    return " ".join(parts + flags)


def _format_value(kind: FieldKind, name: str, v: object) -> str:
    if kind is FieldKind.BOOL:
        return str(int(v))  # type: ignore[call-overload]
    if kind is FieldKind.VECOP:
        return v.name  # type: ignore[attr-defined]
    if kind is FieldKind.F32:
        # a NaN prints its float32 bits (nan:0x7fc00000) so that asm gives back the same word
        return repr(v) if isinstance(v, NanBits) else repr(float(v))  # type: ignore[arg-type]
    if name == "dram":
        return f"0x{v:x}"
    return str(v)


def parse_instr(line: str) -> Instr:
    """Parse one instruction line (no directives, no comment); `DecodeError` says what is wrong."""
    words = line.split()
    if not words:
        raise DecodeError("empty instruction")
    cls = BY_MNEMONIC.get(words[0].lower())
    if cls is None:
        raise DecodeError(
            f"unknown mnemonic {words[0]!r}; expected one of {', '.join(BY_MNEMONIC)}"
        )
    fields = {f.name: f for f in encoded_fields(cls)}
    values: dict[str, object] = {}
    for w in words[1:]:
        if w.startswith("+"):
            name = w[1:]
            if name not in DEP_FIELDS:
                raise DecodeError(
                    f"unknown dependency flag {w!r}; expected +{', +'.join(DEP_FIELDS)}"
                )
            values[name] = True
            continue
        name, sep, text = w.partition("=")
        if not sep or name not in fields or name in DEP_FIELDS:
            raise DecodeError(
                f"{cls.MNEMONIC}: unexpected {w!r}; fields are "
                f"{', '.join(n for n in fields if n not in DEP_FIELDS)}"
            )
        values[name] = _parse_value(fields[name].metadata["kind"], cls.MNEMONIC, name, text)
    missing = [n for n in fields if n not in values and n not in DEP_FIELDS]
    if missing:
        raise DecodeError(f"{cls.MNEMONIC}: missing field(s) {', '.join(missing)}")
    try:
        return cls(**values)  # type: ignore[arg-type]
    except ValueError as e:
        raise DecodeError(str(e)) from None


def _parse_value(kind: FieldKind, mnemonic: str, name: str, text: str) -> object:
    try:
        if kind is FieldKind.LOC:
            return Loc.parse(text)
        if kind is FieldKind.VECOP:
            return VecOp[text.upper()]
        if kind is FieldKind.F32:
            return _parse_f32(text)
        value = int(text, 0)
        if kind is FieldKind.BOOL and value not in (0, 1):
            raise ValueError
        return bool(value) if kind is FieldKind.BOOL else value
    except (KeyError, ValueError, DecodeError):
        raise DecodeError(
            f"{mnemonic}.{name}: bad value {text!r}; expected {_EXPECTED[kind]}"
        ) from None


def _parse_f32(text: str) -> float:
    """A float32 immediate: a decimal number, ``inf``/``-inf``, ``nan`` or ``nan:0xBITS``."""
    if text.lower().startswith("nan:"):
        return NanBits(int(text[4:], 16))
    value = float(text)
    if math.isinf(value) and "inf" not in text.lower():
        raise ValueError(f"{text} is beyond float32's range")
    return value


# what `_parse_value` accepts for each field kind, for its error message
_EXPECTED = {
    FieldKind.UINT: "an integer",
    FieldKind.BOOL: "0 or 1",
    FieldKind.LOC: "an on-chip row like sp:12 or acc:3",
    FieldKind.F32: "a float32 number, inf, nan or nan:0xBITS",
    FieldKind.VECOP: "a vector function name",
}


def disassemble(program: Program) -> str:
    """The program as assembly text that `assemble` reads back (initial contents aside)."""
    cfg = program.config
    chip = (
        cfg.name
        if cfg.name in preset_names() and ChipConfig.from_toml(cfg.name) == cfg
        else json.dumps(cfg.to_dict(), separators=(",", ":"))
    )
    lines = [f".chip {chip}"]
    for t in program.tensors.values():
        shape = "x".join(str(s) for s in t.shape)
        lines.append(
            f".tensor {t.name} addr=0x{t.addr:x} shape={shape} dtype={t.dtype.value} "
            f"kind={t.kind.value} role={t.role.value}"
        )
    current = None
    for i, (ins, tag) in enumerate(zip(program.instrs, program.tags, strict=True)):
        if tag != current:
            lines.append(f".tag {tag.layer} {tag.phase.value}")
            current = tag
        lines.append(f"{format_instr(ins):<100} ; {i}")
    return "\n".join(lines) + "\n"


def assemble(text: str, config: ChipConfig | None = None) -> Program:
    """Assemble program text; errors name the line. ``config`` overrides a ``.chip`` line."""
    instrs: list[Instr] = []
    tags: list[Tag] = []
    tensors: dict[str, TensorInfo] = {}
    tag = Tag("main", Phase.FORWARD)
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split(";", 1)[0].strip()
        if not line:
            continue
        try:
            if line.startswith(".chip"):
                arg = line[len(".chip") :].strip()
                chip = _parse_chip(arg)
                config = config or chip
            elif line.startswith(".tensor"):
                t = _parse_tensor(line)
                if t.name in tensors:
                    raise DecodeError(f"tensor {t.name!r} is declared twice")
                tensors[t.name] = t
            elif line.startswith(".tag"):
                parts = line.split()
                if len(parts) != 3:
                    raise DecodeError("expected .tag LAYER PHASE")
                tag = Tag(parts[1], Phase(parts[2]))
            elif line.startswith("."):
                raise DecodeError(f"unknown directive {line.split()[0]!r}")
            else:
                instrs.append(parse_instr(line))
                tags.append(tag)
        except ValueError as e:
            raise DecodeError(f"line {number}: {e}") from None
    if config is None:
        raise DecodeError("no .chip directive and no chip given")
    try:
        return Program(config, tuple(instrs), tuple(tags), tensors)
    except ValueError as e:
        raise DecodeError(str(e)) from None


def _parse_tensor(line: str) -> TensorInfo:
    words = line.split()
    if len(words) < 2:
        raise DecodeError("expected .tensor NAME addr=.. shape=.. dtype=.. kind=.. [role=..]")
    kv = dict(w.partition("=")[::2] for w in words[2:])
    missing = [k for k in ("addr", "shape", "dtype", "kind") if k not in kv]
    if missing:
        raise DecodeError(f".tensor {words[1]}: missing {', '.join(missing)}")
    shape = tuple(int(s) for s in kv["shape"].split("x")) if kv["shape"] else ()
    if any(s < 1 for s in shape):
        raise DecodeError(f".tensor {words[1]}: shape {kv['shape']} must list positive sizes")
    role = TensorRole(kv["role"]) if "role" in kv else None
    return TensorInfo(
        words[1], int(kv["addr"], 0), shape, DType.parse(kv["dtype"]), TensorKind(kv["kind"]), role
    )


def _parse_chip(arg: str) -> ChipConfig:
    """The chip of a ``.chip`` line: a preset name, or an inline JSON object."""
    if not arg.startswith("{"):
        return ChipConfig.from_toml(arg)
    try:
        data = json.loads(arg)
    except RecursionError:
        raise DecodeError(".chip: the JSON is nested too deeply") from None
    return ChipConfig.from_dict(data, where=".chip")
