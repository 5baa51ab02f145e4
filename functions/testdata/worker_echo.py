# Worker: answers each request with its input and the worker's pid.
# Input {"sleep": s} sleeps s seconds first; {"error": m} answers an error.
import json, os, sys, time

pid = os.getpid()
print("worker", pid, "ready", file=sys.stderr, flush=True)
for line in sys.stdin:
    req = json.loads(line)
    inp = req.get("input")
    if isinstance(inp, dict) and "sleep" in inp:
        time.sleep(inp["sleep"])
    if isinstance(inp, dict) and "error" in inp:
        resp = {"id": req["id"], "error": inp["error"]}
    else:
        resp = {"id": req["id"], "output": {"input": inp, "pid": pid, "trial": req["trial"], "output": req.get("output")}}
    sys.stdout.write(json.dumps(resp) + "\n")
    sys.stdout.flush()
