"""A generated corpus of bad inputs for every file kind and command of `systolic`.

Each `Case` is a command line (files written under a directory given to `build_corpus`) and a
text its one-line error must contain: the file, field or argument at fault. Nothing here is a
checked-in blob: valid files are made by the project's own writers, then corrupted, truncated,
bit-flipped, retyped or given hostile sizes.
"""

from __future__ import annotations

import io
import json
import struct
import warnings
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from chip.config import load_preset
from runtime import checkpoint as ckpt
from tests.runtime.programs import regression_chip, softmax_regression

MiB = 1 << 20


@dataclass(frozen=True)
class Case:
    """One bad input: ``argv`` for `runtime.cli.main` and what its error line must name."""

    name: str
    argv: tuple[str, ...]
    expect: str
    hostile: bool = False  # a size attack: checked for memory in a child process too


# ---------------------------------------------------------------------------- zip helpers
def zip_bytes(members: list[tuple[str, bytes]], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=method) as z:
        for name, data in members:
            z.writestr(name, data)
    return buf.getvalue()


def unzip(data: bytes) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return [(n, z.read(n)) for n in z.namelist()]


def npy(arr: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, arr, allow_pickle=True)
    return buf.getvalue()


def npy_header_only(descr: str, shape: tuple, payload: bytes = b"") -> bytes:
    """An .npy whose header declares ``shape`` whatever ``payload`` holds."""
    header = repr({"descr": descr, "fortran_order": False, "shape": shape}).encode()
    header += b" " * (-(len(header) + 11) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header + payload


def changes_content(good: bytes, bad: bytes) -> bool:
    """Whether a mutated archive reads differently from the original by the standard library's
    zipfile (some header bytes, such as timestamps, change nothing a reader sees)."""
    try:
        with zipfile.ZipFile(io.BytesIO(bad)) as z:
            got = [(i.filename, i.compress_type, z.read(i)) for i in z.infolist()]
    except Exception:  # noqa: BLE001 - any failure means the archive is damaged
        return True
    with zipfile.ZipFile(io.BytesIO(good)) as z:
        return got != [(i.filename, i.compress_type, z.read(i)) for i in z.infolist()]


def flips(good: bytes, rng: np.random.Generator, n: int, lo: int = 0, hi: int = 0) -> list:
    """``n`` (position, mutated bytes) pairs, each one flipped byte in ``lo..hi`` (default the
    whole file) that changes what the archive holds."""
    out = []
    hi = hi or len(good)
    while len(out) < n:
        pos = int(rng.integers(lo, hi))
        bad = bytearray(good)
        bad[pos] ^= 1 << int(rng.integers(8))
        if changes_content(good, bytes(bad)):
            out.append((pos, bytes(bad)))
    return out


def data_ranges(data: bytes) -> list[tuple[int, int]]:
    """(start, end) of every member's stored bytes: a bit flipped there changes the content
    (CRC-32 catches every single-bit error), unlike one in a timestamp."""
    out = []
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for info in z.infolist():
            start = info.header_offset + 30
            name_len, extra_len = struct.unpack("<HH", data[info.header_offset + 26 : start])
            start += name_len + extra_len
            if info.compress_size:
                out.append((start, start + info.compress_size))
    return out


def deflated_zeros_member(name: str, size: int, others: list[tuple[str, bytes]] = ()) -> bytes:
    """A zip of ``others`` and one deflated member of ``size`` zero bytes, compressed chunk by
    chunk (a real zip bomb: about size/1000 bytes on disk)."""
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    chunk = bytes(MiB)
    parts, crc, left = [], 0, size
    while left:
        piece = chunk[: min(left, MiB)]
        crc = zlib.crc32(piece, crc)
        parts.append(comp.compress(piece))
        left -= len(piece)
    parts.append(comp.flush())
    body = b"".join(parts)
    info = zipfile.ZipInfo(name)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.CRC, info.compress_size, info.file_size = crc, len(body), size
    entries = []
    for other, data in others:
        oc = zlib.compressobj(9, zlib.DEFLATED, -15)
        obody = oc.compress(data) + oc.flush()
        oinfo = zipfile.ZipInfo(other)
        oinfo.compress_type = zipfile.ZIP_DEFLATED
        oinfo.CRC, oinfo.compress_size, oinfo.file_size = zlib.crc32(data), len(obody), len(data)
        entries.append((oinfo, obody))
    return _raw_zip([*entries, (info, body)])


def _raw_zip(entries: list[tuple[zipfile.ZipInfo, bytes]]) -> bytes:
    """A zip written from given (info, already compressed body) pairs, sizes as declared."""
    out, central = io.BytesIO(), []
    for info, body in entries:
        offset = out.tell()
        name = info.filename.encode()
        out.write(
            struct.pack(
                "<4s5H3L2H",
                b"PK\x03\x04",
                20,
                0,
                info.compress_type,
                0,
                0,
                info.CRC,
                info.compress_size,
                info.file_size,
                len(name),
                0,
            )
            + name
            + body
        )
        central.append(
            struct.pack(
                "<4s6H3L5H2L",
                b"PK\x01\x02",
                20,
                20,
                0,
                info.compress_type,
                0,
                0,
                info.CRC,
                info.compress_size,
                info.file_size,
                len(name),
                0,
                0,
                0,
                0,
                0,
                offset,
            )
            + name
        )
    start = out.tell()
    cd = b"".join(central)
    out.write(cd)
    out.write(
        struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(entries), len(entries), len(cd), start, 0)
    )
    return out.getvalue()


