"""The energy and area model: table loading, scaling, overrides, hand-computed figures, and the
published TPU v1 and the RTL's cell counts as outside checks."""

from __future__ import annotations

import math

import pytest

from chip import energy
from chip.config import ChipConfig, Dataflow, preset_names
from chip.counters import Counters
from chip.energy import Block
from chip.footprint import Action

TINY = ChipConfig.from_toml("tiny")  # 4x4 int8 WS, 45 nm
TPU = ChipConfig.from_toml("tpu-v1")  # 256x256 int8 WS, 28 nm


def test_every_preset_names_a_table_and_every_table_has_every_entry():
    for name in energy.technology_names():
        table = energy.load_technology(name)
        assert set(table.values) == set(energy.OVERRIDABLE)
    assert TINY.technology == "45nm" and TPU.technology == "28nm"


def test_28nm_is_45nm_scaled_with_dram_and_ratios_kept():
    t45, t28 = energy.load_technology("45nm"), energy.load_technology("28nm")
    assert t28["mac_int8"] == pytest.approx(t45["mac_int8"] * 0.622)
    assert t28["pe_bf16_um2"] == pytest.approx(t45["pe_bf16_um2"] * 0.387)
    assert t28["sram_kib_mm2"] == pytest.approx(t45["sram_kib_mm2"] * 0.387)
    assert t28["dram_byte"] == t45["dram_byte"]
    assert t28["logic_utilization"] == t45["logic_utilization"]
    assert t28["sram_1r1w_factor"] == t45["sram_1r1w_factor"] == 1.98
    assert t28["watts_per_mm2"] == t45["watts_per_mm2"]


def test_energy_per_action_by_hand_on_tiny():
    # tiny: 4x4 int8 WS, double-buffered; 45 nm figures straight from chip/tech/45nm.toml.
    per = {a: v * 1e12 for a, v in energy.energy_per_action(TINY).items()}  # pJ
    assert per[Action.MAC] == pytest.approx(0.3)
    # registers per PE: a, b (8 bits each), the weight's shadow copy (8), the int32 sum (32),
    # and a 16th of the skew lines: 1 + 2 + 3 stages of 8 bits west, 3 + 2 + 1 of 32 bits south
    assert per[Action.PE_SLOT] == pytest.approx((56 + (6 * 8 + 6 * 32) / 16) * 0.00375)
    assert per[Action.PE_SLOT] == pytest.approx(71 * 0.00375)
    bank = TINY.spad_kib * 1024 / TINY.spad_banks
    e64 = 10.0 * (bank / 8192) ** (math.log(10) / math.log(128))
    assert per[Action.SPAD_READ_BYTE] == pytest.approx(e64 / 8)
    assert per[Action.DRAM_WRITE_BYTE] == pytest.approx(162.5)
    assert per[Action.VEC_SPECIAL] == pytest.approx(18.4)
    assert per[Action.TOKEN_POP] == pytest.approx(0.1)
    area = energy.area_of(TINY)
    # 16 PEs of 56 register bits, the west skew (1 + 2 + 3 stages of 8 bits) and the south
    # de-skew (3 + 2 + 1 stages of 32 bits)
    ff_bits = 16 * 56 + 6 * 8 + 6 * 32
    assert energy.array_register_bits(TINY) == ff_bits == 1136
    # logic over ORFS's median placement density on Nangate 45 nm, 57.5%
    assert area.blocks[Block.ARRAY] == pytest.approx((16 * 419.0 + ff_bits * 4.522) * 1e-6 / 0.575)
    # one lane with the special functions, three without at 0.322 of one (docs/energy.md)
    assert TINY.special_lanes == 1
    assert area.blocks[Block.VECTOR] == pytest.approx((1 + 3 * 0.322) * 11884.0 * 1e-6 / 0.575)
    # two-port banks: 1.98 x the single-port 0.005669 mm^2 per KiB
    assert area.blocks[Block.SCRATCHPAD] == pytest.approx(TINY.spad_kib * 0.005669 * 1.98)
    assert area.blocks[Block.ACCUMULATOR] == pytest.approx(TINY.acc_kib * 0.005669 * 1.98)
    # 0.4 GB/s of DRAM is one DDR3-2133 channel's 107 pins; 16 PCIe lanes, each a TX and an RX
    assert area.blocks[Block.DRAM_IO] == pytest.approx(3.365)
    assert area.blocks[Block.HOST_IO] == pytest.approx(16 * (0.23 + 0.14))
    core = sum(area.blocks[b] for b in Block if b not in (Block.DRAM_IO, Block.HOST_IO))
    assert area.core_mm2 == pytest.approx(core)
    assert area.total_mm2 == pytest.approx(core + 3.365 + 16 * 0.37)
    # the I/O circuits do not leak at the core's density
    leak_w = core * 0.018
    assert energy.leakage_per_cycle_j(TINY) == pytest.approx(leak_w / (TINY.clock_mhz * 1e6))


