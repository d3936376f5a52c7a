"""ONNX op handlers by meaning; `compiler.onnx_handlers` lists them in its one table."""
