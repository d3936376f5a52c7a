"""SCALE-Sim's input files: topology CSVs (conv and GEMM formats) and its .cfg configuration.

Topology files are read as SCALE-Sim v2/v3 write them: a header row, then one layer a row,
cells separated by commas (a trailing comma is usual). Two formats, told apart by the header:
- conv: ``Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels,
  Num Filter, Strides`` (no padding; extra columns, such as a sparsity ratio, are ignored);
- GEMM: ``Layer name, M, N, K`` (SCALE-Sim's ``-i gemm`` input).
A conv layer is the GEMM M = output pixels, N = filters, K = Fh * Fw * C, as SCALE-Sim maps it.
Its output size is that of a valid convolution, floor((H - Fh) / s) + 1, unless SCALE-Sim's own
rounding is asked for: ceil((H - Fh + s) / s), one pixel more per side when s does not divide
H - Fh (SCALE-Sim's ResNet-18 Conv1 is 110 x 110, not 109 x 109).

Configuration files are INI files; the keys that decide compute cycles are read
(``ArrayHeight``, ``ArrayWidth``, ``Dataflow`` in ``[architecture_presets]``, ``run_name`` in
``[general]``); memory sizes, offsets and bandwidths do not change SCALE-Sim's compute cycles
and are listed as ignored.
"""

from __future__ import annotations

import configparser
import csv
import math
from dataclasses import dataclass
from pathlib import Path

from chip.config import MAX_ARRAY_DIM, Dataflow

CONV_COLUMNS = (
    "Layer name",
    "IFMAP Height",
    "IFMAP Width",
    "Filter Height",
    "Filter Width",
    "Channels",
    "Num Filter",
    "Strides",
)
GEMM_COLUMNS = ("Layer name", "M", "N", "K")
# SCALE-Sim's default configuration (its configs/scale.cfg): a 32 x 32 output-stationary array.
DEFAULT_ROWS, DEFAULT_COLS, DEFAULT_DATAFLOW = 32, 32, Dataflow.OS
# Keys of SCALE-Sim's configuration that decide compute cycles, by section (lower case: INI
# keys are case-insensitive).
USED_KEYS = {
    "general": {"run_name"},
    "architecture_presets": {"arrayheight", "arraywidth", "dataflow"},
}


class ScaleSimFileError(ValueError):
    """A topology or configuration file that cannot be read; the message names file and line."""


@dataclass(frozen=True)
class ConvShape:
    """A conv layer as SCALE-Sim describes it (NHWC, no padding)."""

    height: int
    width: int
    filter_height: int
    filter_width: int
    channels: int
    filters: int
    stride: int

    def output_size(self, scalesim_rounding: bool) -> tuple[int, int]:
        """(output height, output width): a valid conv's, or SCALE-Sim's rounded-up ones."""
        s = self.stride
        if scalesim_rounding:
            return (
                math.ceil((self.height - self.filter_height + s) / s),
                math.ceil((self.width - self.filter_width + s) / s),
            )
        return (
            (self.height - self.filter_height) // s + 1,
            (self.width - self.filter_width) // s + 1,
        )


@dataclass(frozen=True)
class TopologyLayer:
    """One row of a topology file: a conv (``conv`` set) or a plain GEMM (``gemm`` set)."""

    name: str
    conv: ConvShape | None = None
    gemm: tuple[int, int, int] | None = None

    def mnk(self, scalesim_rounding: bool = False, batch: int = 1) -> tuple[int, int, int]:
        """The layer's GEMM: M (output pixels x batch, or rows), N (filters), K."""
        if self.conv is None:
            assert self.gemm is not None
            m, n, k = self.gemm
            return m * batch, n, k
        c = self.conv
        oh, ow = c.output_size(scalesim_rounding)
        return oh * ow * batch, c.filters, c.filter_height * c.filter_width * c.channels


@dataclass(frozen=True)
class ScaleSimConfig:
    """What `systolic scalesim` takes from a SCALE-Sim .cfg file."""

    run_name: str
    rows: int
    cols: int
    dataflow: Dataflow
    ignored: tuple[str, ...] = ()