def test_lanes_without_the_special_functions_cost_the_stated_fraction_of_a_lane():
    # 16 lanes, every one with the special functions; the 45 nm table's figures by hand
    edge = ChipConfig.from_toml("edge").replace(technology="45nm")
    one = edge.replace(vector_special_lanes=1)
    assert energy.table_of(edge)["vector_basic_lane_fraction"] == 0.322
    lane = 11884.0 * 1e-6 / 0.575  # mm^2 of a lane with the special functions
    full, reduced = energy.area_of(edge), energy.area_of(one)
    assert full.blocks[Block.VECTOR] == pytest.approx(16 * lane)
    assert reduced.blocks[Block.VECTOR] == pytest.approx((1 + 15 * 0.322) * lane)
    saved = 15 * (1 - 0.322) * lane
    assert full.total_mm2 - reduced.total_mm2 == pytest.approx(saved)
    assert all(full.blocks[b] == reduced.blocks[b] for b in Block if b is not Block.VECTOR)
    # less area leaks less in every cycle, at the core's density
    leak = energy.leakage_per_cycle_j(edge) - energy.leakage_per_cycle_j(one)
    assert leak == pytest.approx(saved * 0.018 / (edge.clock_mhz * 1e6))
    assert energy.busy_power_w(edge) - energy.busy_power_w(one) == pytest.approx(saved * 0.018)
    # an element of a special function costs the same on either chip: the timing contract
    # charges its passes of fewer lanes in cycles, not in energy per element
    assert energy.energy_per_action(one) == energy.energy_per_action(edge)
    # every lane named explicitly is the default; a fraction of 1 prices lanes as before
    assert energy.area_of(edge.replace(vector_special_lanes=16)) == full
    same = one.replace(energy_overrides=(("vector_basic_lane_fraction", 1.0),))
    assert energy.area_of(same).total_mm2 == pytest.approx(full.total_mm2)


def test_presets_with_every_lane_special_price_every_lane_in_full():
    for name in preset_names():
        cfg = ChipConfig.from_toml(name)
        if cfg.vector_special_lanes is not None:
            continue
        t = energy.table_of(cfg)
        want = cfg.vector_lanes * t["vector_lane_um2"] * 1e-6 / t["logic_utilization"]
        assert energy.area_of(cfg).blocks[Block.VECTOR] == want  # bit for bit


def test_io_blocks_follow_the_bandwidth_and_lane_overrides():
    # CACTI-IO's area per pin (extio.cc) with its DDR3 coefficients (extio_technology.cc) at
    # DDR3-2133's 1066.67 MHz bus and 34-ohm drivers, times a 64-bit channel's 107 pins: the
    # table's figure, the same at every node
    f, ron = 2133.33 / 2, 34
    pin = 0.01 + 0.5 / ron + (0.00015 * f + 0.045e-6 * f**2 + 0.015e-9 * f**3) / ron
    for tech in ("45nm", "28nm"):
        assert energy.load_technology(tech)["dram_channel_io_mm2"] == pytest.approx(
            107 * pin, rel=1e-3
        )

    def io(cfg):
        blocks = energy.area_of(cfg).blocks
        return energy.dram_channels(cfg), blocks[Block.DRAM_IO], blocks[Block.HOST_IO]

    # tpu-v1: 48 bytes/cycle at 700 MHz = 33.6 GB/s, two channels
    assert io(TPU) == (2, pytest.approx(6.73), pytest.approx(5.92))
    # one byte per cycle more than two channels carry needs a third
    three = TPU.replace(dram_bytes_per_cycle=49)
    assert three.dram_gbytes_per_s > 2 * 17.067
    assert io(three)[:2] == (3, pytest.approx(3 * 3.365))
    # a chip TOML can name another interface and link width
    hbm = TPU.replace(
        energy_overrides=(
            ("dram_channel_gbytes_per_s", 128.0),
            ("dram_channel_io_mm2", 13.75),
            ("host_lanes", 4.0),
        )
    )
    assert io(hbm) == (1, pytest.approx(13.75), pytest.approx(4 * 0.37))
    # I/O area changes the die, not the leakage
    assert energy.leakage_per_cycle_j(hbm) == energy.leakage_per_cycle_j(TPU)


