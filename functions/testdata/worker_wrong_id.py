# Worker: answers with a wrong id when the input is "wrong", with text that
# is not JSON when it is "text", and echoes otherwise.
import json, os, sys

for line in sys.stdin:
    req = json.loads(line)
    if req["input"] == "wrong":
        print(json.dumps({"id": "nope", "output": 1}), flush=True)
    elif req["input"] == "text":
        print("debug: thinking...", flush=True)
    else:
        print(json.dumps({"id": req["id"], "output": {"pid": os.getpid()}}), flush=True)
