"""Draws the benchmark plots from the raw results the bench binaries wrote to
target/bench/*.json. Run by scripts/bench (matplotlib lives in target/bench-venv).

    python bench/plot.py <results dir> <output dir>

Writes, for each results file present:
  gas.json      -> gas-per-sample.png   gas per evaluated sample against samples per proof
  prover.json   -> proving-time.png     SDK vs plain ezkl wall time per step, per model
  dataset-bench.json (+ dataset-bench-scalar.json)
                -> dataset-root.png     dataset root time against leaves, SDK vs naive loop
"""

import json
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def gas_per_sample(data, out):
    evals = data["evaluations"]
    batches = [e["batch"] for e in evals]
    submissions = [sum(t["gas"] for t in e["submits"]) / e["samples"] for e in evals]
    whole = [(e["open"]["gas"] + e["draw"]["gas"] + sum(t["gas"] for t in e["submits"])) / e["samples"] for e in evals]
    verifier = [e["verifier_direct"]["gas"] / e["batch"] for e in evals]
    fig, ax = plt.subplots(figsize=(7, 4.2))
    ax.plot(batches, whole, "o-", label="whole evaluation (open + draw + submissions)")
    ax.plot(batches, submissions, "s-", label="submissions")
    ax.plot(batches, verifier, "^--", label="EZKL verifier alone (per sample)")
    ax.axhline(data["plain_direct"]["gas"], color="grey", linestyle=":", label="one plain EZKL verification")
    ax.axhline(60_000, color="red", linestyle="--", label="goal: 60k gas per sample")
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xticks(batches, [str(b) for b in batches])
    ax.set_xlabel("samples per proof")
    ax.set_ylabel("gas per evaluated sample")
    ax.set_title("Iris MLP on the devnet: gas per evaluated sample")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out, dpi=110)


def proving_time(data, out):
    models = data["models"]
    steps = [s for s in data["steps"] if any(m["sdk"].get(s, 0) > 0.005 for m in models)]
    fig, axes = plt.subplots(1, len(models), figsize=(5 * len(models), 4.2), squeeze=False)
    for ax, m in zip(axes[0], models):
        xs = range(len(steps))
        ax.bar([x - 0.2 for x in xs], [m["sdk"].get(s, 0) for s in steps], 0.4, label="SDK")
        ax.bar([x + 0.2 for x in xs], [m["python"].get(s, 0) for s in steps], 0.4, label="plain ezkl Python")
        ax.set_xticks(list(xs), steps, rotation=35, ha="right", fontsize=8)
        ax.set_ylabel("wall time (s), median")
        ax.set_title(f"{m['name']} (logrows {m.get('logrows', '?')})")
        ax.grid(True, axis="y", alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out, dpi=110)


def dataset_root(data, out, scalar=None):
    rows = data["rows"]
    leaves = [r["leaves"] for r in rows]
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(leaves, [r["sdk_seconds"] for r in rows], "o-", label=f"SDK ({data['backend']})")
    if scalar:
        srows = scalar["rows"]
        ax.plot([r["leaves"] for r in srows], [r["sdk_seconds"] for r in srows], "d-", label=f"SDK ({scalar['backend']})")
    naive = [(r["leaves"], r["naive_seconds"]) for r in rows if r.get("naive_seconds") is not None]
    if naive:
        ax.plot([n for n, _ in naive], [s for _, s in naive], "s--", label="naive poseidon-rs loop")
    ax.axhline(20, color="red", linestyle="--", label="goal: 1M leaves in 20 s")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("leaves")
    ax.set_ylabel("root computation (s)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out, dpi=110)


def main():
    results, out = Path(sys.argv[1]), Path(sys.argv[2])
    out.mkdir(parents=True, exist_ok=True)
    for name, draw, png in [
        ("gas", gas_per_sample, "gas-per-sample.png"),
        ("prover", proving_time, "proving-time.png"),
        ("dataset-bench", dataset_root, "dataset-root.png"),
    ]:
        path = results / f"{name}.json"
        if path.exists():
            extra = results / f"{name}-scalar.json"
            if extra.exists():
                draw(json.loads(path.read_text()), out / png, json.loads(extra.read_text()))
            else:
                draw(json.loads(path.read_text()), out / png)
            print(f"plot: {out / png}")
        else:
            print(f"plot: no {path}, {png} not drawn")


if __name__ == "__main__":
    main()