def test_sram_energy_passes_through_both_published_points():
    t = energy.load_technology("45nm")
    assert energy.sram_pj_per_byte(t, 8 * 1024) * 8 == pytest.approx(10.0)
    assert energy.sram_pj_per_byte(t, 1024 * 1024) * 8 == pytest.approx(100.0)
    # Horowitz lists 20 pJ at 32 KB; the power law gives 19.3
    assert energy.sram_pj_per_byte(t, 32 * 1024) * 8 == pytest.approx(20.0, rel=0.05)


def test_energy_of_counters_is_counts_times_prices_plus_leakage():
    c = Counters(cycles=10, macs=1000, useful_macs=800)  # 200 MACs of padding
    c.actions[Action.MAC] = 1000
    c.actions[Action.DRAM_READ_BYTE] = 64
    e = energy.energy_of(c, TINY)
    per = energy.energy_per_action(TINY)
    leak = 10 * energy.leakage_per_cycle_j(TINY)
    assert e.by_action["mac"] == pytest.approx(1000 * per[Action.MAC])
    assert e.by_action["spad_read_byte"] == 0
    assert e.total_j == pytest.approx(1000 * per[Action.MAC] + 64 * 162.5e-12 + leak)
    assert e.by_unit == pytest.approx(
        {
            "control": 0.0,
            "array": 1000 * per[Action.MAC],
            "scratchpad": 0.0,
            "accumulator": 0.0,
            "dram": 64 * 162.5e-12,
            "vector": 0.0,
            "leakage": leak,
        }
    )
    seconds = 10 / (TINY.clock_mhz * 1e6)
    assert energy.average_power_w(c, TINY) == pytest.approx(e.total_j / seconds)
    # TOPS/W counts the network's operations; the padding's energy is paid all the same
    assert energy.tops_per_watt(c, TINY) == pytest.approx(2 * 800 / e.total_j / 1e12)


def test_overrides_round_trip_through_toml_and_change_the_price(tmp_path):
    cfg = TPU.replace(energy_overrides=(("dram_byte", 20.0),))
    path = tmp_path / "chip.toml"
    path.write_text(cfg.to_toml())
    back = ChipConfig.from_toml(path)
    assert back == cfg
    assert energy.energy_per_action(back)[Action.DRAM_READ_BYTE] == pytest.approx(20e-12)
    assert energy.energy_per_action(TPU)[Action.DRAM_READ_BYTE] == pytest.approx(162.5e-12)


@pytest.mark.parametrize(
    "section, message",
    [
        ('technology = "7nm"', "unknown technology '7nm'"),
        ("mac_int4 = 1.0", "unknown energy/area entry 'mac_int4'"),
        ("dram_byte = -1.0", "dram_byte = -1.0 must be a finite number >= 0"),
        ('dram_byte = "cheap"', "[energy] dram_byte = 'cheap' must be a number"),
        ("logic_utilization = 1.5", "logic_utilization = 1.5 must be in (0, 1]"),
        ("vector_basic_lane_fraction = 0", "vector_basic_lane_fraction = 0.0 must be in (0, 1]"),
        ("host_lanes = 2.5", "host_lanes = 2.5 must be a whole number"),
        ("dram_channel_gbytes_per_s = 0", "dram_channel_gbytes_per_s = 0.0 must be > 0"),
    ],
)
def test_bad_energy_tables_are_refused_naming_the_entry(tmp_path, section, message):
    text = TINY.to_toml().split("[energy]")[0] + "[energy]\n" + section + "\n"
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ValueError) as err:
        ChipConfig.from_toml(path)
    assert message in str(err.value)


def test_tpu_v1_busy_power_within_2x_of_the_published_40_watts():
    # Jouppi et al., ISCA 2017: 40 W busy, 28 W idle for the TPU die at 700 MHz, 92 TOPS.
    watts = energy.busy_power_w(TPU)
    assert 20 <= watts <= 80
    assert energy.peak_tops_per_watt(TPU) == pytest.approx(TPU.peak_tops / watts)


