"""Regenerates the bundled examples deterministically.

examples/iris (all committed, all small):
  train.csv, eval.csv     the 150 Iris rows split 100/50 (every third row held out)
  model.onnx              MLP 4 -> 16 -> 3 (ReLU), batch 1, trained to convergence
  model_weak.onnx         same shape, deliberately undertrained (a worse version)
  model_batch{4,8,16,48,128,256}.onnx  the model.onnx weights with a batch dimension of 4 to 256
  model_weak_batch4.onnx  the model_weak.onnx weights with a batch dimension of 4 (the demo's
                          version 2: the same architecture as model_batch4.onnx, other weights)
  participant_v{1,2}_batch8.onnx  two more trainings (40 and 200 epochs) with a batch dimension
                          of 8: a participant's two versions of one architecture in the tests
  metrics.json            float accuracies of both models on both splits

examples/digits (the larger model of the prover benchmark):
  eval.csv                599 of scikit-learn's 1,797 8x8 digits (every third row)
  model.onnx              MLP 64 -> 64 -> 10 (ReLU), batch 1, trained on the other 1,198
  metrics.json            its float accuracy on both splits

examples/cancer (30 raw features spanning 0 to 4,254, e.g. 690.2 next to 0.07871):
  eval.csv                190 of scikit-learn's 569 Wisconsin breast cancer rows (every third
                          row), each value spelled exactly as in sklearn's breast_cancer.csv;
                          label 0 malignant, 1 benign
  model_batch4.onnx       MLP 30 -> 8 -> 2 (ReLU), batch 4, trained on the other 379
  metrics.json            its float accuracy on both splits

examples/attacks (models of attacks the adversarial tests show refused):
  free_outputs.onnx       Iris-shaped instances whose "class scores" are free inputs
                          (docs/security.md, F1)

Run through `scripts/gen-examples` (it provides a venv with numpy, onnx and
scikit-learn, whose wheel ships all three datasets). Training is full-batch gradient
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
IRIS_FEATURES = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
# sklearn's load_breast_cancer().feature_names in snake_case: 10 means, 10 standard errors, 10 worsts.
CANCER_MEASURES = ["radius", "texture", "perimeter", "area", "smoothness", "compactness",
                   "concavity", "concave_points", "symmetry", "fractal_dimension"]
CANCER_FEATURES = ([f"mean_{m}" for m in CANCER_MEASURES] + [f"{m}_error" for m in CANCER_MEASURES]
                   + [f"worst_{m}" for m in CANCER_MEASURES])
SEED = 20261123


def sklearn_csv(name):
    """Rows of one of scikit-learn's bundled CSV files, header line dropped."""
    text = importlib.resources.files("sklearn.datasets").joinpath(f"data/{name}").read_text()
    return list(csv.reader(text.strip().splitlines()))[1:]


def load_iris():
    """The 150 rows of scikit-learn's bundled iris.csv as (features, labels)."""
    rows = sklearn_csv("iris.csv")
    x = np.array([[float(v) for v in r[:4]] for r in rows], dtype=np.float64)
    y = np.array([int(r[4]) for r in rows], dtype=np.int64)
    assert x.shape == (150, 4) and sorted(set(y.tolist())) == [0, 1, 2]
    return x, y


def load_digits():
    """The 1,797 8x8 digits of scikit-learn's digits.csv.gz as (64 pixel values 0..16, labels)."""
    import gzip

    raw = importlib.resources.files("sklearn.datasets").joinpath("data/digits.csv.gz").read_bytes()
    rows = list(csv.reader(gzip.decompress(raw).decode().strip().splitlines()))
    x = np.array([[float(v) for v in r[:64]] for r in rows], dtype=np.float64)
    y = np.array([int(float(r[64])) for r in rows], dtype=np.int64)
    assert x.shape == (1797, 64) and sorted(set(y.tolist())) == list(range(10))
    return x, y


def load_cancer():
    """The 569 rows of scikit-learn's bundled breast_cancer.csv as (features, labels, texts),
    texts being the 30 feature values of each row as the file spells them."""
    rows = sklearn_csv("breast_cancer.csv")
    assert all(len(r) == 31 for r in rows)
    texts = [r[:30] for r in rows]
    x = np.array([[float(v) for v in t] for t in texts], dtype=np.float64)
    y = np.array([int(r[30]) for r in rows], dtype=np.int64)
    assert x.shape == (569, 30) and sorted(set(y.tolist())) == [0, 1]
    return x, y, texts


def train(x, y, hidden, classes, epochs, lr=0.1):
    """Full-batch gradient descent on softmax cross-entropy; returns raw-input weights."""
    rng = np.random.default_rng(SEED)
    mean, std = x.mean(axis=0), x.std(axis=0)
    std = np.where(std == 0, 1.0, std)  # constant pixels (digits) stay as they are
    xs = (x - mean) / std
    w1 = rng.normal(0, 0.5, (x.shape[1], hidden))
    b1 = np.zeros(hidden)
    w2 = rng.normal(0, 0.5, (hidden, classes))
    b2 = np.zeros(classes)
    onehot = np.eye(classes)[y]
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


