"""zkMLTrack's driver for the ezkl Python package.

`python driver.py serve` (what the Rust SDK runs) answers requests, one JSON
line `{"step": ..., "args": {...}}` per step on stdin, with one line
`@@zkmltrack@@ {"ok": true, ...result}` or `{"ok": false, "error": ...}` on
stdout, so the interpreter and ezkl load once per prover. `python driver.py
<step>` runs a single step with its arguments as JSON on stdin. An optional
`home` argument sets HOME first (EZKL finds solc through svm under HOME).
ezkl's EVM helpers return awaitables, so they run in an event loop. The
process ends with `os._exit` after flushing: the ezkl extension can crash while
the interpreter shuts down, after the work is done.
"""

import asyncio
import json
import os
import resource
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


def in_loop(fn, *args):
    """Calls `fn` inside a running event loop (ezkl's EVM helpers need one)."""

    async def run():
        result = fn(*args)
        if asyncio.iscoroutine(result) or isinstance(result, asyncio.Future):
            result = await result
        return result

    return asyncio.run(run())


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
        # A fixed input scale (a task's) is the only scale calibration may try.
        scales = [a["input_scale"]] if a.get("input_scale") is not None else None
        done = ezkl.calibrate_settings(
            a["data"], a["model"], a["settings"], a["target"],
            lookup_safety_margin=a["lookup_safety_margin"], scales=scales,
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
        done = in_loop(ezkl.create_evm_verifier, a["vk"], a["settings"], a["sol"], a["abi"], a["srs"], a["reusable"])
        return {"done": bool(done)}
    if name == "evm_vka":
        done = in_loop(ezkl.create_evm_vka, a["vk"], a["settings"], a["vka"], a["srs"])
        return {"done": bool(done)}
    raise ValueError(f"unknown step {name!r}")


MARKER = "@@zkmltrack@@ "


def answer(name, args):
    try:
        if args.get("home"):
            os.environ["HOME"] = args["home"]
        result = {"ok": True, **step(name, args)}
    except Exception as err:
        detail = traceback.format_exc(limit=3)
        result = {"ok": False, "error": f"{type(err).__name__}: {err}", "detail": detail}
    result["max_rss_kb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return result


def main():
    if sys.argv[1:] == ["serve"]:
        # One request per stdin line: {"step": ..., "args": {...}}; one marked
        # answer line per request on stdout (ezkl may print there too).
        for line in sys.stdin:
            if not line.strip():
                continue
            request = json.loads(line)
            result = answer(request["step"], request.get("args", {}))
            sys.stdout.write("\n" + MARKER + json.dumps(result) + "\n")
            sys.stdout.flush()
    else:
        result = answer(sys.argv[1], json.loads(sys.stdin.read() or "{}"))
        sys.stdout.write("\n" + MARKER + json.dumps(result) + "\n")
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
