"""An exec scorer over the trajectory: the F1 of the tools called against the
expected ones, by name, as promptfoo's tool-call-f1 computes it. Caliper sends
the agent's `tool_calls` and `messages` in the scorer's request."""
import json
import sys

req = json.load(sys.stdin)
called = {c["name"] for c in req.get("tool_calls") or []}
expected = {c["name"] for c in (req.get("expected") or {}).get("tool_calls", [])}
both = len(called & expected)
if not called and not expected:
    score = 1.0
elif both == 0:
    score = 0.0
else:
    p, r = both / len(called), both / len(expected)
    score = 2 * p * r / (p + r)
print(json.dumps({"score": score, "metadata": {"called": sorted(called), "expected": sorted(expected), "turns": len(req.get("messages") or [])}}))
