"""Baseline for the prover benchmark: the Iris flow as a plain Python script
calling ezkl directly, in one process. Prints one JSON list of
{step, seconds, peak_rss_kb} (peak RSS of the process so far)."""

import json
import os
import resource
import sys
import time

import ezkl

work, model, calibration, sample = sys.argv[1:5]
settings = os.path.join(work, "settings.json")
compiled = os.path.join(work, "model.compiled")
srs = os.path.join(work, "kzg.srs")
vk, pk = os.path.join(work, "vk.key"), os.path.join(work, "pk.key")
witness, proof = os.path.join(work, "witness.json"), os.path.join(work, "proof.json")
steps = []


def timed(name, fn):
    started = time.perf_counter()
    fn()
    steps.append({
        "step": name,
        "seconds": time.perf_counter() - started,
        "peak_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    })


args = ezkl.PyRunArgs()
args.input_visibility, args.output_visibility, args.param_visibility = "public", "public", "fixed"
timed("gen_settings", lambda: ezkl.gen_settings(model, settings, py_run_args=args))
timed("calibrate", lambda: ezkl.calibrate_settings(calibration, model, settings, "resources", lookup_safety_margin=2.0))
timed("compile", lambda: ezkl.compile_circuit(model, compiled, settings))
logrows = json.load(open(settings))["run_args"]["logrows"]
timed("gen_srs", lambda: ezkl.gen_srs(srs, logrows))
timed("setup", lambda: ezkl.setup(compiled, vk, pk, srs))
timed("witness", lambda: ezkl.gen_witness(sample, compiled, witness))
timed("prove", lambda: ezkl.prove(witness, compiled, pk, proof, srs))
timed("verify", lambda: ezkl.verify(proof, settings, vk, srs))
sys.stdout.write(json.dumps(steps) + "\n")
sys.stdout.flush()
os._exit(0)
