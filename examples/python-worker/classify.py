#!/usr/bin/env python3
"""A support-ticket classifier run as a Caliper worker.

Caliper starts one process per concurrency slot and speaks JSON Lines over
stdin/stdout: each line in is {"id", "input", "expected", "metadata",
"parameters", "trial"}; each line out is {"id", "output"} or {"id", "error"}.
Logs go to stderr: stdout carries only responses.
"""
import json
import sys

RULES = [
    ("billing", ("invoice", "charge", "refund", "payment", "card")),
    ("outage", ("down", "error 500", "cannot connect", "timeout", "unavailable")),
    ("account", ("password", "login", "sign in", "2fa", "email")),
]


def classify(text):
    text = text.lower()
    for label, words in RULES:
        if any(w in text for w in words):
            return label
    return "other"


def main():
    for line in sys.stdin:
        req = json.loads(line)
        try:
            ticket = req["input"]["ticket"]
            resp = {"id": req["id"], "output": classify(ticket)}
        except Exception as exc:  # an error on this case, not a crash of the worker
            resp = {"id": req["id"], "error": f"{type(exc).__name__}: {exc}"}
        sys.stdout.write(json.dumps(resp) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
