"""Regenerates the bundled Iris example deterministically.

Outputs (all committed, all small):
  train.csv, eval.csv     the 150 Iris rows split 100/50 (every third row held out)
  model.onnx              MLP 4 -> 16 -> 3 (ReLU), batch 1, trained to convergence
  model_weak.onnx         same shape, deliberately undertrained (a worse version)
  model_batch4.onnx       the model.onnx weights with a batch dimension of 4
  metrics.json            float accuracies of both models on both splits

Run through `scripts/gen-iris` (it provides a venv with numpy, onnx and
scikit-learn, whose wheel ships the Iris CSV). Training is full-batch gradient
descent in float64 from a fixed seed, so the outputs are bit-identical on
every run.
"""

import csv
import importlib.resources
import json
import sys
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = Path(__file__).resolve().parent
FEATURES = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
HIDDEN = 16
CLASSES = 3
SEED = 20261123


def load_iris():
    """The 150 rows of scikit-learn's bundled iris.csv as (features, labels)."""
    text = importlib.resources.files("sklearn.datasets").joinpath("data/iris.csv").read_text()
    rows = list(csv.reader(text.strip().splitlines()))[1:]
    x = np.array([[float(v) for v in r[:4]] for r in rows], dtype=np.float64)
    y = np.array([int(r[4]) for r in rows], dtype=np.int64)
    assert x.shape == (150, 4) and sorted(set(y.tolist())) == [0, 1, 2]
    return x, y


def train(x, y, epochs, lr=0.1):
    """Full-batch gradient descent on softmax cross-entropy; returns raw-input weights."""
    rng = np.random.default_rng(SEED)
    mean, std = x.mean(axis=0), x.std(axis=0)
    xs = (x - mean) / std
    w1 = rng.normal(0, 0.5, (4, HIDDEN))
    b1 = np.zeros(HIDDEN)
    w2 = rng.normal(0, 0.5, (HIDDEN, CLASSES))
    b2 = np.zeros(CLASSES)
    onehot = np.eye(CLASSES)[y]
    for _ in range(epochs):
        h = np.maximum(xs @ w1 + b1, 0)
        logits = h @ w2 + b2
        p = np.exp(logits - logits.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        g = (p - onehot) / len(x)
        gw2, gb2 = h.T @ g, g.sum(axis=0)
        gh = (g @ w2.T) * (h > 0)
        gw1, gb1 = xs.T @ gh, gh.sum(axis=0)
        w1 -= lr * gw1
        b1 -= lr * gb1
        w2 -= lr * gw2
        b2 -= lr * gb2
    # Fold the standardization into the first layer so the model takes raw features.
    w1_raw = w1 / std[:, None]
    b1_raw = b1 - mean @ w1_raw
    return w1_raw, b1_raw, w2, b2


def predict(weights, x):
    w1, b1, w2, b2 = weights
    return (np.maximum(x @ w1 + b1, 0) @ w2 + b2).argmax(axis=1)


def export(weights, path, batch):
    """Gemm -> Relu -> Gemm, float32, opset 13, input `input` [batch, 4]."""
    w1, b1, w2, b2 = (np.asarray(a, dtype=np.float32) for a in weights)
    inits = [
        numpy_helper.from_array(w1.T.copy(), "w1"),
        numpy_helper.from_array(b1, "b1"),
        numpy_helper.from_array(w2.T.copy(), "w2"),
        numpy_helper.from_array(b2, "b2"),
    ]
    nodes = [
        helper.make_node("Gemm", ["input", "w1", "b1"], ["hidden"], transB=1),
        helper.make_node("Relu", ["hidden"], ["activated"]),
        helper.make_node("Gemm", ["activated", "w2", "b2"], ["output"], transB=1),
    ]
    graph = helper.make_graph(
        nodes,
        "iris_mlp",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [batch, 4])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, [batch, CLASSES])],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="zkmltrack")
    model.ir_version = 8
    onnx.checker.check_model(model)
    path.write_bytes(model.SerializeToString())


def write_csv(path, x, y):
    with path.open("w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(FEATURES + ["label"])
        for features, label in zip(x, y):
            w.writerow([f"{v:.1f}" for v in features] + [int(label)])


def main():
    x, y = load_iris()
    held_out = np.arange(len(x)) % 3 == 0
    x_train, y_train, x_eval, y_eval = x[~held_out], y[~held_out], x[held_out], y[held_out]
    write_csv(HERE / "train.csv", x_train, y_train)
    write_csv(HERE / "eval.csv", x_eval, y_eval)

    strong = train(x_train, y_train, epochs=3000)
    weak = train(x_train, y_train, epochs=12)
    export(strong, HERE / "model.onnx", batch=1)
    export(weak, HERE / "model_weak.onnx", batch=1)
    export(strong, HERE / "model_batch4.onnx", batch=4)

    def accuracy(weights, xs, ys):
        return round(float((predict(weights, xs) == ys).mean()), 6)

    metrics = {
        "model.onnx": {"train": accuracy(strong, x_train, y_train), "eval": accuracy(strong, x_eval, y_eval)},
        "model_weak.onnx": {"train": accuracy(weak, x_train, y_train), "eval": accuracy(weak, x_eval, y_eval)},
    }
    (HERE / "metrics.json").write_text(json.dumps(metrics, indent=2, sort_keys=True) + "\n")
    json.dump(metrics, sys.stdout, indent=2, sort_keys=True)
    print()


if __name__ == "__main__":
    main()
