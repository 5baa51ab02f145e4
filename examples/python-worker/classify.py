#!/usr/bin/env python3
"""A support-ticket classifier run as a Caliper worker.

Caliper starts one process per concurrency slot and speaks JSON Lines over
stdin/stdout: each line in is {"id", "input", "expected", "metadata",
"parameters", "trial"}; each line out is {"id", "output"} or {"id", "error"},
optionally with what the task reports about itself: "metadata" (merged into
the row's), "metrics" (numbers, summed and gated like Caliper's own), "tags"
and "spans" (steps of the task, shown in its trace).
Logs go to stderr: stdout carries only responses.
"""
import json
import sys
import time

RULES = [
    ("billing", ("invoice", "charge", "refund", "payment", "card")),
    ("outage", ("down", "error 500", "cannot connect", "timeout", "unavailable")),
    ("account", ("password", "login", "sign in", "2fa", "email")),
]


def classify(text):
    """Returns the label and the words that decided it."""
    text = text.lower()
    for label, words in RULES:
        hits = [w for w in words if w in text]
        if hits:
            return label, hits
    return "other", []


def answer(req):
    ticket = req["input"]["ticket"]
    start = time.time()
    label, hits = classify(ticket)
    return {
        "id": req["id"],
        "output": label,
        "metadata": {"classifier": "rules-v1", "matched": hits},
        "metrics": {"matched_words": len(hits)},
        "tags": ["rules"],
        "spans": [{"name": "match_rules", "type": "function", "input": ticket,
                   "output": label, "start": start, "end": time.time(),
                   "attributes": {"rules": len(RULES)}}],
    }


def main():
    for line in sys.stdin:
        req = json.loads(line)
        try:
            resp = answer(req)
        except Exception as exc:  # an error on this case, not a crash of the worker
            resp = {"id": req["id"], "error": f"{type(exc).__name__}: {exc}"}
        sys.stdout.write(json.dumps(resp) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
