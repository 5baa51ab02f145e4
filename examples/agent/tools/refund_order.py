"""refund_order: refunds an order (here, it only says which refund it would make)."""
import json
import sys

from orders import ORDERS

args = json.load(sys.stdin)["input"]
if args["order_id"] not in ORDERS:
    sys.stderr.write("no order %d\n" % args["order_id"])
    sys.exit(1)
print("refund R-%d for %s" % (args["order_id"], args["reason"]))
