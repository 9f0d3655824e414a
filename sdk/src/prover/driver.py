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

Every file a step writes (settings, compiled circuit, SRS, keys, witness,
proof, verifier) is written under a temporary name next to it and renamed
into place when the step succeeds, so a killed step never leaves a
half-written artifact under its real name; temporary files of processes that
are gone are removed when the same output is written again. Under `serve`,
the work runs in a child process that dies with the driver, and the driver
ends as soon as nobody reads its answers any more (the SDK's process was
killed), so no EZKL step outlives the process that asked for it.
"""

import asyncio
import json
import os
import re
import resource
import select
import shutil
import signal
import sys
import traceback


class BadInput(Exception):
    """A problem with the caller's input, reported as its message alone."""


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

        if os.path.getsize(a["model"]) == 0:
            raise BadInput("not a valid ONNX model: the file is empty")
        try:
            model = onnx.load(a["model"])
            onnx.checker.check_model(model)
        except Exception as err:
            raise BadInput(f"not a valid ONNX model: {err}") from None

        def shape(value):
            dims = []
            for d in value.type.tensor_type.shape.dim:
                if d.HasField("dim_value"):
                    dims.append(d.dim_value)
                elif d.dim_param == "batch_size":
                    dims.append(1)  # EZKL's default for this symbol (PyRunArgs.variables)
                else:
                    raise BadInput(
                        f"`{value.name}` has the symbolic dimension `{d.dim_param or '?'}`; "
                        "EZKL needs fixed sizes (only `batch_size` is taken as 1): "
                        "re-export the model with a fixed input shape"
                    )
            return dims

        inits = {i.name for i in model.graph.initializer}
        inputs = [v for v in model.graph.input if v.name not in inits]
        if len(inputs) != 1:
            raise BadInput(
                f"the model has {len(inputs)} input tensors; zkMLTrack proves models "
                "with exactly one (the rows' features)"
            )
        # EZKL's InputType of each input (tract's DatumType mapping).
        elem = onnx.TensorProto
        kinds = {elem.FLOAT: "F32", elem.DOUBLE: "F64", elem.FLOAT16: "F16", elem.BOOL: "Bool"}
        return {
            "inputs": [shape(v) for v in inputs],
            "input_types": [kinds.get(v.type.tensor_type.elem_type, "Int") for v in inputs],
            "outputs": [shape(v) for v in model.graph.output],
            "ops": sorted({n.op_type for n in model.graph.node}),
        }
    if name == "architecture":
        # The model's graph with its trained weights replaced: every floating
        # tensor (initializers and Constant nodes) that is not zero throughout
        # becomes seeded uniform values in [-1, 1); all-zero tensors stay zero
        # (EZKL compiles them differently) and integer tensors (shapes, axes,
        # indices) are structure and stay as they are.
        import numpy as np
        import onnx
        from onnx import numpy_helper

        model = onnx.load(a["model"])
        rng = np.random.default_rng(a["seed"])
        counts = {"replaced": 0, "kept_zero": 0, "kept_integer": 0}

        def scrub(tensor):
            values = numpy_helper.to_array(tensor)
            if not np.issubdtype(values.dtype, np.floating):
                counts["kept_integer"] += 1
                return tensor
            if not values.any():
                counts["kept_zero"] += 1
                return tensor
            counts["replaced"] += 1
            fresh = rng.uniform(-1.0, 1.0, size=values.shape).astype(values.dtype)
            return numpy_helper.from_array(fresh, tensor.name)

        for i, tensor in enumerate(model.graph.initializer):
            model.graph.initializer[i].CopyFrom(scrub(tensor))
        for node in model.graph.node:
            if node.op_type == "Constant":
                for attr in node.attribute:
                    if attr.name == "value" and attr.HasField("t"):
                        attr.t.CopyFrom(scrub(attr.t))
        onnx.save(model, a["out"])
        return counts
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
    if name == "quantize":
        # EZKL's own quantization of input values (the cast to the input type,
        # then quantize_float: what gen_witness applies to an input file), as
        # signed integers in decimal.
        input_type = getattr(ezkl.PyInputType, a["input_type"])
        to_felt, to_int, scale = ezkl.float_to_felt, ezkl.felt_to_int, a["scale"]
        try:
            values = [str(to_int(to_felt(x, scale, input_type))) for x in a["values"]]
        except Exception as err:
            raise BadInput(f"EZKL cannot quantize a value at scale {scale}: {err}") from None
        return {"values": values}
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


