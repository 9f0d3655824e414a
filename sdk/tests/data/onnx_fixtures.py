"""ONNX models the SDK and CLI tests write at test time (no binary fixtures),
with the EZKL environment's pinned `onnx` package:

    python onnx_fixtures.py det OUT               # one Det node: EZKL cannot prove it
    python onnx_fixtures.py two-inputs OUT        # Add of two [1, 4] inputs
    python onnx_fixtures.py symbolic MODEL NAME OUT
        # MODEL with the first dimension of its inputs and outputs named NAME,
        # as torch.onnx.export(..., dynamic_axes=...) writes it
"""

import sys

import onnx
from onnx import TensorProto, helper


def save(graph, path):
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    with open(path, "wb") as f:
        f.write(model.SerializeToString())


def main(kind, *args):
    if kind == "det":
        (out,) = args
        save(
            helper.make_graph(
                [helper.make_node("Det", ["input"], ["output"])],
                "det",
                [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 2, 2])],
                [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1])],
            ),
            out,
        )
    elif kind == "two-inputs":
        (out,) = args

        def tensor(name):
            return helper.make_tensor_value_info(name, TensorProto.FLOAT, [1, 4])

        save(
            helper.make_graph(
                [helper.make_node("Add", ["a", "b"], ["y"])],
                "add",
                [tensor("a"), tensor("b")],
                [tensor("y")],
            ),
            out,
        )
    elif kind == "symbolic":
        model_path, name, out = args
        model = onnx.load(model_path)
        for value in list(model.graph.input) + list(model.graph.output):
            value.type.tensor_type.shape.dim[0].dim_param = name
        onnx.save(model, out)
    else:
        raise SystemExit(f"unknown fixture {kind!r}")


if __name__ == "__main__":
    main(*sys.argv[1:])
