"""Import an ONNX model, run it on the simulated chip, and compare with onnxruntime.

The model (built here with `onnx.helper`, so the example needs no download) is a small
classifier for 8x8 digits: Flatten -> Gemm -> Relu -> Gemm -> Softmax. It is compiled for the
`edge` chip twice, with fp32 and with bf16 inputs, and run on the cycle-level machine on 32
real digits; the same model runs in onnxruntime on the same inputs.

Asserts (max |chip - onnxruntime| over all outputs):
- fp32 chip: <= 1e-5 (only the order of fp32 additions differs);
- bf16 chip: <= 1e-2 (inputs and weights rounded to 8 significant bits before the fp32 GEMM),
  and the predicted class agrees with onnxruntime on at least 31 of the 32 digits.

Then the model without its Softmax is quantized by onnxruntime itself (`quantize_static`,
QOperator int8, calibrated on 64 training digits) and compiled for the int8 `tpu-v1` chip with
no calibration of ours (compiler/onnx_quant.py): its int8 scores equal onnxruntime's bit for
bit, and so do the dequantized float scores.

Run: python examples/onnx_import.py [--keep FILE.onnx]
"""

from __future__ import annotations

import argparse
import logging
import tempfile
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper
from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static

from chip.config import ChipConfig
from chip.dtypes import DType
from compiler import compile_onnx
from compiler.onnx_quant_host import quant_io
from runtime.backend import Backend
from runtime.data import load_digits

BATCH = 32
TOLERANCE = {DType.FP32: 1e-5, DType.BF16: 1e-2}


def build_model(path: Path, softmax: bool = True) -> None:
    rng = np.random.default_rng(0)
    w1 = (rng.standard_normal((64, 48)) * 0.3).astype(np.float32)
    w2 = (rng.standard_normal((48, 10)) * 0.3).astype(np.float32)
    b1 = (rng.standard_normal(48) * 0.1).astype(np.float32)
    b2 = (rng.standard_normal(10) * 0.1).astype(np.float32)
    nodes = [
        helper.make_node("Flatten", ["image"], ["flat"], axis=1),
        helper.make_node("Gemm", ["flat", "w1", "b1"], ["h"]),
        helper.make_node("Relu", ["h"], ["hr"]),
        helper.make_node("Gemm", ["hr", "w2", "b2"], ["scores"]),
        helper.make_node("Softmax", ["scores"], ["probs"], axis=-1),
    ][: None if softmax else -1]
    output = "probs" if softmax else "scores"
    graph = helper.make_graph(
        nodes,
        "digits_mlp",
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, [BATCH, 1, 8, 8])],
        [helper.make_tensor_value_info(output, TensorProto.FLOAT, [BATCH, 10])],
        [
            numpy_helper.from_array(a, n)
            for n, a in (("w1", w1), ("b1", b1), ("w2", w2), ("b2", b2))
        ],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    onnx.checker.check_model(model)
    onnx.save(model, path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", type=Path, default=None, help="also save the ONNX model here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = args.keep or Path(tmp) / "digits_mlp.onnx"
        build_model(path)
        images = load_digits().x_test[:BATCH].reshape(BATCH, 1, 8, 8).astype(np.float32)
        expected = ort.InferenceSession(str(path)).run(None, {"image": images})[0]
        for dtype in (DType.FP32, DType.BF16):
            chip = ChipConfig.from_toml("edge").replace(input_dtype=dtype)
            program = compile_onnx(path, chip, batch=BATCH)
            backend = Backend(program, "fast")
            (x_name,) = backend.inputs
            x = images.reshape(backend.inputs[x_name].shape)
            result = backend.run({x_name: x})
            (got,) = result.outputs.values()
            err = float(np.abs(got - expected).max())
            agree = int((got.argmax(1) == expected.argmax(1)).sum())
            print(
                f"{dtype.value}: {len(program.instrs)} instructions, {result.work.cycles:,} "
                f"cycles, max |chip - onnxruntime| = {err:.3g}, same class {agree}/{BATCH}"
            )
            assert err <= TOLERANCE[dtype], f"{dtype.value}: error {err} > {TOLERANCE[dtype]}"
            if dtype is DType.BF16:
                assert agree >= BATCH - 1, f"bf16 agrees on only {agree} of {BATCH} classes"
        run_quantized(Path(tmp), images)
    print("OK")


class _Digits(CalibrationDataReader):
    """64 training digits, in batches of BATCH, for onnxruntime's min-max calibration."""

    def __init__(self) -> None:
        x = load_digits().x_train[: 2 * BATCH].reshape(2, BATCH, 1, 8, 8).astype(np.float32)
        self._batches = iter([{"image": b} for b in x])

    def get_next(self) -> dict | None:
        return next(self._batches, None)


def run_quantized(tmp: Path, images: np.ndarray) -> None:
    """The model quantized by onnxruntime, on the int8 tpu-v1 chip vs onnxruntime."""
    float_path, path = tmp / "digits_scores.onnx", tmp / "digits_int8.onnx"
    build_model(float_path, softmax=False)
    logging.disable(logging.WARNING)  # the quantizer's advice to prefer QDQ on x64
    quantize_static(
        str(float_path),
        str(path),
        _Digits(),
        quant_format=QuantFormat.QOperator,
        activation_type=QuantType.QInt8,
        weight_type=QuantType.QInt8,
    )
    logging.disable(logging.NOTSET)
    model = onnx.load(path)
    (dequant,) = [n for n in model.graph.node if n.op_type == "DequantizeLinear"]
    model.graph.output.append(
        helper.make_tensor_value_info(dequant.input[0], TensorProto.INT8, None)
    )
    want_real, want_int = ort.InferenceSession(model.SerializeToString()).run(
        None, {"image": images}
    )
    program = compile_onnx(path, ChipConfig.from_toml("tpu-v1"))
    io = quant_io(path)
    result = Backend(program, "fast").run(io.quantize_inputs({"image": images}))
    got_int = result.outputs["scores"]
    got_real = io.dequantize({"scores": got_int})["scores"]
    ops = sorted({n.op_type for n in model.graph.node})
    same = int((got_int == want_int).sum())
    print(
        f"int8 (onnxruntime-quantized: {', '.join(ops)}) on tpu-v1: {len(program.instrs)} "
        f"instructions, {result.work.cycles:,} cycles, {same}/{got_int.size} int8 scores "
        "equal to onnxruntime's"
    )
    assert np.array_equal(got_int, want_int), "int8 scores differ from onnxruntime's"
    assert np.array_equal(got_real, want_real), "dequantized scores differ from onnxruntime's"


if __name__ == "__main__":
    main()
