// Caliper view: the little JavaScript the pages use. No store data is ever
// turned into markup here: the script only reloads pages and submits forms.
"use strict";

// Live refresh: a page of a running experiment polls its state and reloads
// when rows arrive or the run ends.
(function live() {
  const body = document.body;
  const state = body.dataset.live;
  if (!state) return;
  const url = body.dataset.stateUrl || (location.pathname.replace(/^(\/e\/[^/]+).*$/, "$1") + "/state");
  const tick = async () => {
    try {
      const r = await fetch(url, { credentials: "same-origin", cache: "no-store" });
      if (r.ok) {
        const s = await r.json();
        const now = s.status + ":" + s.rows;
        if (now !== state) { location.reload(); return; }
      }
    } catch (e) { /* the server may be restarting */ }
    setTimeout(tick, 2000);
  };
  setTimeout(tick, 2000);
})();

// The reviewer's name is remembered in this browser.
(function reviewer() {
  const input = document.querySelector("input[name=author]");
  if (!input) return;
  const saved = localStorage.getItem("caliper.reviewer");
  if (saved) input.value = saved; // the name this browser used last over the server's default
  input.form.addEventListener("submit", () => localStorage.setItem("caliper.reviewer", input.value));
})();