def lying_size_zip(
    name: str, body_plain: bytes, claimed: int, others: dict[str, bytes] | None = None
) -> bytes:
    """A zip of ``others`` whose member ``name`` claims ``claimed`` unpacked bytes for a
    small body."""
    entries = []
    for n, plain in {**(others or {}), name: body_plain}.items():
        comp = zlib.compressobj(9, zlib.DEFLATED, -15)
        body = comp.compress(plain) + comp.flush()
        info = zipfile.ZipInfo(n)
        info.compress_type = zipfile.ZIP_DEFLATED
        size = claimed if n == name else len(plain)
        info.CRC, info.compress_size, info.file_size = zlib.crc32(plain), len(body), size
        entries.append((info, body))
    return _raw_zip(entries)


# ------------------------------------------------------------------------------- the corpus
class _Corpus:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.cases: list[Case] = []
        self.n = 0

    def file(self, suffix: str, data: bytes | str) -> Path:
        self.n += 1
        path = self.root / f"f{self.n:03d}{suffix}"
        path.write_bytes(data.encode() if isinstance(data, str) else data)
        return path

    def add(self, name: str, argv: list, expect: str, hostile: bool = False) -> None:
        name = f"#{len(self.cases)} {name}"
        self.cases.append(Case(name, tuple(str(a) for a in argv), expect, hostile))


def build_corpus(root: Path, hostile_bombs: bool = False) -> list[Case]:
    """Write every bad input under ``root`` and return the cases. ``hostile_bombs`` adds the
    real zip bombs (gigabyte members written by compression, a few seconds to build)."""
    c = _Corpus(root)
    _programs(c)
    _program_manifests(c)
    _checkpoints(c)
    _datasets(c)
    _reports(c)
    _onnx_files(c)
    _chip_tomls(c)
    _assembly(c)
    _cli_misuse(c)
    _hostile(c, bombs=hostile_bombs)
    return c.cases


def valid_program_bytes(root: Path) -> bytes:
    path = root / "valid.prog"
    softmax_regression(regression_chip(), 16, 64, 10, np.zeros((64, 10), np.float32)).save(path)
    return path.read_bytes()


def _commands_for(c: _Corpus, name: str, path: Path, expect: str) -> None:
    """A bad program goes through both commands that read one."""
    c.add(f"disasm {name}", ["disasm", path], expect)
    c.add(f"run {name}", ["run", path, "--random-inputs", "--out", c.root / "out"], expect)


