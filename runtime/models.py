"""What the command line can train and compile: zoo models, ONNX files, and their defaults.

The compiler is imported inside the functions that use it, so that commands which compile
nothing (``chips``, ``report``, ``disasm``) start without loading it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from chip.config import ChipConfig
from chip.dtypes import DType
from chip.program import Program, TensorRole

if TYPE_CHECKING:
    from compiler.ir import Graph
    from compiler.train import TrainSpec


class ModelError(ValueError):
    """A model that cannot be built or compiled (unknown name, or the compiler refusing it)."""


@dataclass(frozen=True)
class ModelDefaults:
    """Training settings that reach the accuracy target for a zoo model on digits."""

    epochs: int
    batch_size: int
    optimizer: str
    lr: float
    schedule: str
    fidelity: str = "fast"  # the CLI's --fidelity default (see runtime/train_cli.py)


# Zoo names the CLI accepts -> (compiler.zoo function name, training defaults or None).
ZOO: dict[str, tuple[str, ModelDefaults | None]] = {
    "mlp": (
        "mlp",
        ModelDefaults(epochs=12, batch_size=32, optimizer="momentum", lr=0.1, schedule="cosine"),
    ),
    "cnn": (
        "lenet",
        ModelDefaults(epochs=15, batch_size=32, optimizer="momentum", lr=0.05, schedule="cosine"),
    ),
    "lstm": (
        "lstm_classifier",
        ModelDefaults(epochs=8, batch_size=32, optimizer="adam", lr=0.02, schedule="cosine"),
    ),
    "gru": (
        "gru_classifier",
        ModelDefaults(epochs=8, batch_size=32, optimizer="adam", lr=0.02, schedule="cosine"),
    ),
    "rnn": (
        "rnn_classifier",
        ModelDefaults(epochs=10, batch_size=32, optimizer="adam", lr=0.01, schedule="cosine"),
    ),
    "transformer": (
        "transformer_classifier",
        ModelDefaults(epochs=4, batch_size=32, optimizer="adam", lr=0.005, schedule="cosine"),
    ),
    "alexnet-digits": (
        "alexnet_digits",
        ModelDefaults(epochs=6, batch_size=32, optimizer="adam", lr=0.003, schedule="cosine"),
    ),
    "vgg11-digits": (
        "vgg11_digits",
        ModelDefaults(epochs=6, batch_size=32, optimizer="adam", lr=0.001, schedule="cosine"),
    ),
    "resnet18": ("resnet18", None),
    "resnet50": ("resnet50", None),
    "alexnet": ("alexnet", None),
    "vgg11": ("vgg11", None),
    "encoder_block": ("transformer_encoder_block", None),
}
OPTIMIZERS = ("sgd", "momentum", "adam", "adamw", "rmsprop", "adagrad")
LOSSES = ("ce", "mse", "bce_logits", "bce")
# Optimizer options of the command line -> the optimizers they apply to.
OPTIMIZER_OPTIONS: dict[str, tuple[str, ...]] = {
    "weight_decay": OPTIMIZERS,
    "momentum": ("momentum", "rmsprop"),
    "nesterov": ("momentum",),
    "beta1": ("adam", "adamw"),
    "beta2": ("adam", "adamw"),
    "eps": ("adam", "adamw", "rmsprop", "adagrad"),
    "alpha": ("rmsprop",),
    "centered": ("rmsprop",),
    "lr_decay": ("adagrad",),
}
ONNX_DEFAULTS = ModelDefaults(
    epochs=10, batch_size=32, optimizer="momentum", lr=0.05, schedule="cosine"
)


def model_names() -> list[str]:
    return list(ZOO)


def is_onnx(model: str) -> bool:
    return model.lower().endswith(".onnx")


def defaults(model: str) -> ModelDefaults:
    if is_onnx(model):
        return ONNX_DEFAULTS
    entry = ZOO.get(model)
    if entry is None:
        raise ModelError(
            f"unknown model {model!r}; expected one of {', '.join(ZOO)} or a .onnx file"
        )
    if entry[1] is None:
        raise ModelError(
            f"model {model!r} is not trainable on digits here; train one of "
            f"{', '.join(k for k, v in ZOO.items() if v[1] is not None)}"
        )
    return entry[1]


def forward_graph(
    model: str, batch: int | None, bind: Mapping[str, np.ndarray] | None = None
) -> Graph:
    """The forward graph of a zoo model (``batch`` samples, default 1) or an ONNX file (its own
    input shapes; ``batch`` sets a dynamic leading dimension and must equal a static one;
    ``bind`` fixes graph inputs to values at compile time, see `compiler.import_onnx`)."""
    if batch is not None and batch < 1:
        raise ModelError(f"batch size must be at least 1, not {batch}")
    if bind and not is_onnx(model):
        raise ModelError(f"--bind applies to ONNX models; {model!r} is a zoo model")
    if is_onnx(model):
        from compiler.onnx_checks import check_onnx_file

        path = Path(model)
        check_onnx_file(path)  # before importing onnx: a bad file is refused at once
        from google.protobuf.message import DecodeError

        from compiler.onnx_import import import_onnx

        try:
            return import_onnx(path, batch=batch, bind=bind)
        except (DecodeError, RecursionError) as e:  # what protobuf raises for damaged bytes
            raise ModelError(f"{model} is not an ONNX model (protobuf: {e})") from None
    if model not in ZOO:
        raise ModelError(
            f"unknown model {model!r}; expected one of {', '.join(ZOO)} or a .onnx file"
        )
    from compiler.zoo import MODELS

    return MODELS[ZOO[model][0]](batch=batch or 1)


def check_model(
    model: str, batch: int | None, bind: Mapping[str, np.ndarray] | None = None
) -> tuple[str, bool]:
    """The table of a model's unsupported constructs (`systolic compile --check`), and whether
    it has none. Zoo models are always supported."""
    if not is_onnx(model):
        forward_graph(model, batch, bind)
        return f"model {model!r}: every op is supported", True
    path = Path(model)
    if not path.is_file():
        raise ModelError(f"ONNX file {model!r} does not exist")
    from compiler.onnx_import import check_onnx, problem_table

    problems = check_onnx(path, batch, bind)
    return problem_table(str(model), problems), not problems


def train_spec(loss: str, optimizer: str, lr: float, **options: object) -> TrainSpec:
    """A `compiler.train.TrainSpec` for the CLI's option values. ``options`` are the
    `OPTIMIZER_OPTIONS` (None or False: the optimizer's default, as in torch.optim); one that
    does not apply to ``optimizer`` is refused by name."""
    from compiler.train import SGD, Adagrad, Adam, Momentum, RMSprop, TrainSpec

    if optimizer not in OPTIMIZERS:
        raise ModelError(
            f"unknown optimizer {optimizer!r}; expected one of {', '.join(OPTIMIZERS)}"
        )
    if loss not in LOSSES:
        raise ModelError(f"unknown loss {loss!r}; expected one of {', '.join(LOSSES)}")
    given = {k: v for k, v in options.items() if v is not None and v is not False}
    for k in given:
        if k not in OPTIMIZER_OPTIONS:
            raise ModelError(f"unknown optimizer option {k!r}")
        if optimizer not in OPTIMIZER_OPTIONS[k]:
            raise ModelError(
                f"--{k.replace('_', '-')} applies to --optimizer "
                f"{' or '.join(OPTIMIZER_OPTIONS[k])}, not {optimizer}"
            )
    if optimizer == "adamw":
        given = {"weight_decay": 0.01, **given, "decoupled": True}  # torch.optim.AdamW's default
    kind = {
        "sgd": SGD,
        "momentum": Momentum,
        "adam": Adam,
        "adamw": Adam,
        "rmsprop": RMSprop,
        "adagrad": Adagrad,
    }[optimizer]
    try:
        return TrainSpec(loss=loss, optimizer=kind(**given), lr=lr)
    except ValueError as e:
        raise ModelError(str(e)) from None


def calibration_inputs(model: str, graph: Graph) -> dict[str, np.ndarray]:
    """Inputs that set an int8 chip's quantization scales: digits for the digit models (their
    real data), seeded standard-normal values otherwise."""
    out = {}
    for name, node in graph.inputs.items():
        shape = node.shape
        if model in (
            "mlp",
            "cnn",
            "lstm",
            "gru",
            "rnn",
            "transformer",
            "alexnet-digits",
            "vgg11-digits",
        ):
            from runtime.data import fit_to, load_digits

            x = load_digits().x_train
            reps = -(-shape[0] // len(x))
            out[name] = fit_to(np.concatenate([x] * reps)[: shape[0]], shape[1:], model)
        else:
            out[name] = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    return out


QUANTIZE = ("auto", "static", "dynamic")


def compile_model(
    model: str,
    chip: ChipConfig,
    batch: int | None,
    spec: TrainSpec | None = None,
    quantize: str = "auto",
    output: str | None = None,
    option: str = "--output",
    bind: Mapping[str, np.ndarray] | None = None,
) -> Program:
    """Compile ``model`` for ``chip``: a training step if ``spec`` is given, else inference
    (``bind``: ONNX graph inputs fixed to values at compile time). A training step, or a
    program given ``output``, keeps one output (`select_output`; its messages call the
    setting ``option``).

    On an int8 chip, inference is quantized ``static`` (int8 weights and inputs, scales set
    by `calibration_inputs`), ``dynamic`` (fp32 graph, GEMM operands quantized on chip; what
    training uses, so an evaluation program shares the step's fp32 weights) or ``auto``:
    static unless the model needs float math on activations (sigmoid, softmax, ...)."""
    from compiler import compile as compile_fn
    from compiler.quantize import NotQuantizable

    if quantize not in QUANTIZE:
        raise ModelError(
            f"unknown quantization {quantize!r}; expected one of {', '.join(QUANTIZE)}"
        )
    from compiler.onnx_import import OnnxError

    try:
        graph = forward_graph(model, batch, bind)
    except OnnxError as e:
        more = f" ({len(e.problems)} problems: `systolic compile --check {model}` lists them)"
        raise ModelError(f"cannot compile {model}: {str(e).splitlines()[0]}{more}") from None
    if spec is not None or output is not None:
        graph = select_output(graph, output, model, option)
    # a model that carries its own quantization (QLinear ONNX) compiles as it is
    prequantized = any(not n.dtype.is_float for n in graph.inputs.values())
    # integer inputs (ONNX int64, uint8, ...) hold exact integers: quantizing them would not
    integer = [x for x in graph.inputs if graph.roles.get(x) is TensorRole.INTEGER]
    if integer and quantize == "static" and chip.input_dtype is DType.INT8:
        raise ModelError(
            f"cannot compile {model} with --quantize static: input {integer[0]!r} holds "
            "integers, which int8 scales would not keep exact (use --quantize dynamic)"
        )
    static = (
        spec is None
        and chip.input_dtype is DType.INT8
        and quantize != "dynamic"
        and not prequantized
        and not integer
    )
    try:
        if static:
            try:
                return compile_fn(graph, chip, calibration=calibration_inputs(model, graph))
            except NotQuantizable:
                if quantize == "static":
                    raise
        return compile_fn(graph, chip, train=spec)  # the graph has its batch
    except ValueError as e:  # the compiler's refusals; anything else is a bug, not the model's
        raise ModelError(f"cannot compile {model} for {chip.name}: {e}") from None


def select_output(graph: Graph, output: str | None, model: str, option: str = "--output") -> Graph:
    """``graph`` with the one output a training loop reads (the logits): ``output``, or with
    None its only output. Raises `ModelError` naming the outputs when ``output`` is none of
    them, or is None and there are several."""
    names = ", ".join(repr(k) for k in graph.outputs)
    if output is None:
        if len(graph.outputs) == 1:
            return graph
        raise ModelError(
            f"{model} has {len(graph.outputs)} outputs ({names}); name the one that holds "
            f"the logits with {option} NAME"
        )
    if output not in graph.outputs:
        raise ModelError(f"{option} {output!r} is not an output of {model}; its outputs: {names}")
    roles = {k: r for k, r in graph.roles.items() if k == output or k not in graph.outputs}
    return graph.replace(outputs={output: graph.outputs[output]}, roles=roles)


def is_static_int8(program: Program) -> bool:
    """Whether ``program`` was quantized statically (int8 inputs, ``<name>.scale`` tensors)."""
    return bool(program.of_role(TensorRole.QUANT_SCALE))
