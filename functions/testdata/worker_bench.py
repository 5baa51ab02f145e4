# Worker: the smallest echo, for benchmarks.
import json, sys

out = sys.stdout
for line in sys.stdin:
    req = json.loads(line)
    out.write(json.dumps({"id": req["id"], "output": req["input"]}) + "\n")
    out.flush()
