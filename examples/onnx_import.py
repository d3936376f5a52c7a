"""Import an ONNX model, run it on the simulated chip, and compare with onnxruntime.

The model (built here with `onnx.helper`, so the example needs no download) is a small
classifier for 8x8 digits: Flatten -> Gemm -> Relu -> Gemm -> Softmax. It is compiled for the
`edge` chip twice, with fp32 and with bf16 inputs, and run on the cycle-level machine on 32
real digits; the same model runs in onnxruntime on the same inputs.

Asserts (max |chip - onnxruntime| over all outputs):
- fp32 chip: <= 1e-5 (only the order of fp32 additions differs);
- bf16 chip: <= 1e-2 (inputs and weights rounded to 8 significant bits before the fp32 GEMM),
  and the predicted class agrees with onnxruntime on at least 31 of the 32 digits.

Run: python examples/onnx_import.py [--keep FILE.onnx]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

from chip.config import ChipConfig
from chip.dtypes import DType
from compiler import compile_onnx
from runtime.backend import Backend
from runtime.data import load_digits

BATCH = 32
TOLERANCE = {DType.FP32: 1e-5, DType.BF16: 1e-2}


def build_model(path: Path) -> None:
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
    ]
    graph = helper.make_graph(
        nodes, "digits_mlp",
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, [BATCH, 1, 8, 8])],
        [helper.make_tensor_value_info("probs", TensorProto.FLOAT, [BATCH, 10])],
        [numpy_helper.from_array(a, n) for n, a in
         (("w1", w1), ("b1", b1), ("w2", w2), ("b2", b2))])
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
            print(f"{dtype.value}: {len(program.instrs)} instructions, {result.work.cycles:,} "
                  f"cycles, max |chip - onnxruntime| = {err:.3g}, same class {agree}/{BATCH}")
            assert err <= TOLERANCE[dtype], f"{dtype.value}: error {err} > {TOLERANCE[dtype]}"
            if dtype is DType.BF16:
                assert agree >= BATCH - 1, f"bf16 agrees on only {agree} of {BATCH} classes"
    print("OK")


if __name__ == "__main__":
    main()
