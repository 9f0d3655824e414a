"""zkMLTrack's driver for the ezkl Python package: one step per process.

Invoked by the Rust SDK as `python driver.py <step>` with the step's arguments
as a JSON object on stdin. Prints one JSON object on the last line of stdout:
`{"ok": true, ...result}` or `{"ok": false, "error": "..."}`. ezkl's EVM helpers
return awaitables, so they run in an event loop. The process ends with
`os._exit` after flushing: the ezkl extension can crash while the interpreter
shuts down, after the work is done.
"""

import asyncio
import json
import os
import sys
import traceback


def run_args(a):
    import ezkl

    r = ezkl.PyRunArgs()
    r.input_visibility = a["input_visibility"]
    r.output_visibility = a["output_visibility"]
    r.param_visibility = a["param_visibility"]
    if a.get("input_scale") is not None:
        r.input_scale = a["input_scale"]
    if a.get("param_scale") is not None:
        r.param_scale = a["param_scale"]
    if a.get("logrows") is not None:
        r.logrows = a["logrows"]
    return r


def await_if_needed(value):
    if asyncio.iscoroutine(value) or isinstance(value, asyncio.Future):
        async def wait():
            return await value
        return asyncio.run(wait())
    return value


def step(name, a):
    import ezkl

    if name == "version":
        return {"ezkl": ezkl.__version__}
    if name == "check_model":
        import onnx

        try:
            model = onnx.load(a["model"])
            onnx.checker.check_model(model)
        except Exception as err:
            raise ValueError(f"not a valid ONNX model: {err}") from None

        def shape(value):
            dims = value.type.tensor_type.shape.dim
            return [d.dim_value if d.HasField("dim_value") else -1 for d in dims]

        inits = {i.name for i in model.graph.initializer}
        return {
            "inputs": [shape(v) for v in model.graph.input if v.name not in inits],
            "outputs": [shape(v) for v in model.graph.output],
            "ops": sorted({n.op_type for n in model.graph.node}),
        }
    if name == "gen_settings":
        return {"done": bool(ezkl.gen_settings(a["model"], a["settings"], py_run_args=run_args(a)))}
    if name == "calibrate":
        done = ezkl.calibrate_settings(
            a["data"], a["model"], a["settings"], a["target"], lookup_safety_margin=a["lookup_safety_margin"]
        )
        return {"done": bool(await_if_needed(done))}
    if name == "compile":
        return {"done": bool(ezkl.compile_circuit(a["model"], a["compiled"], a["settings"]))}
    if name == "gen_srs":
        ezkl.gen_srs(a["srs"], a["logrows"])
        return {"done": True}
    if name == "witness":
        await_if_needed(ezkl.gen_witness(a["data"], a["compiled"], a["witness"]))
        return {"done": True}
    if name == "setup":
        return {"done": bool(ezkl.setup(a["compiled"], a["vk"], a["pk"], a["srs"]))}
    if name == "prove":
        ezkl.prove(a["witness"], a["compiled"], a["pk"], a["proof"], a["srs"])
        return {"done": True}
    if name == "verify":
        try:
            verified = bool(ezkl.verify(a["proof"], a["settings"], a["vk"], a["srs"]))
        except Exception as err:  # ezkl raises on a proof that does not verify
            return {"verified": False, "reason": str(err)}
        return {"verified": verified}
    if name == "evm_verifier":
        done = ezkl.create_evm_verifier(a["vk"], a["settings"], a["sol"], a["abi"], a["srs"], a["reusable"])
        return {"done": bool(await_if_needed(done))}
    if name == "evm_vka":
        done = ezkl.create_evm_vka(a["vk"], a["settings"], a["vka"], a["srs"])
        return {"done": bool(await_if_needed(done))}
    raise ValueError(f"unknown step {name!r}")


def main():
    name = sys.argv[1]
    try:
        args = json.loads(sys.stdin.read() or "{}")
        result = {"ok": True, **step(name, args)}
    except Exception as err:
        detail = traceback.format_exc(limit=3)
        result = {"ok": False, "error": f"{type(err).__name__}: {err}", "detail": detail}
    sys.stdout.write("\n" + json.dumps(result) + "\n")
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
