"""lookup_order: the tool an agent calls to find an order.

Caliper runs it once per tool call (an exec function) with the call's
arguments as `input` on stdin; it prints the order as JSON. An unknown order
is an error (a non-zero exit): Caliper returns the error to the model as the
tool's result.
"""
import json
import sys

from orders import ORDERS

order_id = json.load(sys.stdin)["input"]["order_id"]
if order_id not in ORDERS:
    sys.stderr.write("no order %d\n" % order_id)
    sys.exit(1)
print(json.dumps(dict(ORDERS[order_id], order_id=order_id)))
