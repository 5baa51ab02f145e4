#!/usr/bin/env node
// A support-ticket classifier run as a Caliper worker, in Node.js.
//
// Caliper starts one process per concurrency slot and speaks JSON Lines over
// stdin/stdout: each line in is {"id", "input", "expected", "metadata",
// "parameters", "trial"}; each line out is {"id", "output"} or
// {"id", "error"}, optionally with "metadata", "metrics", "tags" and "spans".
// Logs go to stderr (console.error): stdout carries only responses.
"use strict";
const readline = require("node:readline");

const RULES = [
  ["billing", ["invoice", "charge", "refund", "payment", "card"]],
  ["outage", ["down", "error 500", "cannot connect", "timeout", "unavailable"]],
  ["account", ["password", "login", "sign in", "2fa", "email"]],
];

function classify(text) {
  const lower = text.toLowerCase();
  for (const [label, words] of RULES) {
    const hits = words.filter((w) => lower.includes(w));
    if (hits.length > 0) return [label, hits];
  }
  return ["other", []];
}

function answer(req) {
  const ticket = req.input.ticket;
  const start = Date.now() / 1000;
  const [label, hits] = classify(ticket);
  return {
    id: req.id,
    output: label,
    metadata: { classifier: "rules-v1-node", matched: hits },
    metrics: { matched_words: hits.length },
    tags: ["rules", "node"],
    spans: [{ name: "match_rules", type: "function", input: ticket, output: label,
              start, end: Date.now() / 1000, attributes: { rules: RULES.length } }],
  };
}

const rl = readline.createInterface({ input: process.stdin, terminal: false });
rl.on("line", (line) => {
  if (line.trim() === "") return;
  const req = JSON.parse(line);
  let resp;
  try {
    resp = answer(req);
  } catch (err) { // an error on this case, not a crash of the worker
    resp = { id: req.id, error: String(err) };
  }
  process.stdout.write(JSON.stringify(resp) + "\n");
});
