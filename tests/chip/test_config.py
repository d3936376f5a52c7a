import tomllib

import pytest

from chip.config import ChipConfig, Dataflow, preset_names
from chip.dtypes import DType


@pytest.mark.parametrize("name", ["tiny", "edge", "tpu-v1", "train-128"])
def test_every_preset_loads_and_round_trips(name):
    cfg = ChipConfig.from_toml(name)
    assert cfg.name == name
    assert ChipConfig.from_dict(tomllib.loads(cfg.to_toml())) == cfg


def test_presets_listed():
    assert {"tiny", "edge", "tpu-v1", "train-128"} <= set(preset_names())


def test_tpu_v1_published_figures():
    cfg = ChipConfig.from_toml("tpu-v1")
    assert (cfg.rows, cfg.cols, cfg.dataflow, cfg.input_dtype) == (
        256,
        256,
        Dataflow.WS,
        DType.INT8,
    )
    assert cfg.acc_dtype is DType.INT32
    assert cfg.spad_kib == 24 * 1024 and cfg.acc_kib == 4 * 1024
    assert cfg.peak_tops == pytest.approx(91.75, abs=0.01)  # published: 92 TOPS
    assert cfg.dram_gbytes_per_s == pytest.approx(34, abs=0.5)


def test_derived_figures():
    cfg = ChipConfig.from_toml("edge")
    assert cfg.acc_dtype is DType.FP32
    assert cfg.row_elems == 16 and cfg.spad_row_bytes == 32 and cfg.acc_row_bytes == 64
    assert cfg.spad_rows == 256 * 1024 // 32
    assert cfg.spad_addr_bits == 13
    assert cfg.peak_macs_per_cycle == 256
    assert cfg.seconds(1000) == pytest.approx(1e-6)


@pytest.mark.parametrize(
    "change, message",
    [
        ({"rows": 0}, "rows must be between 1 and 256, not 0"),
        ({"cols": 300}, "cols must be between 1 and 256, not 300"),
        ({"spad_banks": 3}, "spad_banks must be a power of two, not 3"),
        ({"acc_kib": 0}, "acc_kib must be at least 1, not 0"),
        ({"dram_bytes_per_cycle": 0}, "dram_bytes_per_cycle must be at least 1, not 0"),
        ({"dram_latency": -1}, "dram_latency must not be negative, not -1"),
        ({"clock_mhz": 0.0}, "clock_mhz must be a positive number, not 0.0"),
        ({"input_dtype": DType.INT32}, "input_dtype must be int8, bf16 or fp32, not 'int32'"),
        ({"dram_mib": 8192}, "dram_mib must be between 1 and 4096"),
        ({"rows": True}, "rows must be of type int, not True"),
        ({"spad_kib": 1024 * 1024}, "spad_kib gives 33554432 rows; the ISA addresses at most"),
    ],
)
def test_invalid_configs_name_field_value_and_rule(change, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        ChipConfig.from_toml("edge").replace(**change)


def test_unknown_preset_and_fields(tmp_path):
    with pytest.raises(ValueError, match="unknown chip 'nope'.*tiny"):
        ChipConfig.from_toml("nope")
    bad = tmp_path / "bad.toml"
    bad.write_text(ChipConfig.from_toml("tiny").to_toml().replace("[array]", "[array]\nfoo = 1"))
    with pytest.raises(ValueError, match="unknown field 'foo' in \\[array\\]"):
        ChipConfig.from_toml(bad)
    bad.write_text("name = 'x'\n[array]\nrows = 4\n")
    with pytest.raises(ValueError, match="missing field"):
        ChipConfig.from_toml(bad)
    bad.write_text("name = [")
    with pytest.raises(ValueError, match="not valid TOML"):
        ChipConfig.from_toml(bad)


def test_dataflow_parse_error():
    d = ChipConfig.from_toml("tiny").to_dict()
    d["array"]["dataflow"] = "rs"
    with pytest.raises(ValueError, match="dataflow 'rs' must be one of ws, os, is"):
        ChipConfig.from_dict(d)
    # the message names the file the bad value came from, like every other field error
    with pytest.raises(ValueError, match="^chip.toml: dataflow 'rs' must be one of"):
        ChipConfig.from_dict(d, where="chip.toml")


def test_input_dtype_parse_error_names_the_file():
    d = ChipConfig.from_toml("tiny").to_dict()
    section = next(k for k, v in d.items() if isinstance(v, dict) and "input_dtype" in v)
    d[section]["input_dtype"] = "int4"
    with pytest.raises(
        ValueError, match="^chip.toml: input_dtype: unknown dtype 'int4'; expected one of int8"
    ):
        ChipConfig.from_dict(d, where="chip.toml")
