# Worker: answers with the keys the request's input holds, besides "id".
import json, sys

for line in sys.stdin:
    req = json.loads(line)
    resp = {"id": req["id"]}
    resp.update(req["input"])
    print(json.dumps(resp), flush=True)
