"""ONNX models the SDK and CLI tests write at test time (no binary fixtures),
with the EZKL environment's pinned `onnx` package:

    python onnx_fixtures.py det OUT               # one Det node: EZKL cannot prove it
    python onnx_fixtures.py two-inputs OUT        # Add of two [1, 4] inputs
    python onnx_fixtures.py symbolic MODEL NAME OUT
        # MODEL with the first dimension of its inputs and outputs named NAME,
        # as torch.onnx.export(..., dynamic_axes=...) writes it
    python onnx_fixtures.py double-input MODEL OUT
        # MODEL taking a float64 (`double`) input, cast to float32 first:
        # EZKL quantizes its inputs without the f32 cast
    python onnx_fixtures.py zero-tensor MODEL NAME OUT
        # MODEL with its initializer NAME set to zero throughout (EZKL
        # compiles an all-zero tensor differently: it changes the key)
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
    elif kind == "double-input":
        model_path, out = args
        model = onnx.load(model_path)
        graph = model.graph
        (inp,) = [v for v in graph.input if v.name not in {i.name for i in graph.initializer}]
        for node in graph.node:
            node.input[:] = ["input_f32" if i == inp.name else i for i in node.input]
        graph.node.insert(0, helper.make_node("Cast", [inp.name], ["input_f32"], to=TensorProto.FLOAT))
        inp.type.tensor_type.elem_type = TensorProto.DOUBLE
        onnx.checker.check_model(model)
        onnx.save(model, out)
    elif kind == "zero-tensor":
        model_path, name, out = args
        import numpy as np
        from onnx import numpy_helper

        model = onnx.load(model_path)
        for i, tensor in enumerate(model.graph.initializer):
            if tensor.name == name:
                zeros = np.zeros_like(numpy_helper.to_array(tensor))
                model.graph.initializer[i].CopyFrom(numpy_helper.from_array(zeros, name))
        onnx.checker.check_model(model)
        onnx.save(model, out)
    else:
        raise SystemExit(f"unknown fixture {kind!r}")


if __name__ == "__main__":
    main(*sys.argv[1:])