def test_tpu_v1_area_is_dominated_by_its_buffers_and_array_as_published():
    # Jouppi et al.: the unified buffer and the matrix unit are the two largest blocks of the
    # die (29% and 24% of it), with the accumulators next.
    blocks = energy.area_of(TPU).blocks
    ranked = sorted(blocks, key=blocks.get, reverse=True)
    assert ranked[:3] == [Block.SCRATCHPAD, Block.ARRAY, Block.ACCUMULATOR]


def test_tpu_v1_buffers_match_their_published_floor_plan_shares():
    # Jouppi et al., Figure 2: the 24 MiB unified buffer is 29% and the 4 MiB of accumulators 6%
    # of a die of at most 331 mm^2 (Table 2: no more than half of Haswell's 662 mm^2).
    blocks = energy.area_of(TPU).blocks
    assert blocks[Block.SCRATCHPAD] == pytest.approx(0.29 * 331, rel=0.25)
    assert blocks[Block.ACCUMULATOR] == pytest.approx(0.06 * 331, rel=0.25)
    # its I/O (DDR3 ports, PCIe, host interface) is 10% of the die: the modelled pads and
    # front ends, without the PHYs' logic, come to 38% of that share
    io = blocks[Block.DRAM_IO] + blocks[Block.HOST_IO]
    assert io == pytest.approx(12.65, abs=0.01) and io < 0.10 * 331


def test_tpu_v1_die_area_within_2x_of_the_published_bound():
    # Jouppi et al., ISCA 2017: a 28 nm die under 331 mm^2. The model: 173 mm^2, 0.52x.
    total = energy.area_of(TPU).total_mm2
    assert total == pytest.approx(173.1, abs=0.1)
    assert 331 / 2 <= total < 331


@pytest.mark.slow
def test_array_area_grows_like_the_rtl_cell_counts():
    # The RTL's array, priced with the same table (multipliers, adders, flip-flop bits as Yosys
    # counts them), must grow from 4x4 to 8x8 to 16x16 as the area model's array does.
    from chip.hdl.export import yosys_stat

    t = energy.load_technology(TINY.technology)
    add_um2 = 137.0  # [H14] 32-bit int add, as in 45nm.toml's pe_int8_um2
    mul_um2 = t["pe_int8_um2"] - add_um2
    rtl, model = [], []
    for n in (4, 8, 16):
        cfg = TINY.replace(rows=n, cols=n)
        s = yosys_stat(cfg)["array"]
        # The model counts every flip-flop of the RTL's array; synthesis drops the registers whose
        # value goes nowhere or is constant: the top row's partial-sum register (its input is 0)
        # and the right column's operand register (nothing reads it).
        assert energy.array_register_bits(cfg) - s["ff_bits"] == n * 32 + n * 8
        rtl.append(s["$mul"] * mul_um2 + s["$add"] * add_um2 + s["ff_bits"] * t["register_bit_um2"])
        model.append(energy.area_of(cfg).blocks[Block.ARRAY] * 1e6 * t["logic_utilization"])
    for i in (1, 2):
        assert rtl[i] / rtl[i - 1] == pytest.approx(model[i] / model[i - 1], rel=0.10)
    assert rtl[2] == pytest.approx(model[2], rel=0.10)


def test_array_register_bits_by_hand_for_each_dataflow():
    # 8x4 int8. WS without the double buffer: a, b (8 each) and the int32 sum per PE; west skew
    # 0 + 1 + ... + 7 = 28 stages of 8 bits, south de-skew 0 + 1 + 2 + 3 = 6 stages of 32 bits.
    ws = TINY.replace(rows=8, cols=4, double_buffer_stationary=False)
    assert energy.array_register_bits(ws) == 32 * 48 + 28 * 8 + 6 * 32
    # OS: a, b, the accumulator, the drain register and the valid and first bits per PE; the
    # west skew carries a, valid and first (28 stages of 10 bits), the north skew b (6 of 8).
    os_ = ws.replace(dataflow=Dataflow.OS)
    assert energy.array_register_bits(os_) == 32 * (8 + 8 + 32 + 32 + 2) + 28 * 10 + 6 * 8
    assert energy.register_bits_per_pe(os_) == 48  # the drain register is still while streaming


