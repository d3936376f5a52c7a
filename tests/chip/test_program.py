import json
import zipfile

import numpy as np
import pytest

from chip.asm import assemble, disassemble
from chip.config import ChipConfig
from chip.dtypes import DType
from chip.errors import ProgramFormatError
from chip.functional import run_functional
from chip.isa import DecodeError, Halt
from chip.isadoc import render
from chip.program import (
    ROLELESS_VERSION,
    LayerInfo,
    Phase,
    Program,
    Tag,
    TensorInfo,
    TensorKind,
    TensorRole,
)
from tests.programs import gemm_program

ROOT = __import__("pathlib").Path(__file__).resolve().parents[2]


def gemm(cfg_name="tiny"):
    cfg = ChipConfig.from_toml(cfg_name)
    rng = np.random.default_rng(0)
    a = rng.integers(-5, 5, (6, 7)).astype(np.int8)
    b = rng.integers(-5, 5, (7, 5)).astype(np.int8)
    return gemm_program(cfg, a, b), a, b


def test_save_load_round_trip(tmp_path):
    prog, a, b = gemm()
    path = tmp_path / "g.prog"
    prog.save(path)
    back = Program.load(path)
    assert back.instrs == prog.instrs and back.tags == prog.tags
    assert back.config == prog.config and dict(back.tensors) == dict(prog.tensors)
    got = run_functional(back).state.read_tensor(back.tensor("C"))
    np.testing.assert_array_equal(got, a.astype(np.int32) @ b.astype(np.int32))


def test_disassemble_assemble_round_trip():
    prog, _, _ = gemm()
    text = disassemble(prog)
    assert text.startswith(".chip tiny\n")
    back = assemble(text)
    assert back.instrs == prog.instrs and back.tags == prog.tags
    assert dict(back.tensors) == dict(prog.tensors)
    custom = prog.config.replace(name="custom", dram_latency=7)
    prog2 = Program(custom, prog.instrs, prog.tags, prog.tensors)
    assert assemble(disassemble(prog2)).config == custom


def test_corrupt_program_files(tmp_path):
    bad = tmp_path / "bad.prog"
    bad.write_bytes(b"not a zip")
    with pytest.raises(ProgramFormatError, match="not a readable program file"):
        Program.load(bad)
    with pytest.raises(ProgramFormatError, match="does not exist"):
        Program.load(tmp_path / "missing.prog")
    prog, _, _ = gemm()
    good = tmp_path / "good.prog"
    prog.save(good)
    with zipfile.ZipFile(good) as z, zipfile.ZipFile(bad, "w") as out:
        for item in z.namelist():
            data = z.read(item)
            if item == "instructions.bin":
                data = data[:16] + (9).to_bytes(16, "little") + data[32:]
            out.writestr(item, data)
    with pytest.raises(ProgramFormatError, match="instruction 1: unknown opcode 9"):
        Program.load(bad)
    with zipfile.ZipFile(bad, "w") as out:
        out.writestr("manifest.json", "{}")
    with pytest.raises(ProgramFormatError, match="missing instructions.bin"):
        Program.load(bad)
    with zipfile.ZipFile(good) as z, zipfile.ZipFile(bad, "w") as out:
        for item in z.namelist():
            data = z.read(item)
            if item == "manifest.json":
                manifest = json.loads(data)
                del manifest["tags"]
                data = json.dumps(manifest)
            out.writestr(item, data)
    # the message used to be the bare key: "bad.prog: 'tags'"
    with pytest.raises(ProgramFormatError, match="the manifest has no field 'tags'"):
        Program.load(bad)
    with zipfile.ZipFile(good) as z, zipfile.ZipFile(bad, "w") as out:
        for item in z.namelist():
            data = z.read(item)
            if item == "manifest.json":  # a file of the encoding before accf existed
                data = json.dumps({**json.loads(data), "version": 1})
            out.writestr(item, data)
    with pytest.raises(ProgramFormatError, match="unsupported format version 1 .*recompile"):
        Program.load(bad)


def _rewrite_manifest(src, dst, change):
    with zipfile.ZipFile(src) as z, zipfile.ZipFile(dst, "w") as out:
        for item in z.namelist():
            data = z.read(item)
            if item == "manifest.json":
                data = json.dumps(change(json.loads(data)))
            out.writestr(item, data)


def _with_roles(prog, roles):
    tensors = {
        n: TensorInfo(t.name, t.addr, t.shape, t.dtype, t.kind, roles.get(n))
        for n, t in prog.tensors.items()
    }
    return Program(prog.config, prog.instrs, prog.tags, tensors, prog.init)


def test_roles_survive_save_load_and_assembly(tmp_path):
    prog, _, _ = gemm()
    prog = _with_roles(prog, {"A": TensorRole.LABEL, "C": TensorRole.LOSS})
    prog.save(tmp_path / "r.prog")
    for back in (Program.load(tmp_path / "r.prog"), assemble(disassemble(prog))):
        assert {n: t.role for n, t in back.tensors.items()} == {
            "A": TensorRole.LABEL,
            "B": TensorRole.PARAM,
            "C": TensorRole.LOSS,
        }
    with zipfile.ZipFile(tmp_path / "r.prog") as z:
        manifest = json.loads(z.read("manifest.json"))
    assert [t["role"] for t in manifest["tensors"]] == ["label", "param", "loss"]


