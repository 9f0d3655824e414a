# The models of the serve benchmark (bench/src/bin/serve.rs): one tiny graph,
# a Gemm from 2 features to 2 classes over a batch of BATCH rows (the samples
# one evaluation draws), and as many weight sets of it as the benchmark has
# evaluations.
#
#   python serve_models.py base OUT.onnx BATCH
#   python serve_models.py settings BASE.onnx OUT.json
#   python serve_models.py variants BASE.onnx SETTINGS.json OUTDIR FIRST COUNT
#
# `variants` writes OUTDIR/model-<i>.onnx for i in FIRST..FIRST+COUNT and
# compiles each under the base circuit's EZKL settings to
# OUTDIR/model-<i>.compiled (skipped when it exists): with hashed parameters
# every one of them is proved with the base circuit's proving key. Variant i
# adds base-8 digits of i, in steps of the settings' parameter scale (2^-s),
# to four of the six parameters, so every variant quantizes to its own
# weights (its own weight commitment) for i < 4096. The first digit moves the
# decision boundary x0 - x1 = t by t from -0.25 to +0.19 (in steps of 2^-4),
# so the variants' accuracies differ.
import json
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

def base(out, batch):
    # out = x @ W^T + b: class 1 when x0 - x1 > 1/64. No parameter may be
    # zero: EZKL compiles all-zero tensors differently, and a weight set
    # whose circuit differs from the base one's cannot use its proving key.
    w = np.array([[-1.0, 1.0], [1.0, -1.0]], dtype=np.float32)
    b = np.array([1.0 / 64, -1.0 / 64], dtype=np.float32)
    graph = helper.make_graph(
        [helper.make_node("Gemm", ["input", "W", "b"], ["output"], transB=1)],
        "serve_bench",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [batch, 2])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, [batch, 2])],
        [numpy_helper.from_array(w, "W"), numpy_helper.from_array(b, "b")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, out)


def settings(model, out):
    # EZKL's settings for the base model, as the SDK's prover would generate
    # them (public inputs and outputs, hashed parameters, scale 7; calibrated
    # for resources), except the decomposition base: 2^7 in 4 legs instead of
    # EZKL's 2^14 in 2, whose range-check table alone needs 2^15 rows. The
    # circuit then has 2^8 rows: a proving key of a few MB instead of 528 MB,
    # and a proof in a fraction of a second instead of ~18 s.
    import asyncio
    import inspect

    import ezkl

    ra = ezkl.PyRunArgs()
    ra.input_visibility = "public"
    ra.output_visibility = "public"
    ra.param_visibility = "hashed"
    ra.input_scale = 7
    ra.param_scale = 7
    ra.decomp_base = 128
    ra.decomp_legs = 4
    if not ezkl.gen_settings(model, out, py_run_args=ra):
        raise SystemExit("gen_settings failed")
    batch = onnx.load(model).graph.input[0].type.tensor_type.shape.dim[0].dim_value
    data = out + ".calibration.json"
    with open(data, "w") as f:
        json.dump({"input_data": [[0.9, 0.1, 0.2, 0.8] * (batch // 2)]}, f)
    r = ezkl.calibrate_settings(data, model, out, "resources", lookup_safety_margin=2.0, scales=[7], max_logrows=16)
    if inspect.isawaitable(r):
        asyncio.new_event_loop().run_until_complete(r)


def variants(base_path, settings_path, outdir, first, count):
    import ezkl

    settings = json.load(open(settings_path))
    scale = settings["run_args"]["param_scale"]
    step = 2.0 ** -scale
    m = onnx.load(base_path)
    params = {t.name: numpy_helper.to_array(t).astype(np.float64) for t in m.graph.initializer}
    os.makedirs(outdir, exist_ok=True)
    for i in range(first, first + count):
        onnx_path = os.path.join(outdir, f"model-{i}.onnx")
        compiled = os.path.join(outdir, f"model-{i}.compiled")
        if os.path.exists(compiled) and os.path.exists(onnx_path):
            continue
        d = [(i >> (3 * k)) & 7 for k in range(4)]
        w = params["W"].copy()
        b = params["b"].copy()
        # class 1 when x0 - x1 > 1/64 + t, t = (d0 - 4) / 16 + d1 * step / 2
        b[0] += (d[0] - 4) * 8 * step
        b[1] -= (d[0] - 4) * 8 * step + d[1] * step
        w[0][0] -= d[2] * step
        w[1][1] -= d[3] * step
        v = onnx.load(base_path)
        for j, t in enumerate(v.graph.initializer):
            a = {"W": w, "b": b}[t.name].astype(np.float32)
            v.graph.initializer[j].CopyFrom(numpy_helper.from_array(a, t.name))
        tmp = onnx_path + ".tmp"
        onnx.save(v, tmp)
        os.replace(tmp, onnx_path)
        tmp = compiled + ".tmp"
        if not ezkl.compile_circuit(onnx_path, tmp, settings_path):
            raise SystemExit(f"cannot compile {onnx_path}")
        os.replace(tmp, compiled)
        if (i + 1) % 100 == 0:
            print(f"[serve] compiled {i + 1} weight sets", file=sys.stderr, flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "base":
        base(sys.argv[2], int(sys.argv[3]))
    elif sys.argv[1] == "settings":
        settings(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == "variants":
        variants(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]), int(sys.argv[6]))
    else:
        raise SystemExit("usage: serve_models.py base OUT BATCH | settings BASE OUT | variants BASE SETTINGS OUTDIR FIRST COUNT")