def read_topology(path: str | Path) -> tuple[TopologyLayer, ...]:
    """The layers of a SCALE-Sim topology CSV (conv or GEMM format, told by the header)."""
    path = Path(path)
    if not path.is_file():
        raise ScaleSimFileError(f"topology file {str(path)!r} does not exist")
    try:
        with open(path, newline="") as f:
            rows = [[cell.strip() for cell in row] for row in csv.reader(f)]
    except UnicodeDecodeError:
        raise ScaleSimFileError(f"{path} is not a text file") from None
    rows = [(i + 1, _trimmed(row)) for i, row in enumerate(rows)]
    rows = [(line, row) for line, row in rows if row]
    if not rows:
        raise ScaleSimFileError(f"{path} is empty: expected a header and one layer per row")
    (_, header), body = rows[0], rows[1:]
    is_gemm = [h.lower() for h in header[1:4]] == ["m", "n", "k"]
    columns = GEMM_COLUMNS if is_gemm else CONV_COLUMNS
    if not is_gemm and (len(header) < len(CONV_COLUMNS) or header[0].lower() != "layer name"):
        raise ScaleSimFileError(
            f"{path} line 1: not a SCALE-Sim topology header; expected "
            f"{', '.join(CONV_COLUMNS)} (conv) or {', '.join(GEMM_COLUMNS)} (GEMM)"
        )
    if not body:
        raise ScaleSimFileError(f"{path} has a header but no layers")
    layers = []
    for line, row in body:
        if len(row) < len(columns):
            raise ScaleSimFileError(
                f"{path} line {line}: {len(row)} cells, expected {len(columns)} "
                f"({', '.join(columns)})"
            )
        values = [
            _positive(path, line, col, cell)
            for col, cell in zip(columns[1:], row[1 : len(columns)], strict=True)
        ]
        if is_gemm:
            layers.append(TopologyLayer(row[0], gemm=(values[0], values[1], values[2])))
            continue
        conv = ConvShape(*values[: len(CONV_COLUMNS) - 1])
        for side, size, filt in (
            ("Height", conv.height, conv.filter_height),
            ("Width", conv.width, conv.filter_width),
        ):
            if filt > size:
                raise ScaleSimFileError(
                    f"{path} line {line}: Filter {side} {filt} is larger than IFMAP {side} {size}"
                )
        layers.append(TopologyLayer(row[0], conv=conv))
    names = [layer.name for layer in layers]
    dup = next((n for n in names if names.count(n) > 1), None)
    if dup is not None:
        raise ScaleSimFileError(f"{path}: layer name {dup!r} appears more than once")
    return tuple(layers)


def _trimmed(row: list[str]) -> list[str]:
    """The row without the empty cells that trailing commas leave."""
    while row and row[-1] == "":
        row = row[:-1]
    return row


def _positive(path: Path, line: int, column: str, cell: str) -> int:
    try:
        v = int(cell)
    except ValueError:
        v = 0
    if v < 1:
        raise ScaleSimFileError(
            f"{path} line {line}: {column} must be a positive integer, not {cell!r}"
        )
    return v


def read_config(path: str | Path | None) -> ScaleSimConfig:
    """The array and dataflow of a SCALE-Sim .cfg file (SCALE-Sim's defaults when None)."""
    if path is None:
        return ScaleSimConfig("scale_run", DEFAULT_ROWS, DEFAULT_COLS, DEFAULT_DATAFLOW)
    path = Path(path)
    if not path.is_file():
        raise ScaleSimFileError(f"config file {str(path)!r} does not exist")
    parser = configparser.ConfigParser(inline_comment_prefixes=("#", ";"))
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keep keys' case for messages
    try:
        parser.read(path)
    except (configparser.Error, UnicodeDecodeError) as e:
        first = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise ScaleSimFileError(f"{path} is not a SCALE-Sim config file: {first}") from None
    section = "architecture_presets"
    if not parser.has_section(section):
        raise ScaleSimFileError(f"{path}: no [{section}] section")
    arch = {k.lower(): v.strip() for k, v in parser[section].items()}

    def dim(key: str) -> int:
        if key.lower() not in arch:
            raise ScaleSimFileError(f"{path}: [{section}] has no {key}")
        cell = arch[key.lower()]
        if not cell.isdigit() or not 1 <= int(cell) <= MAX_ARRAY_DIM:
            raise ScaleSimFileError(
                f"{path}: [{section}] {key} must be an integer from 1 to {MAX_ARRAY_DIM}, "
                f"not {cell!r}"
            )
        return int(cell)

    rows, cols = dim("ArrayHeight"), dim("ArrayWidth")
    flow = arch.get("dataflow", DEFAULT_DATAFLOW.value).lower()
    try:
        dataflow = Dataflow(flow)
    except ValueError:
        names = ", ".join(d.value for d in Dataflow)
        raise ScaleSimFileError(
            f"{path}: [{section}] Dataflow must be one of {names}, not {flow!r}"
        ) from None
    run_name = parser.get("general", "run_name", fallback=path.stem).strip() or path.stem
    ignored = tuple(
        f"[{s}] {key}"
        for s in parser.sections()
        for key in parser[s]
        if key.lower() not in USED_KEYS.get(s, set())
    )
    return ScaleSimConfig(run_name, rows, cols, dataflow, ignored)
