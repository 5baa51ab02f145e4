# One-shot: echoes the request. {"text": s} in input prints s as plain text.
import json, sys

req = json.load(sys.stdin)
inp = req.get("input")
if isinstance(inp, dict) and "text" in inp:
    sys.stdout.write(inp["text"])
else:
    json.dump(req, sys.stdout)
