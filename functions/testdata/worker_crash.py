# Worker: exits with status 1 when the input is "crash", echoes otherwise.
import json, os, sys

for line in sys.stdin:
    req = json.loads(line)
    if req["input"] == "crash":
        print("crashing on purpose", file=sys.stderr, flush=True)
        sys.exit(1)
    print(json.dumps({"id": req["id"], "output": {"input": req["input"], "pid": os.getpid()}}), flush=True)
