# Worker: answers with a line of input.n bytes of output.
import json, os, sys

for line in sys.stdin:
    req = json.loads(line)
    out = {"id": req["id"], "output": {"pid": os.getpid(), "data": "x" * req["input"]["n"]}}
    print(json.dumps(out), flush=True)
