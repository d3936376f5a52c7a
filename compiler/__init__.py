"""Network graphs lowered to tiled instruction streams for one ChipConfig."""

from compiler.compile import compile, compile_lowered, compile_onnx
from compiler.torch_export import from_torch

__all__ = ["compile", "compile_lowered", "compile_onnx", "from_torch"]
