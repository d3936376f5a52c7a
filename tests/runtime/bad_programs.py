"""Bad program files for the corpus (tests/runtime/bad_inputs.py): truncated, bit-flipped and
retyped `.prog` archives and manifests, each through `disasm` and `run`.
"""

from __future__ import annotations

import json
import warnings
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from tests.runtime.bad_zip import (
    data_ranges,
    flips,
    npy,
    npy_header_only,
    unzip,
    zip_bytes,
)
from tests.runtime.programs import regression_chip, softmax_regression

if TYPE_CHECKING:
    from tests.runtime.bad_inputs import Corpus


def valid_program_bytes(root: Path) -> bytes:
    path = root / "valid.prog"
    softmax_regression(regression_chip(), 16, 64, 10, np.zeros((64, 10), np.float32)).save(path)
    return path.read_bytes()


def commands_for(c: Corpus, name: str, path: Path, expect: str) -> None:
    """A bad program goes through both commands that read one."""
    c.add(f"disasm {name}", ["disasm", path], expect)
    c.add(f"run {name}", ["run", path, "--random-inputs", "--out", c.root / "out"], expect)


def add_programs(c: Corpus) -> None:
    good = valid_program_bytes(c.root)
    rng = np.random.default_rng(1)
    for cut in (0, 1, 4, 30, 100, len(good) // 3, len(good) // 2, len(good) - 22, len(good) - 1):
        commands_for(c, f"program truncated at {cut}", c.file(".prog", good[:cut]), ".prog")
    ranges = data_ranges(good)
    for k in range(30):
        start, end = ranges[k % len(ranges)]
        for pos, bad in flips(good, rng, 1, start, end):
            path = c.file(".prog", bad)
            c.add(f"disasm program bit {pos}", ["disasm", path], path.name)
    for pos, bad in flips(good, rng, 6):  # anywhere: headers, central directory
        path = c.file(".prog", bad)
        c.add(f"disasm program byte {pos}", ["disasm", path], path.name)
    c.add("program is random bytes", ["disasm", c.file(".prog", rng.bytes(3000))], ".prog")
    c.add("program is a directory", ["disasm", c.root], "is a directory")
    c.add("program does not exist", ["disasm", c.root / "nope.prog"], "does not exist")
    members = dict(unzip(good))
    for required in ("manifest.json", "instructions.bin", "tag_index.npy"):
        kept = [(n, d) for n, d in members.items() if n != required]
        commands_for(c, f"no {required}", c.file(".prog", zip_bytes(kept)), required)
    variants: dict[str, tuple[dict[str, bytes], str]] = {}
    blob = members["instructions.bin"]
    variants["blob not a word multiple"] = ({"instructions.bin": blob[:-3]}, "instructions.bin")
    bad_op = bytearray(blob)
    bad_op[16] = (bad_op[16] & 0xF0) | 0x0F
    variants["unknown opcode"] = ({"instructions.bin": bytes(bad_op)}, "unknown opcode")
    reserved = bytearray(blob)
    reserved[-1] = 0x80
    variants["reserved bits"] = ({"instructions.bin": bytes(reserved)}, "reserved bits")
    count = len(blob) // 16
    variants["tag_index short"] = (
        {"tag_index.npy": npy(np.zeros(count - 1, np.uint32))},
        "tag_index.npy",
    )
    variants["tag_index float"] = (
        {"tag_index.npy": npy(np.zeros(count, np.float32))},
        "tag_index.npy",
    )
    variants["tag_index out of range"] = (
        {"tag_index.npy": npy(np.full(count, 999, np.uint32))},
        "tag_index.npy",
    )
    variants["tag_index pickle"] = (
        {"tag_index.npy": npy(np.array([{"a": 1}] * count, dtype=object))},
        "pickle",
    )
    variants["tag_index garbage header"] = (
        {"tag_index.npy": b"\x93NUMPY\x01\x00\x05\x00{{{{{"},
        "tag_index.npy",
    )
    variants["tag_index not npy"] = ({"tag_index.npy": b"hello"}, "tag_index.npy")
    variants["tag_index fortran junk"] = (
        {"tag_index.npy": npy_header_only("<u4", (count,), b"\0" * 3)},
        "tag_index.npy",
    )
    init_name = next(n for n in members if n.startswith("init/"))
    variants["init wrong shape"] = ({init_name: npy(np.zeros((3, 3), np.float32))}, init_name)
    variants["init wrong dtype"] = ({init_name: npy(np.zeros((64, 10), np.float64))}, init_name)
    variants["init unknown tensor"] = ({"init/ghost.npy": npy(np.zeros(2, np.float32))}, "ghost")
    variants["init structured"] = (
        {init_name: npy(np.zeros(640, dtype=[("a", "<f4")]).reshape(64, 10))},
        init_name,
    )
    variants["init complex"] = ({init_name: npy(np.zeros((64, 10), np.complex64))}, init_name)
    variants["unexpected member"] = ({"notes.txt": b"hi"}, "notes.txt")
    variants["manifest not utf8"] = ({"manifest.json": b"\xff\xfe{}"}, "manifest.json")
    variants["manifest nested deeply"] = ({"manifest.json": b"[" * 100_000}, "manifest.json")
    variants["manifest empty"] = ({"manifest.json": b""}, "manifest.json")
    for name, (changes, expect) in variants.items():
        path = c.file(".prog", zip_bytes(list({**members, **changes}.items())))
        commands_for(c, name, path, expect)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about the very thing this case is
        dup = zip_bytes(list(members.items()) + [("manifest.json", members["manifest.json"])])
    c.add("duplicate member", ["disasm", c.file(".prog", dup)], "appears twice")
    bz = zip_bytes(list(members.items()), method=zipfile.ZIP_BZIP2)
    c.add("bzip2 members", ["disasm", c.file(".prog", bz)], "compression method")


def add_program_manifests(c: Corpus) -> None:
    good = dict(unzip(valid_program_bytes(c.root)))
    base = json.loads(good["manifest.json"])
    first = base["tensors"][0]["name"]

    def edit(fn: Callable[[dict], None]) -> bytes:
        m = json.loads(json.dumps(base))
        fn(m)
        return zip_bytes(list({**good, "manifest.json": json.dumps(m).encode()}.items()))

    def tensor(field: str, value: object) -> Callable[[dict], None]:
        return lambda m: m["tensors"][0].__setitem__(field, value)

    def top(field: str, value: object) -> Callable[[dict], None]:
        return lambda m: m.__setitem__(field, value)

    def drop(field: str) -> Callable[[dict], None]:
        return lambda m: m.pop(field)

    def chip(section: str | None, field: str, value: object) -> Callable[[dict], None]:
        def f(m: dict) -> None:
            (m["chip"] if section is None else m["chip"][section])[field] = value

        return f

    edits: list[tuple[str, Callable[[dict], None], str]] = [
        ("negative shape", tensor("shape", [-64, -10]), "shape"),
        ("zero-size shape", tensor("shape", [0, 10]), "shape"),
        ("float shape", tensor("shape", [64.0, 10]), "shape"),
        ("string shape", tensor("shape", "64x10"), "'shape'"),
        ("bool addr", tensor("addr", True), "'addr'"),
        ("negative addr", tensor("addr", -64), "addr"),
        ("huge addr", tensor("addr", 1 << 40), "DRAM"),
        ("unaligned addr", tensor("addr", 2), "aligned"),
        ("unknown dtype", tensor("dtype", "fp64"), "dtype"),
        ("unknown kind", tensor("kind", "weights"), "kind"),
        ("name not a string", tensor("name", 5), "'name'"),
        ("empty name", tensor("name", ""), "name"),
        ("tensor not an object", lambda m: m["tensors"].append(7), "must be a JSON object, not 7"),
        ("tensor without addr", lambda m: m["tensors"][0].pop("addr"), "'addr'"),
        (
            "two tensors, one name",
            lambda m: m["tensors"][1].__setitem__("name", first),
            "two tensors are named",
        ),
        (
            "overlapping tensors",
            lambda m: m["tensors"][1].__setitem__("addr", m["tensors"][0]["addr"]),
            "overlap",
        ),
        ("tags not a list", top("tags", {"a": 1}), "'tags'"),
        ("tag bad phase", lambda m: m["tags"].__setitem__(0, ["dense", "sideways"]), "tags[0]"),
        ("tag not a pair", lambda m: m["tags"].__setitem__(0, "dense"), "tags[0]"),
        ("layers not a list", top("layers", {"a": 1}), "'layers'"),
        (
            "layer count negative",
            lambda m: m.__setitem__("layers", [[m["tags"][0][0], m["tags"][0][1], -1, 0]]),
            "layers[0]",
        ),
        (
            "layer of no tag",
            lambda m: m.__setitem__("layers", [["nowhere", "forward", 1, 1]]),
            "no tag of the program",
        ),
        (
            "count one more",
            lambda m: m.__setitem__("instructions", m["instructions"] + 1),
            "instructions",
        ),
        (
            "count one less",
            lambda m: m.__setitem__("instructions", m["instructions"] - 1),
            "instructions",
        ),
        ("count negative", top("instructions", -1), "instructions"),
        ("count huge", top("instructions", 10**12), "instructions"),
        ("count float", top("instructions", 3.5), "instructions"),
        ("count bool", top("instructions", True), "instructions"),
        ("count string", top("instructions", "22"), "instructions"),
        ("no format", drop("format"), "systolic-program"),
        ("other format", top("format", "zip"), "systolic-program"),
        ("old version", top("version", 1), "version"),
        ("version string", top("version", "2"), "version"),
        ("no chip", drop("chip"), "'chip'"),
        ("no tensors", drop("tensors"), "'tensors'"),
        ("chip a list", top("chip", [1, 2]), "'chip'"),
        ("chip name an int", chip(None, "name", 7), "name"),
        ("chip rows zero", chip("array", "rows", 0), "rows"),
        ("chip rows string", chip("array", "rows", "16"), "rows"),
        ("chip unknown key", chip("array", "wires", 3), "wires"),
        ("chip section not a table", top("chip", {"name": "x", "array": 3}), "'array'"),
        ("chip dataflow unknown", chip("array", "dataflow", "diagonal"), "dataflow"),
        ("chip clock huge", chip("control", "clock_mhz", 1e300), "clock_mhz"),
        ("chip clock nan", chip("control", "clock_mhz", float("nan")), "clock_mhz"),
        ("chip dram latency huge", chip("dram", "dram_latency", 10**30), "dram_latency"),
    ]
    for name, fn, expect in edits:
        commands_for(c, f"manifest {name}", c.file(".prog", edit(fn)), expect)
    c.add(
        "manifest is a list",
        ["disasm", c.file(".prog", zip_bytes(list({**good, "manifest.json": b"[1]"}.items())))],
        "systolic-program",
    )
