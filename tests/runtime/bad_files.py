"""Bad reports, ONNX files, chip TOMLs and assembly for the corpus (tests/runtime/bad_inputs.py):
the inputs of `report`, `compile`, `--chip` and `asm`.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import numpy as np

from chip.config import load_preset
from tests.runtime.bad_zip import (
    MiB,
)

if TYPE_CHECKING:
    from tests.runtime.bad_inputs import Corpus


def add_reports(c: Corpus) -> None:
    from chip.counters import Counters
    from runtime.report import RunReport

    chip = load_preset("edge")
    good = RunReport("run", chip, "p", "fast", Counters(cycles=10, macs=5), (), 1, 2).to_json()

    def report(name: str, text: str | bytes, expect: str = "report.json") -> None:
        c.n += 1
        d = c.root / f"rep{c.n:03d}"
        d.mkdir()
        (d / "report.json").write_bytes(text.encode() if isinstance(text, str) else text)
        c.add(f"report {name}", ["report", d], expect)

    def edited(path: list, value: object) -> str:
        d = json.loads(json.dumps(good))
        node = d
        for k in path[:-1]:
            node = node[k]
        node[path[-1]] = value
        return json.dumps(d)

    text = json.dumps(good)
    for cut in (0, 1, len(text) // 2, len(text) - 1):
        report(f"truncated at {cut}", text[:cut])
    report("not utf8", b"\xff\xfe\x00")
    report("a list", "[]")
    report("deep nesting", "[" * 100_000)
    report("total a list", edited(["total"], [1]))
    report("cycles a string", edited(["total", "cycles"], "many"), "cycles")
    report("cycles negative", edited(["total", "cycles"], -5), "cycles")
    report("busy a list", edited(["total", "busy"], [1]))
    report("busy value string", edited(["total", "busy"], {"array": "x"}), "busy")
    report("chip rows zero", edited(["chip", "array", "rows"], 0), "rows")
    report("chip name int", edited(["chip", "name"], 3), "name")
    report("version", edited(["version"], 9), "version")
    report("version 2", edited(["version"], 2), "version 2 reports predate")
    report("useful macs negative", edited(["total", "useful_macs"], -1), "useful_macs")
    report("critical unknown label", edited(["total", "critical"], {"gpu": 1}), "Critical")
    report("host transfer string", edited(["host_transfer"], "x"))
    report("layers not list", edited(["layers"], 5))
    report(
        "layer bad phase",
        edited(["layers"], [{"layer": "a", "phase": "up", "cycles": 1}]),
        "layers[0]",
    )
    report("epochs bad", edited(["epochs"], [{"epoch": "x"}]))
    c.add("report missing dir", ["report", c.root / "no-such-run"], "no report")
    d = c.root / "rep-dir-in-dir"
    (d / "report.json").mkdir(parents=True)
    c.add("report.json is a directory", ["report", d], "is a directory")


def add_onnx_files(c: Corpus) -> None:
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    w = numpy_helper.from_array(np.zeros((64, 10), np.float32), "w")
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 64])
    out = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 10])

    def model(nodes, inputs, outputs, inits) -> bytes:
        g = helper.make_graph(nodes, "g", inputs, outputs, inits)
        return helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)]).SerializeToString()

    good = model([helper.make_node("MatMul", ["x", "w"], ["y"])], [x], [out], [w])

    def compile_(name: str, data: bytes, expect: str = ".onnx") -> None:
        path = c.file(".onnx", data)
        c.add(f"onnx {name}", ["compile", path, "-o", c.root / "o.prog"], expect)

    compile_("empty file", b"", "is empty")
    for cut in (1, 7, len(good) // 2, len(good) - 3):
        compile_(f"truncated at {cut}", good[:cut])
    rng = np.random.default_rng(4)
    compile_("random bytes", rng.bytes(500))
    compile_("text", b"this is not a model")
    compile_(
        "no outputs",
        model([helper.make_node("MatMul", ["x", "w"], ["y"])], [x], [], [w]),
        "no graph outputs",
    )
    compile_("no nodes", model([], [x], [out], [w]), "'y'")
    compile_(
        "two nodes one output",
        model(
            [helper.make_node("MatMul", ["x", "w"], ["y"]), helper.make_node("Relu", ["x"], ["y"])],
            [x],
            [out],
            [w],
        ),
        "'y'",
    )
    zero = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 0])
    compile_(
        "zero-size input",
        model([helper.make_node("MatMul", ["x", "w"], ["y"])], [zero], [out], [w]),
        "the empty tensor 'x' of shape [1, 0]",
    )
    neg = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, -64])
    compile_(
        "negative input dim",
        model([helper.make_node("MatMul", ["x", "w"], ["y"])], [neg], [out], [w]),
        "dimension 1 is -64",
    )
    short = TensorProto()
    short.CopyFrom(w)
    short.raw_data = short.raw_data[:100]
    compile_(
        "initializer data short",
        model([helper.make_node("MatMul", ["x", "w"], ["y"])], [x], [out], [short]),
        "'w'",
    )
    huge = TensorProto(name="w", data_type=TensorProto.FLOAT, dims=[1 << 20, 1 << 20])
    huge.raw_data = b"\0" * 16
    compile_(
        "initializer declares 2^40 elements",
        model([helper.make_node("MatMul", ["x", "w"], ["y"])], [x], [out], [huge]),
        "'w'",
    )
    dup = model(
        [helper.make_node("MatMul", ["x", "w"], ["y"])],
        [x, helper.make_tensor_value_info("w", TensorProto.FLOAT, [64, 10])],
        [out],
        [w, w],
    )
    compile_("two initializers one name", dup, "'w'")
    nodeless = helper.make_node("Relu", ["x"], [])
    compile_("node without output", model([nodeless], [x], [out], []), "no output")
    compile_(
        "unsupported op",
        model(
            [helper.make_node("Einsum", ["x", "w"], ["y"], equation="ij,jk->ik")], [x], [out], [w]
        ),
        "Einsum",
    )
    c.add(
        "onnx is a directory",
        ["compile", c.root / "adir.onnx", "-o", c.root / "o.prog"],
        "is a directory",
    )
    (c.root / "adir.onnx").mkdir()
    c.add(
        "onnx missing", ["compile", c.root / "none.onnx", "-o", c.root / "o.prog"], "does not exist"
    )
    del onnx


def add_chip_tomls(c: Corpus) -> None:
    good = load_preset("edge").to_toml()

    def chip(name: str, text: str | bytes, expect: str = ".toml") -> None:
        path = c.file(".toml", text)
        c.add(f"toml {name}", ["compile", "mlp", "--chip", path, "-o", c.root / "o.prog"], expect)

    for key in ("name", "rows", "spad_kib", "dram_latency", "queue_depth", "clock_mhz"):
        cut = good.index(key) + 2  # inside the key: the line is no longer TOML
        chip(f"truncated at {cut}", good[:cut])
    chip("empty", "", "missing field")
    chip("not utf8", b"\xff\xfe name = 1")
    chip("not toml", "[[[")
    chip("name an int", good.replace('name = "edge"', "name = 5"), "name")
    chip("name empty", good.replace('name = "edge"', 'name = ""'), "name")
    chip("rows zero", good.replace("rows = 16", "rows = 0"), "rows")
    chip("rows a string", good.replace("rows = 16", 'rows = "16"'), "rows")
    chip("rows a float", good.replace("rows = 16", "rows = 16.0"), "rows")
    chip("rows huge", good.replace("rows = 16", "rows = 99999999999999"), "rows")
    chip("banks not pow2", good.replace("spad_banks = ", "spad_banks = 3 #"), "spad_banks")
    chip("unknown field", good + "\n[array2]\nx = 1\n", "array2")
    chip("array a value", good.replace("[array]", "array = 3\n[array_old]"), "array")
    chip("clock inf", good.replace("clock_mhz = ", "clock_mhz = inf #"), "clock_mhz")
    chip("clock bool", good.replace("clock_mhz = ", "clock_mhz = true #"), "clock_mhz")
    chip(
        "latency huge",
        good.replace("dram_latency = ", "dram_latency = 1000000000000 #"),
        "dram_latency",
    )
    chip(
        "dtype unknown", good.replace('input_dtype = "bf16"', 'input_dtype = "fp8"'), "input_dtype"
    )
    chip("missing section", good.split("[vector]")[0], "missing field")
    big = c.file(".toml", "")
    with open(big, "r+b") as f:
        f.truncate(3 * MiB)
    c.add("toml huge file", ["compile", "mlp", "--chip", big, "-o", c.root / "o.prog"], "bytes")
    tdir = c.root / "dir.toml"
    tdir.mkdir()
    c.add(
        "toml a directory",
        ["compile", "mlp", "--chip", tdir, "-o", c.root / "o.prog"],
        "is a directory",
    )
    c.add("unknown preset", ["chips", "--format", "json", "--bogus"], "--bogus")
    c.add("hdl bad chip", ["hdl", "--chip", c.root / "none.toml", "-o", c.root / "v"], "none.toml")


VEC = "vec op=ADDI dst=acc:0 src1=acc:0 src2=acc:0 rows=1 cols=1 bcast1=0 bcast2=0 "


def add_assembly(c: Corpus) -> None:
    lines = [
        ".chip edge",
        ".tensor x addr=0 shape=4x4 dtype=fp32 kind=input",
        "load dram=0x0 dst=sp:0 rows=4 cols=4 stride=16 transpose=0",
        "halt",
    ]
    good = "\n".join(lines) + "\n"

    def asm(name: str, text: str | bytes, expect: str) -> None:
        path = c.file(".s", text)
        c.add(f"asm {name}", ["asm", path, "-o", c.root / "a.prog"], expect)

    asm("not text", b"\xff\xfe\xfa", "not a text file")
    asm("unknown mnemonic", good.replace("halt", "jump"), "line 4")
    asm("field too wide", good.replace("rows=4", "rows=99999999"), "line 3")
    asm(
        "imm beyond float32",
        good.replace(
            "halt",
            VEC + "imm=1e39",
        ),
        "imm",
    )
    asm(
        "nan bits not nan",
        good.replace(
            "halt",
            VEC + "imm=nan:0x3f800000",
        ),
        "imm",
    )
    asm("negative shape", good.replace("shape=4x4", "shape=-4x4"), "shape")
    asm("zero shape", good.replace("shape=4x4", "shape=0x4"), "shape")
    asm(
        "two tensors one name",
        good.replace("halt", ".tensor x addr=256 shape=4 dtype=fp32 kind=input\nhalt"),
        "declared twice",
    )
    asm("chip json a list", good.replace(".chip edge", ".chip [1]"), "line 1")
    asm("chip json object bad", good.replace(".chip edge", '.chip {"name": 5}'), "line 1")
    asm("chip json deep", good.replace(".chip edge", ".chip {" + '"a":{' * 50_000), "line 1")
    asm("no chip", good.replace(".chip edge", ""), "no .chip")
    asm("bad memory", good.replace("sp:0", "dram:0"), "line 3")
    asm("bad tag", good.replace("halt", ".tag x sideways\nhalt"), "line 4")
    c.add("asm a directory", ["asm", c.root, "-o", c.root / "a.prog"], "is a directory")