def test_role_must_suit_the_kind():
    with pytest.raises(ValueError, match="'y' has role label but kind output; .*needs kind input"):
        TensorInfo("y", 0, (4,), DType.FP32, TensorKind.OUTPUT, TensorRole.LABEL)
    lr = TensorInfo("lr", 0, (1,), DType.FP32, TensorKind.STATE, TensorRole.LEARNING_RATE)
    assert lr.role is TensorRole.LEARNING_RATE
    assert TensorInfo("s", 0, (1,), DType.FP32, TensorKind.STATE).role is (
        TensorRole.OPTIMIZER_STATE
    )


def test_version_2_programs_load_with_plain_roles(tmp_path):
    prog, a, b = gemm()
    prog = _with_roles(prog, {"A": TensorRole.LABEL})
    prog.save(tmp_path / "new.prog")

    def as_v2(m):
        for t in m["tensors"]:
            del t["role"]
        return {**m, "version": ROLELESS_VERSION}

    _rewrite_manifest(tmp_path / "new.prog", tmp_path / "old.prog", as_v2)
    old = Program.load(tmp_path / "old.prog")
    assert {n: t.role for n, t in old.tensors.items()} == {
        "A": TensorRole.INPUT,
        "B": TensorRole.PARAM,
        "C": TensorRole.OUTPUT,
    }
    assert old.instrs == prog.instrs
    got = run_functional(old).state.read_tensor(old.tensor("C"))
    np.testing.assert_array_equal(got, a.astype(np.int32) @ b.astype(np.int32))
    _rewrite_manifest(tmp_path / "new.prog", tmp_path / "v4.prog", lambda m: {**m, "version": 4})
    with pytest.raises(
        ProgramFormatError, match="unsupported format version 4 .*reads versions 2 and 3"
    ):
        Program.load(tmp_path / "v4.prog")
    bad_role = tmp_path / "bad_role.prog"

    def unknown_role(m):
        m["tensors"][0]["role"] = "weights"
        return m

    _rewrite_manifest(tmp_path / "new.prog", bad_role, unknown_role)
    with pytest.raises(
        ProgramFormatError, match="tensor 'A' has role 'weights'; roles are input, label"
    ):
        Program.load(bad_role)


def test_assembly_errors_name_the_line():
    with pytest.raises(DecodeError, match="line 2: unknown mnemonic 'jmp'"):
        assemble(".chip tiny\njmp x=1\n")
    with pytest.raises(DecodeError, match="line 1: unknown chip 'nope'"):
        assemble(".chip nope\n")
    with pytest.raises(DecodeError, match="no .chip directive"):
        assemble("halt\n")


def test_program_invariants():
    cfg = ChipConfig.from_toml("tiny")
    t = {
        "a": TensorInfo("a", 0, (4,), DType.INT32, TensorKind.INPUT),
        "b": TensorInfo("b", 8, (4,), DType.INT32, TensorKind.INPUT),
    }
    with pytest.raises(ValueError, match="tensors 'a' and 'b' overlap"):
        Program(cfg, (Halt(),), (Tag("x", Phase.FORWARD),), t)
    with pytest.raises(ValueError, match="1 instructions but 0 tags"):
        Program(cfg, (Halt(),), (), {})
    with pytest.raises(ValueError, match="not aligned"):
        Program(cfg, (), (), {"a": TensorInfo("a", 2, (4,), DType.INT32, TensorKind.INPUT)})


def test_isa_doc_is_current():
    assert (ROOT / "docs" / "isa.md").read_text() == render()


def test_write_tensor_converts_numbers_and_stores_raw_bits_only_when_asked():
    from chip.state import ChipState

    cfg = ChipConfig.from_toml("edge")
    t = TensorInfo("w", 0, (2,), DType.BF16, TensorKind.PARAM)
    st = ChipState(cfg)
    st.write_tensor(t, np.array([3, 1], dtype=np.uint16))  # numbers, even as uint16
    np.testing.assert_array_equal(st.read_tensor(t), [3.0, 1.0])
    st.write_tensor(t, np.array([0x3F80, 0x4000], dtype=np.uint16), raw=True)
    np.testing.assert_array_equal(st.read_tensor(t), [1.0, 2.0])
    with pytest.raises(ValueError, match="raw contents of tensor 'w' must be uint16, not float32"):
        st.write_tensor(t, np.zeros(2, dtype=np.float32), raw=True)


def test_layer_table_survives_save_load_and_is_checked(tmp_path):
    prog, _, _ = gemm()
    tag = prog.tags[0]
    with_layers = Program(
        prog.config, prog.instrs, prog.tags, prog.tensors, prog.init, {tag: LayerInfo(210, 96)}
    )
    with_layers.save(tmp_path / "l.prog")
    assert Program.load(tmp_path / "l.prog").layers == {tag: LayerInfo(210, 96)}
    prog.save(tmp_path / "none.prog")  # a program without a table has none after loading
    assert Program.load(tmp_path / "none.prog").layers == {}
    with pytest.raises(ValueError, match="layer table names nowhere/forward, no tag"):
        Program(
            prog.config,
            prog.instrs,
            prog.tags,
            prog.tensors,
            prog.init,
            {Tag("nowhere", Phase.FORWARD): LayerInfo(1, 1)},
        )
    with pytest.raises(ValueError, match="useful_macs must be a non-negative integer, not -1"):
        LayerInfo(-1, 0)

    def bad_count(m):
        m["layers"][0][2] = "many"
        return m

    _rewrite_manifest(tmp_path / "l.prog", tmp_path / "bad.prog", bad_count)
    with pytest.raises(ProgramFormatError, match=r"layers\[0\] = .* must be \[LAYER, PHASE"):
        Program.load(tmp_path / "bad.prog")
