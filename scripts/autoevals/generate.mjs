// Generates scorers/testdata/autoevals.jsonl.gz: a seeded corpus of cases for
// Caliper's heuristic built-in scorers, each scored by the autoevals npm
// package (the version package.json pins). scorers/autoevals_test.go scores
// every case with Caliper's built-ins and compares.
//
//   cd scripts/autoevals && npm ci && node generate.mjs [--seed N] [--out FILE]
//
// One JSON object per line:
//   {"id", "scorer", "kind", "deliberate", "output", "expected", "schema",
//    "allow_extra", "pairwise", "score"}
// kind says what the case exercises; deliberate, when set, names a documented
// difference between Caliper and autoevals JS that the case runs into (decided
// from the case's content, see deliberateDifference), and the Go test does not
// compare its score. score is null when autoevals gives NaN.
// Values are written as JSON, except that -0 is written -0 so that both sides
// read the same number.

import { createRequire } from "node:module";
import { writeFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { fileURLToPath } from "node:url";
import path from "node:path";
import {
  ExactMatch,
  JSONDiff,
  Levenshtein,
  ListContains,
  NumericDiff,
  ValidJSON,
} from "autoevals";

// ajv, which ValidJSON uses, logs a warning for each union type it compiles.
const warn = console.warn;
console.warn = (...a) => (String(a[0]).startsWith("strict mode:") ? undefined : warn(...a));

const require = createRequire(import.meta.url);
const autoevalsVersion = require("autoevals/package.json").version;

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const seed = Number(option("--seed", "20260901"));
const here = path.dirname(fileURLToPath(import.meta.url));
const out = option("--out", path.join(here, "../../scorers/testdata/autoevals.jsonl.gz"));

// mulberry32: a small seeded generator, so the corpus is the same on every run.
function mulberry32(a) {
  return () => {
    a |= 0;
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = mulberry32(seed);
const int = (n) => Math.floor(rand() * n);
const pick = (xs) => xs[int(xs.length)];
const chance = (p) => rand() < p;

// Pieces of text: ASCII, accents (precomposed and combining), CJK, Cyrillic,
// characters beyond U+FFFF, and the whitespace and separators JSON treats apart.
const pieces = [
  "a", "b", "c", "x", "y", "foo", "bar", "Foo", "hello", "world", " ", "  ", "-", "_", ".", ",",
  "0", "1", "42", "\"", "\\", "/", "{", "}", "[", "]", ":",
  "é", "e\u0301", "ü", "ñ", "ß", "Å", "日本", "語", "中文", "Привет", "мир", "ا", "λ",
  "\u00a0", "\u3000", "\u2028", "\u2029", "\v", "\f", "\t", "\n", "\r", "\u0000", "\u001f", "\u007f",
  "\ufeff", "\uff01", "\ue000",
];
const astral = ["😀", "👍", "👎", "𝄞", "🇫🇷", "👨‍👩‍👧"];

const hasAstral = (s) => /[\u{10000}-\u{10FFFF}]/u.test(s);

function randomText(maxPieces, allowAstral) {
  let s = "";
  const n = int(maxPieces + 1);
  for (let i = 0; i < n; i++) {
    s += allowAstral && chance(0.08) ? pick(astral) : pick(pieces);
  }
  return s;
}

const numbers = [
  0, -0, 1, -1, 2, 3, 7, 10, 42, 100, 105, -105, 0.5, 0.1, 0.2, 0.3, 1.5, -2.25, 3.14159, 1e-7,
  1.5e-7, 5e-324, 1e21, 1e20, 123456789, 9007199254740991, 9007199254740993, 12345678901234567890,
  1e300, -1e300, 1.7976931348623157e308, -1.7976931348623157e308, 2.5e-10, 1234.5678,
];

function randomNumber() {
  if (chance(0.6)) return pick(numbers);
  if (chance(0.5)) return int(2001) - 1000;
  return Number(((rand() - 0.5) * 10 ** int(8)).toPrecision(1 + int(10)));
}

const keys = ["a", "b", "c", "id", "name", "Name", "mapping", "Extra", "x", "10", "2", "01", "-1", "é", "日本", "😀", "\uff01", "a b", ""];

function randomValue(depth, allowAstral = true) {
  const r = rand();
  if (depth <= 0 || r < 0.45) {
    return pick([
      () => null,
      () => chance(0.5),
      () => randomNumber(),
      () => randomText(4, allowAstral),
      () => randomText(4, allowAstral),
    ])();
  }
  if (r < 0.72) {
    return Array.from({ length: int(5) }, () => randomValue(depth - 1, allowAstral));
  }
  const o = {};
  for (let i = int(5); i > 0; i--) o[pick(keys)] = randomValue(depth - 1, allowAstral);
  return o;
}

// whitespace around a JSON text: JSON's own, or characters JSON.parse refuses.
const jsonSpace = ["", " ", "\n", "\t", "\r\n", "  \n"];
const otherSpace = ["\u00a0", "\u3000", "\v", "\f", "\ufeff", "\u2028"];

function asJSONText(v) {
  let s = JSON.stringify(v, null, chance(0.3) ? 2 : undefined);
  if (chance(0.3)) s = pick(jsonSpace) + s + pick(jsonSpace);
  if (chance(0.15)) s = chance(0.5) ? pick(otherSpace) + s : s + pick(otherSpace);
  if (chance(0.08)) s = s.slice(0, Math.max(1, s.length - 1 - int(3))); // cut short
  return s;
}

function shuffleKeys(o) {
  const ks = Object.keys(o);
  for (let i = ks.length - 1; i > 0; i--) {
    const j = int(i + 1);
    [ks[i], ks[j]] = [ks[j], ks[i]];
  }
  const r = {};
  for (const k of ks) r[k] = o[k];
  return r;
}

// mutate returns a value like v: sometimes equal, sometimes edited, with keys
// reordered, types swapped, or written as JSON text.
function mutate(v, depth = 0) {
  if (chance(0.2)) return structuredClone(v);
  if (chance(0.1)) return randomValue(2);
  if (typeof v === "string") {
    if (chance(0.3) || v === "") return v + pick(pieces);
    const i = int(v.length);
    return chance(0.5) ? v.slice(0, i) + pick(pieces) + v.slice(i + 1) : v.slice(0, i) + v.slice(i + 1);
  }
  if (typeof v === "number") {
    const m = pick([() => String(v), () => -v, () => v + 1, () => v * 1.05, () => (v === 0 ? -0 : 0), () => v])();
    return typeof m === "number" && !Number.isFinite(m) ? v : m;
  }
  if (typeof v === "boolean") return pick([!v, String(v), v]);
  if (v === null) return pick([null, "null", 0, "", {}]);
  if (depth < 3 && chance(0.15)) return asJSONText(v);
  if (Array.isArray(v)) {
    const a = v.map((e) => (chance(0.5) ? mutate(e, depth + 1) : e));
    if (chance(0.2)) a.push(randomValue(1));
    if (chance(0.2)) a.pop();
    return a;
  }
  let o = {};
  for (const [k, e] of Object.entries(v)) {
    if (chance(0.1)) continue;
    o[chance(0.05) ? k.toUpperCase() : k] = chance(0.5) ? mutate(e, depth + 1) : e;
  }
  if (chance(0.2)) o[pick(keys)] = randomValue(1);
  if (chance(0.3)) o = shuffleKeys(o);
  return o;
}

// encode writes v as JSON, -0 as -0.
function encode(v) {
  if (typeof v === "number") {
    if (!Number.isFinite(v)) throw new Error(`no JSON for ${v}`);
    return Object.is(v, -0) ? "-0" : JSON.stringify(v);
  }
  if (Array.isArray(v)) return "[" + v.map(encode).join(",") + "]";
  if (v !== null && typeof v === "object") {
    return "{" + Object.entries(v).map(([k, e]) => JSON.stringify(k) + ":" + encode(e)).join(",") + "}";
  }
  return JSON.stringify(v);
}

const isObject = (v) => v instanceof Object && !(v instanceof Array);

function sortKeysDeep(v) {
  if (Array.isArray(v)) return v.map(sortKeysDeep);
  if (isObject(v)) {
    const r = {};
    for (const k of Object.keys(v).sort()) r[k] = sortKeysDeep(v[k]);
    return r;
  }
  return v;
}

// anyText reports whether test holds for a string anywhere in v, keys included.
function anyText(v, test) {
  if (typeof v === "string") return test(v);
  if (Array.isArray(v)) return v.some((e) => anyText(e, test));
  if (isObject(v)) return Object.entries(v).some(([k, e]) => test(k) || anyText(e, test));
  return false;
}

// anyNumber reports whether test holds for a number anywhere in v.
function anyNumber(v, test) {
  if (typeof v === "number") return test(v);
  if (Array.isArray(v)) return v.some((e) => anyNumber(e, test));
  if (isObject(v)) return Object.values(v).some((e) => anyNumber(e, test));
  return false;
}

const structured = (v) => v !== null && typeof v === "object";

// The deliberate differences between Caliper and autoevals JS, each decided
// from the content of a case; README.md ("Scores and autoevals") lists them.
//   utf16_length: the texts compared by edit distance hold characters beyond
//     U+FFFF; autoevals JS counts UTF-16 units, Caliper code points (as
//     autoevals Python does).
//   levenshtein_of_structure: levenshtein of an object or an array; autoevals
//     JS compares `${value}` ("[object Object]", "a,b"), Caliper the JSON text.
//   key_order: exact_match of objects whose keys come in another order;
//     autoevals compares JSON texts, Caliper compares by JSON equality.
//   nan: autoevals computes NaN (an infinity against an infinity or numbers
//     whose difference overflows), for the case or for one pair of a
//     list_contains, which then scores 0; Caliper scores such a pair 0, or 1
//     for equal values.
//   beyond_float64_schema: valid_json with a schema of a text holding a number
//     beyond float64 (1e400); JSON.parse makes it Infinity, which ajv's number
//     type refuses; Caliper validates the number as JSON writes it.
async function deliberateDifference(c, score) {
  if (Number.isNaN(score)) return "nan";
  if (c.scorer === "list_contains" && Array.isArray(c.output) && Array.isArray(c.expected)) {
    const pairwise = pairwiseScorers[c.pairwise ?? "levenshtein"];
    for (const o of c.output) {
      for (const e of c.expected) {
        if (Number.isNaN((await pairwise({ output: o, expected: e })).score)) return "nan";
      }
    }
  }
  if (c.scorer === "valid_json" && c.schema !== undefined && typeof c.output === "string") {
    try {
      if (anyNumber(JSON.parse(c.output), (n) => !Number.isFinite(n))) return "beyond_float64_schema";
    } catch {
      // not JSON: no number in it
    }
  }
  const all = [c.output, c.expected];
  const edits = c.scorer === "levenshtein" || c.scorer === "json_diff" ||
    (c.scorer === "list_contains" && c.pairwise !== "numeric_diff" && c.pairwise !== "exact_match");
  if (edits && all.some((v) => anyText(v, hasAstral))) return "utf16_length";
  if (c.scorer === "levenshtein" && all.some(structured)) return "levenshtein_of_structure";
  if (c.scorer === "list_contains" && (c.pairwise ?? "levenshtein") === "levenshtein" &&
      all.some((l) => Array.isArray(l) && l.some(structured))) return "levenshtein_of_structure";
  if (c.scorer === "exact_match") {
    const maybeObject = all.some((v) => typeof v === "object");
    const canon = (v) => {
      if (typeof v === "string" && maybeObject) {
        try {
          return JSON.stringify(sortKeysDeep(JSON.parse(v)));
        } catch {
          return v;
        }
      }
      return sortKeysDeep(v);
    };
    const sorted = ExactMatch({ output: canon(c.output), expected: canon(c.expected) }).score;
    if (sorted !== score) return "key_order";
  }
  return "";
}

const pairwiseScorers = { levenshtein: Levenshtein, exact_match: ExactMatch, numeric_diff: NumericDiff, json_diff: JSONDiff };

async function score(c) {
  switch (c.scorer) {
    case "levenshtein":
      return Levenshtein({ output: c.output, expected: c.expected }).score;
    case "numeric_diff":
      return (await NumericDiff({ output: c.output, expected: c.expected })).score;
    case "json_diff":
      return (await JSONDiff({ output: c.output, expected: c.expected })).score;
    case "exact_match":
      return ExactMatch({ output: c.output, expected: c.expected }).score;
    case "valid_json":
      return (await ValidJSON({ output: c.output, schema: c.schema })).score;
    case "list_contains":
      return (await ListContains({
        output: c.output,
        expected: c.expected,
        allowExtraEntities: c.allow_extra,
        pairwiseScorer: c.pairwise ? pairwiseScorers[c.pairwise] : undefined,
      })).score;
  }
  throw new Error(`unknown scorer ${c.scorer}`);
}

const schemas = [
  {},
  { type: "number" },
  { type: "integer" },
  { type: "string", maxLength: 3 },
  { type: "null" },
  { type: ["string", "null"] },
  { enum: [1, "a", null] },
  { type: "array", items: { type: "integer" }, minItems: 1 },
  { type: "object", required: ["a"], properties: { a: { type: "string" } } },
  { type: "object", additionalProperties: false, properties: { x: { type: "number", minimum: 0 } } },
  { type: "object", properties: { mapping: { type: "object", additionalProperties: { type: "string" } } } },
  { type: "array", items: { type: ["number", "string"] }, maxItems: 3 },
];

const textValue = () => (chance(0.5) ? randomText(6, true) : asJSONText(randomValue(3)));

// kinds: what each case exercises, by scorer, with a generator of output and
// expected (and arguments).
const kinds = {
  levenshtein: {
    ascii: () => { const o = randomText(6, false).replace(/[^\x20-\x7e]/g, "a"); return [o, mutate(o)]; },
    unicode: () => { const o = randomText(8, false); return [o, mutate(o)]; },
    astral: () => { const o = randomText(6, true) + pick(astral); return [o, mutate(o)]; },
    empty: () => [pick(["", "a", " "]), pick(["", "ab"])],
    numbers: () => { const n = randomNumber(); return [n, mutate(n)]; },
    number_and_text: () => { const n = randomNumber(); return [n, String(n) + pick(["", "0", " "])]; },
    null_and_bool: () => [pick([null, true, false]), pick([null, "null", true, "true", "false"])],
    structure: () => { const v = randomValue(2, false); return [v, chance(0.5) ? JSON.stringify(v) : mutate(v)]; },
  },
  numeric_diff: {
    small: () => [int(21) - 10, int(21) - 10],
    signed_zero: () => [pick([0, -0]), pick([0, -0, 1, -1e-7])],
    close: () => { const n = randomNumber(); const m = n * (1 + (rand() - 0.5) / 10); return [n, Number.isFinite(m) ? m : n]; },
    any: () => [randomNumber(), randomNumber()],
    large: () => [pick(numbers.slice(-8)), pick(numbers.slice(-8))],
  },
  json_diff: {
    nested: () => { const v = randomValue(4); return [v, mutate(v)]; },
    objects: () => { const o = {}; for (const k of keys.slice(0, 3 + int(4))) o[k] = randomValue(2); return [o, mutate(o)]; },
    arrays: () => { const a = Array.from({ length: int(6) }, () => randomValue(2)); return [a, mutate(a)]; },
    json_text: () => { const v = randomValue(3); return [asJSONText(v), chance(0.5) ? v : asJSONText(mutate(v))]; },
    type_mismatch: () => { const v = randomValue(1); return [v, pick([String(v), JSON.stringify(v), [v], { a: v }, null])]; },
    scalars: () => [randomValue(0), randomValue(0)],
    nulls: () => [pick([null, { a: null }, [null]]), pick([null, {}, { a: null }, [], "null", 0])],
    negative_zero: () => [pick([-0, [-0], { a: -0 }, "[-0]"]), pick([0, [0], { a: 0 }, "-0", -0])],
    separators: () => [pick(["\u2028", { a: "\u2028" }, ["x\u2029y"]]), pick(["\u2028", { a: "\u2028" }, ["x\u2029y"], 1, true])],
  },
  exact_match: {
    strings: () => { const s = randomText(4, true); return [s, chance(0.5) ? s : mutate(s)]; },
    numbers_and_text: () => { const n = randomNumber(); return [n, pick([n, String(n), JSON.stringify(n), -n, ` ${n}`])]; },
    structures: () => { const v = randomValue(3); return [v, mutate(v)]; },
    structure_and_text: () => { const v = randomValue(3); return [v, chance(0.7) ? asJSONText(chance(0.7) ? v : mutate(v)) : textValue()]; },
    key_order: () => { const o = { b: 1, a: [1, { d: 2, c: 3 }], [pick(keys)]: randomValue(1) }; return [o, chance(0.5) ? shuffleKeys(o) : JSON.stringify(shuffleKeys(o))]; },
    nulls: () => [pick([null, "null"]), pick([null, "null", " null ", "", "nul", 0, "\"null\"", {}, []])],
    bools: () => [pick([true, false]), pick([true, false, "true", "false", "True", 1])],
    negative_zero: () => [pick([-0, [-0], { a: -0 }]), pick([0, "0", "-0", [0], "[0]", "[-0]", { a: 0 }])],
  },
  valid_json: {
    json_text: () => [asJSONText(randomValue(3)), undefined],
    scalar_text: () => [pick(["1", "-0", "true", "null", "\"a\"", " 1 ", "1e400", "abc", "", " "]), undefined],
    big_numbers: () => [pick(["[1e400]", "{\"a\":-1e400}", "[1e-400]", "[123456789012345678901234567890]", "[1e308]", "[1e309]"]), undefined],
    whitespace: () => [pick([...jsonSpace, ...otherSpace]) + pick(["{}", "[1]", "{\"a\":1}"]) + pick([...jsonSpace, ...otherSpace]), undefined],
    values: () => [randomValue(2), undefined],
  },
  valid_json_schema: {
    json_text: () => [asJSONText(randomValue(2, false)), pick(schemas)],
    scalar_text: () => [pick(["1", "1.0", "-0", "2.5", "true", "null", "\"a\"", "\"abcd\"", " 1 ", "abc", "", "1e400"]), pick(schemas)],
    values: () => [randomValue(2, false), pick(schemas)],
    matching: () => pick([
      [{ a: "x" }, schemas[8]], [{ a: 1 }, schemas[8]], [{ x: 1 }, schemas[9]], [{ x: -1 }, schemas[9]],
      [{ x: 1, y: 2 }, schemas[9]], [[1, 2], schemas[7]], [[], schemas[7]], [[1.5], schemas[7]], ["ab", schemas[3]],
      ["日本語", schemas[3]], ["日本語x", schemas[3]], [{ mapping: { a: "b" } }, schemas[10]], [{ mapping: { a: 1 } }, schemas[10]],
      [[1, "a", 2], schemas[11]], [[1, "a", 2, 3], schemas[11]], [1.0, schemas[2]], [1.5, schemas[2]], ["a", schemas[6]],
    ]),
  },
  list_contains: {
    strings: () => { const a = Array.from({ length: int(5) }, () => randomText(3, false)); return [a, a.map((s) => (chance(0.5) ? mutate(s) : s))]; },
    shuffled: () => { const a = Array.from({ length: 1 + int(5) }, () => randomText(3, false)); const b = a.map((s) => (chance(0.4) ? mutate(s) : s)); b.sort(() => rand() - 0.5); if (chance(0.3)) b.push(randomText(2, false)); if (chance(0.3)) b.pop(); return [a, b]; },
    unicode: () => { const a = Array.from({ length: 1 + int(4) }, () => randomText(3, true)); return [a, a.map((s) => mutate(s)).reverse()]; },
    scalars: () => [Array.from({ length: int(4) }, () => randomValue(0, false)), Array.from({ length: int(4) }, () => randomValue(0, false))],
    empty: () => [pick([[], ["a"]]), pick([[], ["a"], ["a", "b"]])],
    structures: () => { const a = Array.from({ length: 1 + int(3) }, () => randomValue(2, false)); return [a, a.map((v) => mutate(v))]; },
    numbers: () => [Array.from({ length: 1 + int(4) }, randomNumber), Array.from({ length: 1 + int(4) }, randomNumber)],
  },
};

const counts = {
  levenshtein: 800, numeric_diff: 400, json_diff: 1400, exact_match: 900,
  valid_json: 450, valid_json_schema: 450, list_contains: 700,
};

const lines = [];
const tally = {};
let id = 0;
for (const [scorerKind, n] of Object.entries(counts)) {
  const kindNames = Object.keys(kinds[scorerKind]);
  for (let i = 0; i < n; i++) {
    const kind = kindNames[i % kindNames.length];
    const [o, second] = kinds[scorerKind][kind]();
    const c = { id: ++id, scorer: scorerKind === "valid_json_schema" ? "valid_json" : scorerKind, kind: `${scorerKind}/${kind}` };
    if (c.scorer === "valid_json") {
      c.output = o;
      if (second !== undefined) c.schema = second;
    } else {
      c.output = o;
      c.expected = second;
    }
    if (c.scorer === "numeric_diff" && (typeof c.output !== "number" || typeof c.expected !== "number")) {
      throw new Error(`numeric_diff case ${id} is not two numbers`);
    }
    if (c.scorer === "list_contains") {
      c.allow_extra = chance(0.3);
      if (kind === "numbers") c.pairwise = "numeric_diff";
      else if (kind === "structures") c.pairwise = pick(["json_diff", "levenshtein"]);
      else if (kind === "scalars" && chance(0.5)) c.pairwise = "exact_match";
    }
    // Score what the Go side reads: the values after a trip through the corpus text.
    for (const key of ["output", "expected", "schema"]) {
      if (key in c) c[key] = JSON.parse(encode(c[key]));
    }
    const s = await score(c);
    c.deliberate = await deliberateDifference(c, s);
    c.score = Number.isNaN(s) ? null : s;
    const fields = ["id", "scorer", "kind", "deliberate", "output", "expected", "schema", "allow_extra", "pairwise", "score"];
    lines.push("{" + fields.filter((f) => c[f] !== undefined).map((f) => JSON.stringify(f) + ":" + encode(c[f])).join(",") + "}");
    tally[c.deliberate || "compared"] = (tally[c.deliberate || "compared"] || 0) + 1;
  }
}

const header = { autoevals: autoevalsVersion, seed, cases: lines.length, generator: "scripts/autoevals/generate.mjs" };
const body = [JSON.stringify(header), ...lines].join("\n") + "\n";
writeFileSync(out, gzipSync(body, { level: 9 }));
console.error(`wrote ${lines.length} cases to ${path.relative(process.cwd(), out)} (autoevals ${autoevalsVersion}, seed ${seed}):`, tally);
