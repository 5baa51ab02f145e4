import json, sys, time
# A one-shot task that sleeps for input.sleep seconds, then echoes input.value.
req = json.load(sys.stdin)
time.sleep(req["input"].get("sleep", 0))
print(json.dumps(req["input"].get("value")))
