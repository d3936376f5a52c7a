"""ONNX external data is checked by our rules before the onnx library reads it."""

from __future__ import annotations

import os

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from compiler import onnx_files
from compiler.onnx_files import OnnxFileError, load_onnx
from compiler.onnx_import import import_onnx

W = np.arange(12, dtype=np.float32).reshape(4, 3)


def _model(external: dict[str, str] | None) -> onnx.ModelProto:
    """y = x @ W, with W's bytes in an external file described by ``external``."""
    w = numpy_helper.from_array(W, "W")
    if external is not None:
        w.ClearField("raw_data")
        w.data_location = TensorProto.EXTERNAL
        for k, v in external.items():
            w.external_data.add(key=k, value=v)
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["x", "W"], ["y"])],
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 3])],
        [w],
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def _write(folder, external, data: bytes = W.tobytes()):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "w.bin").write_bytes(b"\0" * 8 + data)
    path = folder / "m.onnx"
    path.write_bytes(_model(external).SerializeToString())
    return path


def test_external_data_inside_the_folder_loads(tmp_path):
    path = _write(tmp_path / "m", {"location": "w.bin", "offset": "8", "length": "48"})
    model = load_onnx(path)
    assert np.array_equal(numpy_helper.to_array(model.graph.initializer[0]), W)
    assert import_onnx(path).nodes  # the importer goes through the same check


def test_location_in_a_subfolder_and_no_length(tmp_path):
    (tmp_path / "m" / "data").mkdir(parents=True)
    (tmp_path / "m" / "data" / "w.bin").write_bytes(W.tobytes())
    path = tmp_path / "m" / "m.onnx"
    path.write_bytes(_model({"location": "data/w.bin"}).SerializeToString())
    assert np.array_equal(numpy_helper.to_array(load_onnx(path).graph.initializer[0]), W)


@pytest.mark.parametrize(
    "external, rule",
    [
        ({"location": "../secret.bin"}, "leads outside the model's folder"),
        ({"location": "sub/../../secret.bin"}, "leads outside the model's folder"),
        ({"location": "SECRET_ABS"}, "must be a path relative to the model's folder"),
        ({"location": "C:\\secret.bin"}, "must be a path relative to the model's folder"),
        ({"location": "\\\\host\\share\\w.bin"}, "must be a path relative to the model's folder"),
        ({"location": "w.bin\0x"}, "must be a path relative to the model's folder"),
        ({}, "no 'location' is given"),
        ({"location": "missing.bin"}, "cannot be read"),
        ({"location": "."}, "is not a regular file"),
        ({"location": "w.bin", "offset": "-1"}, "offset must be non-negative, not -1"),
        ({"location": "w.bin", "offset": "x"}, "offset 'x' is not an integer"),
        ({"location": "w.bin", "offset": "8", "length": "49"}, "is past the end of 'w.bin'"),
        ({"location": "w.bin", "offset": "99999999999999999999"}, "is past the end"),
    ],
)
def test_bad_external_data_is_refused_naming_file_tensor_and_rule(tmp_path, external, rule):
    (tmp_path / "secret.bin").write_bytes(W.tobytes())
    if external.get("location") == "SECRET_ABS":
        external = {"location": str(tmp_path / "secret.bin")}
    path = _write(tmp_path / "m", external)
    with pytest.raises(OnnxFileError) as e:
        load_onnx(path)
    assert str(e.value).startswith(f"{path}: external data of tensor 'W': ")
    assert rule in str(e.value)
    with pytest.raises(OnnxFileError):
        import_onnx(path)


def test_a_symlink_leaving_the_folder_is_refused(tmp_path):
    (tmp_path / "secret.bin").write_bytes(W.tobytes())
    path = _write(tmp_path / "m", {"location": "link.bin"})
    os.symlink(tmp_path / "secret.bin", tmp_path / "m" / "link.bin")
    with pytest.raises(OnnxFileError, match="'link.bin' leads outside the model's folder"):
        load_onnx(path)


def test_total_external_data_is_capped(tmp_path, monkeypatch):
    path = _write(tmp_path / "m", {"location": "w.bin", "offset": "8"})
    monkeypatch.setattr(onnx_files, "MAX_EXTERNAL_BYTES", 47)
    with pytest.raises(OnnxFileError, match="exceeds the limit of 47 bytes"):
        load_onnx(path)
    monkeypatch.setattr(onnx_files, "MAX_EXTERNAL_BYTES", 48)
    assert load_onnx(path).graph.initializer[0].raw_data == W.tobytes()


def test_tensors_in_node_attributes_are_checked_too(tmp_path):
    model = _model(None)
    t = numpy_helper.from_array(W, "C")
    t.ClearField("raw_data")
    t.data_location = TensorProto.EXTERNAL
    t.external_data.add(key="location", value="../secret.bin")
    model.graph.node.append(helper.make_node("Constant", [], ["c"], value=t))
    (tmp_path / "m").mkdir()
    path = tmp_path / "m" / "m.onnx"
    path.write_bytes(model.SerializeToString())
    with pytest.raises(OnnxFileError, match="tensor 'C'.*leads outside"):
        load_onnx(path)


def test_the_cli_reports_it_on_one_line(tmp_path, capsys):
    from runtime.cli import main

    path = _write(tmp_path / "m", {"location": "../secret.bin"})
    code = main(["compile", str(path), "-o", str(tmp_path / "p.prog")])
    err = capsys.readouterr().err
    assert code == 1 and err.count("\n") == 1, err
    assert "leads outside the model's folder" in err
    assert not (tmp_path / "p.prog").exists()
