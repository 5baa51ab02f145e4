import json, os, sys
# A worker that exits on the input "crash" and answers everything else upper-cased.
for line in sys.stdin:
    req = json.loads(line)
    if req["input"] == "crash":
        sys.stderr.write("boom\n")
        os._exit(3)
    sys.stdout.write(json.dumps({"id": req["id"], "output": str(req["input"]).upper()}) + "\n")
    sys.stdout.flush()