def test_energy_of_a_hand_written_program_priced_by_hand_and_equal_in_both_fidelities():
    from chip.isa import Load, Matmul, Preload, Store, Vec, VecOp, acc, sp
    from chip.machine import run_machine
    from tests.machine.helpers import chip4, program

    cfg = chip4()  # tiny, 45 nm: 4x4 int8 WS; 4 KiB scratchpad banks, 2 KiB accumulator banks
    prog = program(
        cfg,
        [
            Load(dram=0, dst=sp(0), rows=4, cols=4, stride=4, transpose=False, push_next=True),
            Preload(src=0, rows=4, cols=4, pop_prev=True),
            Matmul(x=0, y=0, out=0, t=4, rows=4, cols=4, accumulate=False),
            Vec(
                op=VecOp.RELU,
                dst=acc(0),
                src1=acc(0),
                src2=acc(0),
                rows=4,
                cols=4,
                bcast1=False,
                bcast2=False,
                imm=0.0,
                push_next=True,
            ),
            Store(dram=64, src=acc(0), rows=4, cols=4, stride=16, transpose=False, pop_prev=True),
        ],
    )
    fast, pe = run_machine(prog, "fast"), run_machine(prog, "pe")
    e_fast, e_pe = energy.energy_of(fast.counters, cfg), energy.energy_of(pe.counters, cfg)
    assert e_fast == e_pe and fast.counters.cycles == pe.counters.cycles

    def sram_pj_per_byte(bank_bytes: float) -> float:  # 45nm.toml's two points, per byte
        return 10.0 * (bank_bytes / 8192) ** (math.log(100 / 10) / math.log(128)) / 8

    spad_bytes = 16 + 16 + 16  # load writes 4x4 int8; preload and matmul read 4x4 each
    acc_bytes = 64 + 64 + 64 + 64  # matmul writes 4x4 int32, relu reads and writes, store reads
    pj = (
        5 * 10.0  # five instructions issued (halt is not)
        + 64 * 0.3  # 4x4x4 int8 MACs
        + 64 * 71 * 0.00375  # 4 cycles x 16 PEs, 56 register bits each and 15 of skew lines
        + spad_bytes * sram_pj_per_byte(4096)
        + acc_bytes * sram_pj_per_byte(2048)
        + (16 + 64) * 162.5  # DRAM: 16 bytes loaded, 64 stored
        + 16 * 0.9  # 16 relu element operations (alu class)
        + 4 * 0.1  # two tokens pushed, two popped
    )
    leakage = fast.counters.cycles * energy.leakage_per_cycle_j(cfg)
    assert e_fast.total_j == pytest.approx(pj * 1e-12 + leakage, rel=1e-12)
    assert e_fast.by_unit["dram"] == pytest.approx(80 * 162.5e-12)


def _gemm_program(cfg: ChipConfig, t: int, tiles: int):
    """t rows of A (K = rows) loaded once, then ``tiles`` weight tiles of rows x cols, each
    loaded, preloaded and streamed against every row of A: the reuse of a convolution's GEMM."""
    from chip.isa import Load, Matmul, Preload, sp
    from tests.machine.helpers import program

    r, c = cfg.rows, cfg.cols
    ins = [Load(dram=0, dst=sp(0), rows=t + r, cols=r, stride=r, transpose=False, push_next=True)]
    for k in range(tiles):
        if k:
            base = (t + k * r) * r
            ins.append(
                Load(
                    dram=base,
                    dst=sp(t),
                    rows=r,
                    cols=c,
                    stride=r,
                    transpose=False,
                    pop_next=True,
                    push_next=True,
                )
            )
        ins.append(Preload(src=t, rows=r, cols=c, pop_prev=True, push_prev=k < tiles - 1))
        ins.append(Matmul(x=0, y=0, out=0, t=t, rows=r, cols=c, accumulate=k > 0))
    return program(cfg, ins)


@pytest.mark.parametrize("t, tiles, dominant", [(2048, 8, "array"), (1, 8, "dram")])
def test_compute_bound_gemm_spends_most_in_the_array_and_a_batch1_layer_in_dram(t, tiles, dominant):
    # The literature's picture (Horowitz 2014; Jouppi et al. 2017): with operands reused from
    # on-chip buffers, the MACs cost most; a batch-1 fully connected layer, which touches
    # each weight once, is paid for by DRAM.
    from chip.machine import run_machine

    cfg = TPU.replace(dram_mib=16)
    counters = run_machine(_gemm_program(cfg, t, tiles), "fast").counters
    by_unit = energy.energy_of(counters, cfg).by_unit
    assert max(by_unit, key=by_unit.get) == dominant, by_unit
