// Computes the ROUGE-N reference numbers of scorers/testdata/rouge_n.json with js-rouge 3.2.3
// (rouge.n: clipped n-gram matches, F1 of precision and recall, Penn Treebank tokens).
const rouge = require('js-rouge');
const pairs = [
  ["the cat sat on the mat", "the cat was sitting on the mat"],
  ["The quick brown fox jumps over the lazy dog.", "A quick brown dog jumps over the lazy fox."],
  ["police killed the gunman", "the gunman was shot down by police"],
  ["the the the the", "the cat"],
  ["It is a guide to action which ensures that the military always obeys the commands of the party.", "It is a guide to action that ensures that the military will forever heed Party commands."],
  ["Hello, world!", "hello world"],
  ["apples, oranges and pears", "pears and apples"],
  ["completely different words", "nothing in common here"],
  ["one", "one two three"],
  ["The price rose 3.5 percent in 2024.", "In 2024 the price rose by 3.5 percent."],
];
const out = [];
for (const [c, r] of pairs) {
  for (const n of [1, 2, 3]) {
    for (const cs of [true, false]) {
      out.push({cand: c, ref: r, n, ignore_case: !cs, score: rouge.n(c, r, {n, caseSensitive: cs})});
    }
  }
}
console.log(JSON.stringify(out, null, 1));
