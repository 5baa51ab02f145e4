# Worker: answers N requests (argv[1], default 5), then exits with status 0
# while idle, as workers that recycle themselves to bound their memory do.
# With "linger" as argv[2] it sleeps a little before exiting, so that the next
# request reaches it before it is gone.
import json, os, sys, time

limit = int(sys.argv[1]) if len(sys.argv) > 1 else 5
linger = len(sys.argv) > 2 and sys.argv[2] == "linger"
served = 0
while served < limit:
    line = sys.stdin.readline()
    if not line:
        break
    req = json.loads(line)
    print(json.dumps({"id": req["id"], "output": {"input": req["input"], "pid": os.getpid()}}), flush=True)
    served += 1
if linger:
    time.sleep(0.05)
