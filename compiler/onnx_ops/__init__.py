"""ONNX op handlers by meaning; `compiler.onnx_import` lists them in its one table."""
