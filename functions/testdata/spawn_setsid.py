# Task: starts a child, and a grandchild that calls setsid to leave the
# process group and session, writes "CHILD GRANDCHILD" to $PIDS_FILE, then
# answers "done" (or, with HANG=1 in the environment, waits forever).
# As a worker (argv[1] == "worker") it does the same on its first request.
import json, os, sys, time

def spawn():
    pids_file = os.environ["PIDS_FILE"]
    r, w = os.pipe()
    child = os.fork()
    if child == 0:
        os.close(r)
        grandchild = os.fork()
        if grandchild == 0:
            os.setsid()
            time.sleep(300)
            os._exit(0)
        os.write(w, str(grandchild).encode())
        os.close(w)
        time.sleep(300)
        os._exit(0)
    os.close(w)
    grandchild = os.read(r, 32).decode()
    with open(pids_file + ".tmp", "w") as f:
        f.write("%d %s" % (child, grandchild))
    os.rename(pids_file + ".tmp", pids_file)
    if os.environ.get("HANG") == "1":
        time.sleep(300)

if len(sys.argv) > 1 and sys.argv[1] == "worker":
    for line in sys.stdin:
        req = json.loads(line)
        spawn()
        print(json.dumps({"id": req["id"], "output": "done"}), flush=True)
else:
    json.load(sys.stdin)
    spawn()
    print(json.dumps("done"))
