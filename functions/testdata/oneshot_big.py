# One-shot: prints input.n bytes.
import json, sys

req = json.load(sys.stdin)
sys.stdout.write("x" * req["input"]["n"])