# The files each step writes, by argument name. `calibrate` rewrites its input.
OUTPUTS = {
    "architecture": ["out"],
    "gen_settings": ["settings"],
    "calibrate": ["settings"],
    "compile": ["compiled"],
    "gen_srs": ["srs"],
    "witness": ["witness"],
    "setup": ["vk", "pk"],
    "prove": ["proof"],
    "evm_verifier": ["sol", "abi"],
    "evm_vka": ["vka"],
}


def partial_path(path, pid):
    """`dir/pk.key` -> `dir/pk.partial-<pid>.key` (the extension stays last)."""
    head, tail = os.path.split(path)
    stem, dot, ext = tail.rpartition(".")
    if not dot:
        stem, ext = tail, ""
    return os.path.join(head, f"{stem}.partial-{pid}{dot}{ext}")


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_partials(path):
    """Removes the temporary files of `path` left by processes that are gone."""
    head, tail = os.path.split(path)
    pattern = re.compile(re.escape(partial_path(tail, "@")).replace("@", r"(\d+)") + "$")
    try:
        names = os.listdir(head or ".")
    except OSError:
        return
    for name in names:
        m = pattern.match(name)
        if m and (int(m.group(1)) == os.getpid() or not alive(int(m.group(1)))):
            try:
                os.remove(os.path.join(head, name))
            except OSError:
                pass


def atomic_step(name, a):
    """Runs a step with its outputs written to temporary names, renamed into
    place only when it succeeds."""
    keys = [k for k in OUTPUTS.get(name, []) if a.get(k)]
    if not keys:
        return step(name, a)
    b = dict(a)
    for k in keys:
        remove_stale_partials(a[k])
        b[k] = partial_path(a[k], os.getpid())
    try:
        if name == "calibrate":
            shutil.copyfile(a["settings"], b["settings"])
        result = step(name, b)
        for k in keys:
            if os.path.exists(b[k]):
                os.replace(b[k], a[k])
        return result
    finally:
        for k in keys:
            try:
                os.remove(b[k])
            except FileNotFoundError:
                pass


MARKER = "@@zkmltrack@@ "


def answer(name, args):
    try:
        if args.get("home"):
            os.environ["HOME"] = args["home"]
        result = {"ok": True, **atomic_step(name, args)}
    except BadInput as err:
        result = {"ok": False, "error": str(err)}
    except Exception as err:
        detail = traceback.format_exc(limit=3)
        result = {"ok": False, "error": f"{type(err).__name__}: {err}", "detail": detail}
    result["max_rss_kb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return result


def serve():
    # One request per stdin line: {"step": ..., "args": {...}}; one marked
    # answer line per request on stdout (ezkl may print there too).
    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        result = answer(request["step"], request.get("args", {}))
        sys.stdout.write("\n" + MARKER + json.dumps(result) + "\n")
        sys.stdout.flush()


def serve_supervised():
    """Serves from a child process that dies with this one (Linux's parent-death
    signal); this one waits for the child, and kills it when the reader of the
    answers is gone (the write end of stdout reports POLLERR), which a step
    holding the GIL in ezkl could not notice itself. Elsewhere: plain serve."""
    try:
        import ctypes

        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (AttributeError, OSError):
        return serve()
    monitor = os.getpid()
    child = os.fork()
    if child == 0:
        prctl(1, int(signal.SIGKILL), 0, 0, 0)  # PR_SET_PDEATHSIG
        if os.getppid() != monitor:
            os._exit(1)
        serve()
        return
    os.close(0)  # only the child reads requests
    poller = select.poll()
    poller.register(sys.stdout.fileno(), 0)  # POLLERR / POLLHUP are always reported
    while True:
        pid, status = os.waitpid(child, os.WNOHANG)
        if pid:
            code = os.waitstatus_to_exitcode(status)
            os._exit(code if code >= 0 else 128 - code)
        if poller.poll(500):
            os.kill(child, signal.SIGKILL)
            os.waitpid(child, 0)
            os._exit(1)


def main():
    if sys.argv[1:] == ["serve"]:
        serve_supervised()
    else:
        result = answer(sys.argv[1], json.loads(sys.stdin.read() or "{}"))
        sys.stdout.write("\n" + MARKER + json.dumps(result) + "\n")
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
