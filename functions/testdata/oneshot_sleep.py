# One-shot: starts a grandchild that sleeps, writes its pid to input.pidfile,
# then sleeps itself, so that a timeout must kill both.
import json, subprocess, sys, time

req = json.load(sys.stdin)
child = subprocess.Popen(["sleep", "60"])
with open(req["input"]["pidfile"], "w") as f:
    f.write(str(child.pid))
time.sleep(60)
