# One-shot: writes to stderr and exits with status 3.
import sys

sys.stdin.read()
print("something went wrong", file=sys.stderr)
print("details: bad input", file=sys.stderr)
sys.exit(3)