def _programs(c: _Corpus) -> None:
    good = valid_program_bytes(c.root)
    rng = np.random.default_rng(1)
    for cut in (0, 1, 4, 30, 100, len(good) // 3, len(good) // 2, len(good) - 22, len(good) - 1):
        _commands_for(c, f"program truncated at {cut}", c.file(".prog", good[:cut]), ".prog")
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
        _commands_for(c, f"no {required}", c.file(".prog", zip_bytes(kept)), required)
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
        _commands_for(c, name, path, expect)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about the very thing this case is
        dup = zip_bytes(list(members.items()) + [("manifest.json", members["manifest.json"])])
    c.add("duplicate member", ["disasm", c.file(".prog", dup)], "appears twice")
    bz = zip_bytes(list(members.items()), method=zipfile.ZIP_BZIP2)
    c.add("bzip2 members", ["disasm", c.file(".prog", bz)], "compression method")


def _program_manifests(c: _Corpus) -> None:
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
        _commands_for(c, f"manifest {name}", c.file(".prog", edit(fn)), expect)
    c.add(
        "manifest is a list",
        ["disasm", c.file(".prog", zip_bytes(list({**good, "manifest.json": b"[1]"}.items())))],
        "systolic-program",
    )


def _run_dir_with(c: _Corpus, checkpoint: bytes | None, settings: dict | None = None) -> Path:
    c.n += 1
    d = c.root / f"run{c.n:03d}"
    d.mkdir()
    s = settings or {
        "model": "mlp",
        "dataset": "digits",
        "chip": "edge",
        "dtype": None,
        "epochs": 1,
        "batch_size": 32,
        "optimizer": "sgd",
        "lr": 0.1,
        "schedule": "constant",
        "fidelity": "functional",
        "seed": 0,
        "checkpoint_every": 0,
    }
    (d / "run.json").write_text(json.dumps(s))
    if checkpoint is not None:
        (d / ckpt.CHECKPOINT_NAME).write_bytes(checkpoint)
    return d


def valid_checkpoint_bytes(root: Path) -> bytes:
    d = root / "ckpt-base"
    d.mkdir(exist_ok=True)
    tensors = {"w": np.zeros((64, 10), np.float32), "m": np.ones((64, 10), np.float32)}
    meta = {"fingerprints": {"program": "x"}, "progress": {"epoch": 0}}
    return ckpt.save(d, ckpt.Checkpoint(tensors, meta)).read_bytes()


def _checkpoints(c: _Corpus) -> None:
    good = valid_checkpoint_bytes(c.root)
    members = dict(unzip(good))
    rng = np.random.default_rng(2)

    def resume(name: str, data: bytes, expect: str = "checkpoint") -> None:
        c.add(f"resume {name}", ["train", "--resume", _run_dir_with(c, data)], expect)

    for cut in (0, 10, len(good) // 2, len(good) - 1):
        resume(f"checkpoint truncated at {cut}", good[:cut])
    for pos, bad in flips(good, rng, 8):
        resume(f"checkpoint byte {pos} flipped", bad)
    meta = members["meta.npy"]

    def meta_json(obj: object) -> bytes:
        return npy(np.frombuffer(json.dumps(obj).encode(), np.uint8))

    variants = {
        "no meta": ({k: v for k, v in members.items() if k != "meta.npy"}, "meta.npy"),
        "meta not json": ({**members, "meta.npy": npy(np.frombuffer(b"{nope", np.uint8))}, "meta"),
        "meta float": ({**members, "meta.npy": npy(np.zeros(4, np.float32))}, "meta"),
        "meta a list": ({**members, "meta.npy": meta_json([1])}, "systolic-checkpoint"),
        "meta other version": (
            {**members, "meta.npy": meta_json({"format": ckpt.FORMAT, "version": 99})},
            "version",
        ),
        "meta fingerprints a list": (
            {
                **members,
                "meta.npy": meta_json(
                    {
                        "format": ckpt.FORMAT,
                        "version": ckpt.VERSION,
                        "fingerprints": [],
                        "progress": {},
                    }
                ),
            },
            "fingerprints",
        ),
        "tensor pickle": (
            {**members, "tensor/w.npy": npy(np.array([None], dtype=object))},
            "pickle",
        ),
        "tensor huge header": (
            {**members, "tensor/w.npy": npy_header_only("<f4", (1 << 30, 1 << 30))},
            "tensor/w.npy",
        ),
        "tensor short payload": (
            {**members, "tensor/w.npy": npy_header_only("<f4", (64, 10), b"\0" * 100)},
            "tensor/w.npy",
        ),
        "unexpected member": ({**members, "other.npy": meta}, "other.npy"),
        "meta deep json": (
            {**members, "meta.npy": npy(np.frombuffer(b"[" * 100_000, np.uint8))},
            "meta",
        ),
    }
    for name, (ms, expect) in variants.items():
        resume(name, zip_bytes(list(ms.items())), expect)
    c.add("resume a file", ["train", "--resume", c.file(".txt", "x")], "not a run directory")
    bad_settings = [
        ("batch_size", "32", "batch_size"),
        ("batch_size", 10**9, "batch_size"),
        ("epochs", -1, "epochs"),
        ("lr", "fast", "lr"),
        ("lr", None, "lr"),
        ("seed", -5, "seed"),
        ("fidelity", "rtl", "fidelity"),
        ("model", 3, "model"),
        ("optimizer", ["sgd"], "optimizer"),
        ("output", 3, "output"),
    ]
    for key, value, expect in bad_settings:
        s = json.loads((_run_dir_with(c, good) / "run.json").read_text())
        s[key] = value
        c.add(f"run.json {key}={value!r}", ["train", "--resume", _run_dir_with(c, good, s)], expect)


def _datasets(c: _Corpus) -> None:
    rng = np.random.default_rng(3)
    x = rng.random((40, 8, 8)).astype(np.float32)
    y = rng.integers(0, 10, 40)
    buf = io.BytesIO()
    np.savez(buf, x=x, y=y)
    good = buf.getvalue()
    members = dict(unzip(good))

    def train(name: str, data: bytes, expect: str) -> None:
        path = c.file(".npz", data)
        c.add(f"dataset {name}", ["train", "--dataset", path, "--out", c.root / "o"], expect)

    for cut in (0, 5, len(good) // 2, len(good) - 1):
        train(f"truncated at {cut}", good[:cut], ".npz")
    for pos, bad in flips(good, rng, 6):
        train(f"bit {pos} flipped", bad, ".npz")

    def arrays(**kw: object) -> bytes:
        out = io.BytesIO()
        np.savez(out, **kw)
        return out.getvalue()

    train("no y", arrays(x=x), "'y'")
    train(
        "pickled x",
        zip_bytes(list({**members, "x.npy": npy(np.array([{}], object))}.items())),
        "pickle",
    )
    train("string labels", arrays(x=x, y=np.array(["a"] * 40)), "y")
    train("float labels", arrays(x=x, y=y.astype(np.float32)), "'y'")
    train("negative labels", arrays(x=x, y=-y - 1), "negative label")
    train("huge labels", arrays(x=x, y=y + 10**12), "label")
    train("nan samples", arrays(x=np.full_like(x, np.nan), y=y), "NaN")
    train("1-D samples", arrays(x=x.reshape(-1), y=y), "'x'")
    train("zero-size samples", arrays(x=np.zeros((40, 0)), y=y), "'x'")
    train("lengths differ", arrays(x=x, y=y[:-1]), "samples")
    train("only x_test", arrays(x=x, y=y, x_test=x), "x_test")
    train("extra array", arrays(x=x, y=y, z=y), "'z'")
    train("test shape differs", arrays(x=x, y=y, x_test=x[:, :4], y_test=y), "samples")
    train("complex samples", arrays(x=x.astype(np.complex64), y=y), "x.npy")
    train(
        "header lies",
        zip_bytes(
            list(
                {**members, "x.npy": npy_header_only("<f4", (40, 8, 9), bytes(40 * 64 * 4))}.items()
            )
        ),
        "x.npy",
    )
    c.add("dataset is a directory", ["train", "--dataset", c.root], "is a directory")
    c.add("dataset missing", ["train", "--dataset", c.root / "none.npz"], "does not exist")


def _reports(c: _Corpus) -> None:
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


def _onnx_files(c: _Corpus) -> None:
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


def _chip_tomls(c: _Corpus) -> None:
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


def _assembly(c: _Corpus) -> None:
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


def _cli_misuse(c: _Corpus) -> None:
    prog = c.root / "valid.prog"
    for argv, expect in [
        (["train", "--batch-size", "100000"], "--batch-size"),
        (["train", "--batch-size", "0"], "--batch-size"),
        (["train", "--batch-size", "-3"], "--batch-size"),
        (["train", "--epochs", "0"], "--epochs"),
        (["train", "--epochs", "10000000000"], "--epochs"),
        (["train", "--lr", "nan"], "--lr"),
        (["train", "--lr", "inf"], "--lr"),
        (["train", "--lr", "-1"], "--lr"),
        (["train", "--seed", "-1"], "--seed"),
        (["train", "--checkpoint-every", "-2"], "--checkpoint-every"),
        (["train", "--model", "gpt"], "gpt"),
        (["train", "--model", "resnet18"], "resnet18"),
        (["train", "--chip", "nosuchchip"], "nosuchchip"),
        (["compile", "mlp", "--batch", "100000", "-o", c.root / "o.prog"], "--batch"),
        (["compile", "mlp", "--batch", "0", "-o", c.root / "o.prog"], "--batch"),
        (["compile", "mlp", "--lr", "nan", "--train", "-o", c.root / "o.prog"], "--lr"),
        (["compile", "mlp", "--dtype", "fp64", "-o", c.root / "o.prog"], "--dtype"),
        (["compile", "mlp", "--quantize", "static", "-o", c.root / "o.prog"], "--quantize"),
        (["run", prog, "--seed", "-1"], "--seed"),
        (["run", prog], "--input"),
        (["run", prog, "--input", "x"], "NAME=FILE"),
        (["run", prog, "--input", f"x={c.root}"], "is a directory"),
        (["run", prog, "--input", f"x={c.file('.npy', b'junk')}"], "--input x"),
        (["run", prog, "--input", f"x={c.file('.npy', npy(np.array([None], object)))}"], "pickle"),
        (["run", prog, "--input", f"x={c.file('.npy', npy(np.zeros((2, 2))))}"], "'x'"),
        (
            ["run", prog, "--input", f"x={c.file('.npy', npy_header_only('<f4', (1 << 40,)))}"],
            "--input x",
        ),
        (["run", prog, "--fidelity", "rtl", "--random-inputs"], "is not implemented in the RTL"),
        (["disasm"], "PROGRAM"),
        (["report"], "RUN_DIR"),
        (["report", c.root, "--format", "xml"], "--format"),
        (["hdl"], "--output"),
        (["frobnicate"], "frobnicate"),
        (["train", "--resume", c.root / "nothing-here"], "nothing-here"),
        (["train", "--resume", c.root, "--epochs", "3"], "--epochs"),
    ]:
        c.add("cli " + " ".join(str(a) for a in argv)[:60], argv, expect)


def _hostile(c: _Corpus, bombs: bool) -> None:
    """Size attacks: each must be refused before its size is allocated."""
    good = dict(unzip(valid_program_bytes(c.root)))
    manifest = json.loads(good["manifest.json"])
    # an instruction stream that unpacks to 64 MiB, the manifest's count unchanged or matching
    big = {**good, "instructions.bin": bytes(64 * MiB)}
    c.add(
        "hostile 64 MiB stream",
        ["disasm", c.file(".prog", zip_bytes(list(big.items())))],
        "instructions.bin",
        True,
    )
    matching = json.dumps({**manifest, "instructions": 4 * MiB}).encode()
    big_m = {**big, "manifest.json": matching}
    c.add(
        "hostile 4M instructions declared",
        ["disasm", c.file(".prog", zip_bytes(list(big_m.items())))],
        "instructions",
        True,
    )
    c.add(
        "hostile tag_index 2^40",
        [
            "disasm",
            c.file(
                ".prog",
                zip_bytes(
                    list({**good, "tag_index.npy": npy_header_only("<u4", (1 << 40,))}.items())
                ),
            ),
        ],
        "tag_index.npy",
        True,
    )
    c.add(
        "hostile lying member size",
        ["disasm", c.file(".prog", lying_size_zip("manifest.json", b"{}", 0xF000_0000, good))],
        "manifest.json",
        True,
    )
    c.add(
        "hostile dataset lying size",
        ["train", "--dataset", c.file(".npz", lying_size_zip("x.npy", bytes(1000), 3 << 30))],
        "x.npy",
        True,
    )
    c.add(
        "hostile dataset header 2^40",
        [
            "train",
            "--dataset",
            c.file(
                ".npz",
                zip_bytes(
                    [
                        ("x.npy", npy_header_only("<f4", (1 << 20, 1 << 20))),
                        ("y.npy", npy(np.zeros(3, np.int64))),
                    ]
                ),
            ),
        ],
        "x.npy",
        True,
    )
    c.add(
        "hostile checkpoint lying size",
        ["train", "--resume", _run_dir_with(c, lying_size_zip("meta.npy", b"x", 0xF000_0000))],
        "meta.npy",
        True,
    )
    big_onnx = c.file(".onnx", b"\x08")
    with open(big_onnx, "r+b") as f:
        f.truncate(3 << 30)  # sparse: the size check must refuse it without reading
    c.add("hostile 3 GiB onnx", ["compile", big_onnx, "-o", c.root / "o.prog"], "bytes", True)
    rep = c.root / "rep-huge"
    rep.mkdir()
    with open(rep / "report.json", "wb") as f:
        f.truncate(1 << 30)
    c.add("hostile 1 GiB report", ["report", rep], "bytes", True)
    if bombs:
        bomb = deflated_zeros_member("tensor/w.npy", (1 << 30) + MiB)
        c.add(
            "bomb checkpoint 1 GiB member",
            ["train", "--resume", _run_dir_with(c, bomb)],
            "tensor/w.npy",
            True,
        )
        c.add(
            "bomb dataset 1 GiB member", ["train", "--dataset", c.file(".npz", bomb)], "w.npy", True
        )
        prog_bomb = deflated_zeros_member("init/w.npy", (1 << 30) + MiB, list(good.items()))
        c.add("bomb program 1 GiB member", ["disasm", c.file(".prog", prog_bomb)], "bytes", True)