def export(weights, path, batch, name):
    """Gemm -> Relu -> Gemm, float32, opset 13, input `input` [batch, features]."""
    w1, b1, w2, b2 = (np.asarray(a, dtype=np.float32) for a in weights)
    features, classes = w1.shape[0], w2.shape[1]
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
        name,
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [batch, features])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, [batch, classes])],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="zkmltrack")
    model.ir_version = 8
    onnx.checker.check_model(model)
    path.write_bytes(model.SerializeToString())


def write_csv(path, header, x, y, fmt):
    with path.open("w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header + ["label"])
        for features, label in zip(x, y):
            w.writerow([fmt.format(v) for v in features] + [int(label)])


def accuracy(weights, xs, ys):
    return round(float((predict(weights, xs) == ys).mean()), 6)


def write_metrics(path, models, splits):
    metrics = {name: {split: accuracy(w, xs, ys) for split, (xs, ys) in splits.items()} for name, w in models.items()}
    path.write_text(json.dumps(metrics, indent=2, sort_keys=True) + "\n")
    return metrics


def iris():
    out = HERE / "iris"
    x, y = load_iris()
    held_out = np.arange(len(x)) % 3 == 0
    x_train, y_train, x_eval, y_eval = x[~held_out], y[~held_out], x[held_out], y[held_out]
    write_csv(out / "train.csv", IRIS_FEATURES, x_train, y_train, "{:.1f}")
    write_csv(out / "eval.csv", IRIS_FEATURES, x_eval, y_eval, "{:.1f}")

    strong = train(x_train, y_train, hidden=16, classes=3, epochs=3000)
    weak = train(x_train, y_train, hidden=16, classes=3, epochs=12)
    export(strong, out / "model.onnx", batch=1, name="iris_mlp")
    export(weak, out / "model_weak.onnx", batch=1, name="iris_mlp")
    for batch in (4, 8, 16, 48, 128, 256):
        export(strong, out / f"model_batch{batch}.onnx", batch=batch, name="iris_mlp")
    export(weak, out / "model_weak_batch4.onnx", batch=4, name="iris_mlp")
    first = train(x_train, y_train, hidden=16, classes=3, epochs=40)
    second = train(x_train, y_train, hidden=16, classes=3, epochs=200)
    export(first, out / "participant_v1_batch8.onnx", batch=8, name="iris_mlp")
    export(second, out / "participant_v2_batch8.onnx", batch=8, name="iris_mlp")
    splits = {"train": (x_train, y_train), "eval": (x_eval, y_eval)}
    models = {
        "model.onnx": strong,
        "model_weak.onnx": weak,
        "participant_v1_batch8.onnx": first,
        "participant_v2_batch8.onnx": second,
    }
    return write_metrics(out / "metrics.json", models, splits)


def digits():
    out = HERE / "digits"
    out.mkdir(exist_ok=True)
    x, y = load_digits()
    held_out = np.arange(len(x)) % 3 == 0
    x_train, y_train, x_eval, y_eval = x[~held_out], y[~held_out], x[held_out], y[held_out]
    write_csv(out / "eval.csv", [f"px{i}" for i in range(64)], x_eval, y_eval, "{:.0f}")
    model = train(x_train, y_train, hidden=64, classes=10, epochs=1000)
    export(model, out / "model.onnx", batch=1, name="digits_mlp")
    splits = {"train": (x_train, y_train), "eval": (x_eval, y_eval)}
    return write_metrics(out / "metrics.json", {"model.onnx": model}, splits)


def cancer():
    out = HERE / "cancer"
    out.mkdir(exist_ok=True)
    x, y, texts = load_cancer()
    held_out = np.arange(len(x)) % 3 == 0
    x_train, y_train, x_eval, y_eval = x[~held_out], y[~held_out], x[held_out], y[held_out]
    # "{}" writes sklearn's own decimal strings unchanged (no float reformatting).
    texts_eval = [t for t, h in zip(texts, held_out) if h]
    write_csv(out / "eval.csv", CANCER_FEATURES, texts_eval, y_eval, "{}")
    model = train(x_train, y_train, hidden=8, classes=2, epochs=1000)
    export(model, out / "model_batch4.onnx", batch=4, name="cancer_mlp")
    splits = {"train": (x_train, y_train), "eval": (x_eval, y_eval)}
    return write_metrics(out / "metrics.json", {"model_batch4.onnx": model}, splits)


def free_outputs():
    """The attack of docs/security.md F1, for the adversarial tests: an Iris-shaped
    circuit whose "class scores" are free inputs. Input [x1..x4, h1, h2], output
    o = 1 - h1 - h2: its 7 public instances read as 4 features then 3 scores
    [h1, h2, o], which the prover sets from the label. A route review refuses it.
    """
    out = HERE / "attacks"
    out.mkdir(exist_ok=True)
    w = numpy_helper.from_array(np.array([[0, 0, 0, 0, -1, -1]], dtype=np.float32), "w")
    b = numpy_helper.from_array(np.array([1], dtype=np.float32), "b")
    graph = helper.make_graph(
        [helper.make_node("Gemm", ["input", "w", "b"], ["output"], transB=1)],
        "free_outputs",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 6])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 1])],
        [w, b],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="zkmltrack")
    model.ir_version = 8
    onnx.checker.check_model(model)
    (out / "free_outputs.onnx").write_bytes(model.SerializeToString())


def main():
    free_outputs()
    json.dump({"iris": iris(), "digits": digits(), "cancer": cancer()}, sys.stdout, indent=2, sort_keys=True)
    print()


if __name__ == "__main__":
    main()
