package view

import (
	"context"
	"flag"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/caliperhq/caliper/store"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

var updateScreenshots = flag.Bool("update-screenshots", false, "write screenshots of the main pages to docs/screenshots")

// chromiumPath finds a Chromium to drive. Without one the browser tests
// skip, except when CALIPER_REQUIRE_CHROMIUM=1 (as in CI), where they fail.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CALIPER_REQUIRE_CHROMIUM") == "1" {
		t.Fatal("no chromium on PATH, and CALIPER_REQUIRE_CHROMIUM=1: install it (apt-get install -y chromium)")
	}
	t.Skip("no chromium on PATH: install it (apt-get install -y chromium) to run the browser tests")
	return ""
}

// newBrowser starts a headless Chromium with a fresh profile, for one test.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	path := chromiumPath(t)
	if testing.Short() {
		t.Skip("browser tests are not short")
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck, chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1360, 900),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("hide-scrollbars", true))
	ctx, cancelCtx := chromedp.NewContext(alloc)
	ctx, cancelTimeout := context.WithTimeout(ctx, 60*time.Second)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	return ctx
}

// dialogs records the JavaScript dialogs a tab opens, dismissing each.
type dialogs struct {
	mu   sync.Mutex
	seen []string
}

func watchDialogs(ctx context.Context) *dialogs {
	d := &dialogs{}
	opening := chromedp.Events(ctx, cdppage.JavascriptDialogOpening)
	go func() {
		for ev, err := range opening {
			if err != nil {
				return
			}
			d.mu.Lock()
			d.seen = append(d.seen, ev.Message)
			d.mu.Unlock()
			go chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
				_, err := chromedp.Call(ctx, cdppage.HandleJavaScriptDialog, cdppage.HandleJavaScriptDialogParams{Accept: false})
				return err
			}))
		}
	}()
	return d
}

func (d *dialogs) messages() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]string(nil), d.seen...)
}

func must(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatal(err)
	}
}

func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(sel))
	if err != nil {
		t.Fatalf("reading %s: %v", sel, err)
	}
	return s
}

func eval[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("evaluating %s: %v", js, err)
	}
	return v
}

// waitFor evaluates js until it is true, across the page's own reloads.
func waitFor(t *testing.T, ctx context.Context, js string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js)); err == nil && ok {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	body, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.location.href + "\n" + document.body.innerText`))
	t.Fatalf("still not true after 20s: %s\n%s", js, body)
}

// screenshot saves the page as docs/screenshots/name.png with -update-screenshots.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	if !*updateScreenshots {
		return
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join("..", "docs", "screenshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestBrowserWalkthrough walks the pages as a reviewer would: the list, an
// experiment, its errored cases, a case's span tree, the comparison with
// the base, and a human score that is still there after a reload; on
// SQLite (taking the screenshots), then on PostgreSQL with every page
// served by the store's queries on a first look.
func TestBrowserWalkthrough(t *testing.T) {
	for _, b := range testBackends {
		t.Run(b.name, func(t *testing.T) {
			f := newFixtureOn(t, b.open(t))
			s := f.server(t, Options{Reviewer: "Grace"})
			shots := b.name == "sqlite"
			if !shots {
				s.inlineRows = 0
			}
			walkthrough(t, f, s, shots)
		})
	}
}

func walkthrough(t *testing.T, f *fixture, s *Server, shots bool) {
	ctx := newBrowser(t)
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	shoot := func(name string) {
		if shots {
			screenshot(t, ctx, name)
		}
	}
	dl := watchDialogs(ctx)

	must(t, ctx, chromedp.Navigate(srv.URL+"/"), chromedp.WaitVisible("table.experiments"))
	if got := text(t, ctx, "main"); !strings.Contains(got, "feature") || !strings.Contains(got, "attack") {
		t.Fatalf("the list lacks the experiments: %q", got)
	}
	shoot("experiments")

	must(t, ctx, chromedp.Click(`a.exp-link[href="/e/`+f.cur.ID+`"]`), chromedp.WaitVisible("#scores"))
	if got := text(t, ctx, "#scores"); !strings.Contains(got, "correct") || !strings.Contains(got, "0.738") {
		t.Fatalf("the experiment's scores: %q", got)
	}
	if got := text(t, ctx, "#errors"); !strings.Contains(got, "task timed out after 30s") || !strings.Contains(got, "connection refused") {
		t.Fatalf("the experiment's errors: %q", got)
	}
	shoot("experiment")

	must(t, ctx, chromedp.Click("#tab-errored"), chromedp.WaitVisible("#cases"))
	ids := eval[[]string](t, ctx, `[...document.querySelectorAll("#cases a.case-link")].map(a => a.textContent)`)
	if strings.Join(ids, ",") != "case-05,case-06,case-09" {
		t.Fatalf("errored cases: %v", ids)
	}
	must(t, ctx, chromedp.Navigate(srv.URL+casesURL(f.cur.ID, "sort", "score:similar", "dir", "desc")), chromedp.WaitVisible("#cases"))
	shoot("cases")

	must(t, ctx, chromedp.Navigate(srv.URL+casesURL(f.cur.ID)), chromedp.WaitVisible("#cases"),
		chromedp.Click(`a.case-link[href$="/cases/case-01"]`), chromedp.WaitVisible("ul.span-tree"))
	tree := text(t, ctx, "ul.span-tree")
	for _, want := range []string{"task", "openai/gpt-4o", "You add numbers.", "factual", "openai/gpt-4o-mini", "412ms", "21 prompt tokens"} {
		if !strings.Contains(tree, want) {
			t.Errorf("the span tree lacks %q: %q", want, tree)
		}
	}
	if got := text(t, ctx, "table.scores"); !strings.Contains(got, "The answer matches the expert answer exactly.") {
		t.Errorf("the judge's reasons are missing: %q", got)
	}
	shoot("case")

	must(t, ctx, chromedp.Navigate(srv.URL+expURL(f.cur.ID)), chromedp.WaitVisible("#tab-compare"),
		chromedp.Click("#tab-compare"), chromedp.WaitVisible("#compare-cases"))
	kinds := eval[[]string](t, ctx, `[...document.querySelectorAll("#compare-cases tbody tr")].map(r => r.className)`)
	regressed := eval[[]string](t, ctx, `[...document.querySelectorAll("#compare-cases tr.regressed a.case-link")].map(a => a.textContent)`)
	if len(kinds) != 20 || len(regressed) != 6 || strings.Join(kinds[:6], ",") != strings.Repeat("regressed,", 5)+"regressed" {
		t.Fatalf("the compare page does not list the 6 regressed cases first: %v", kinds)
	}
	if !slices.Contains(regressed, "case-03") || !slices.Contains(regressed, "case-07") {
		t.Errorf("regressed cases: %v", regressed)
	}
	shoot("compare")

	must(t, ctx, chromedp.Navigate(srv.URL+caseURL(f.cur.ID, "case-03")), chromedp.WaitVisible("#review"),
		chromedp.SetValue(`input[name=name]`, "helpful"), chromedp.SetValue(`input[name=score]`, "0.25"),
		chromedp.SetValue(`input[name=label]`, "wrong-sum"), chromedp.SetValue(`textarea[name=comment]`, "adds one too many"),
		chromedp.Click("#save-feedback"))
	waitFor(t, ctx, `document.querySelector("li.feedback") !== null`)
	must(t, ctx, chromedp.Reload(), chromedp.WaitVisible("li.feedback"))
	got := text(t, ctx, "#review")
	for _, want := range []string{"helpful", "0.250", "wrong-sum", "adds one too many", "Grace"} {
		if !strings.Contains(got, want) {
			t.Errorf("the feedback after a reload lacks %q: %q", want, got)
		}
	}
	shoot("review")
	must(t, ctx, chromedp.Navigate(srv.URL+expURL(f.cur.ID)), chromedp.WaitVisible("#feedback-summary"))
	if got := text(t, ctx, "#feedback-summary"); !strings.Contains(got, "helpful") || !strings.Contains(got, "0.250") {
		t.Errorf("the experiment's feedback summary: %q", got)
	}
	if m := dl.messages(); len(m) > 0 {
		t.Errorf("dialogs opened: %q", m)
	}
}

// TestBrowserHostileOutputs opens every page of an experiment whose
// inputs, outputs, errors, judge reasons, spans and case ids hold markup and
// script, and checks that none of it ran or became an element.
func TestBrowserHostileOutputs(t *testing.T) {
	ctx := newBrowser(t)
	f := newFixture(t)
	srv := httptest.NewServer(f.server(t, Options{}).Handler())
	defer srv.Close()
	dl := watchDialogs(ctx)
	pages := []string{"/", "/?q=" + url.QueryEscape(hostileTexts[0]), expURL(f.hostile.ID), casesURL(f.hostile.ID),
		casesURL(f.hostile.ID, "q", "script"), "/compare?a=" + f.hostile.ID + "&b=" + f.hostile.ID}
	for i := range hostileTexts {
		pages = append(pages, caseURL(f.hostile.ID, hostileCaseID(i)))
	}
	for _, p := range pages {
		must(t, ctx, chromedp.Navigate(srv.URL+p), chromedp.WaitReady("body"))
		if status := eval[string](t, ctx, `document.title`); strings.Contains(status, "404") {
			t.Errorf("%s: %s", p, status)
		}
		checks := map[string]string{
			"a script ran":                     `window.__pwned !== undefined`,
			"an injected element":              `document.querySelector("#injected, svg[onload], img[onerror]") !== null`,
			"an event-handler attribute":       `[...document.querySelectorAll("*")].some(e => [...e.attributes].some(a => a.name.startsWith("on")))`,
			"a javascript: link":               `[...document.querySelectorAll("a")].some(a => a.protocol === "javascript:")`,
			"a script other than the viewer's": `[...document.scripts].some(s => !s.src.endsWith("/static/view.js"))`,
			"a textarea holding page markup":   `[...document.querySelectorAll("textarea")].some(t => t.value.includes("<"))`,
		}
		for what, js := range checks {
			if eval[bool](t, ctx, js) {
				t.Errorf("%s: %s", p, what)
			}
		}
	}
	must(t, ctx, chromedp.Navigate(srv.URL+caseURL(f.hostile.ID, hostileCaseID(0))), chromedp.WaitVisible("pre.output"))
	if got := text(t, ctx, "pre.output"); got != hostileTexts[0] {
		t.Errorf("the hostile output is not shown as text: %q", got)
	}
	if m := dl.messages(); len(m) > 0 {
		t.Errorf("dialogs opened: %q", m)
	}
}

func hostileCaseID(i int) string {
	return []string{"00-", "01-", "02-", "03-", "04-", "05-"}[i] + hostileTexts[i]
}

// TestBrowserTokenOffLoopback serves on every interface: the browser gets
// nothing without the token the server made up, and the pages with it.
func TestBrowserTokenOffLoopback(t *testing.T) {
	ctx := newBrowser(t)
	f := newFixture(t)
	s := f.server(t, Options{Addr: "0.0.0.0:0"})
	ln, err := s.Listen()
	if err != nil {
		t.Fatal(err)
	}
	if s.Token() == "" {
		t.Fatal("no token made up for a non-loopback address")
	}
	sctx, stop := context.WithCancel(context.Background())
	defer stop()
	go s.Serve(sctx, ln)
	_, port, _ := strings.Cut(ln.Addr().String(), "]:")
	if port == "" {
		_, port, _ = strings.Cut(ln.Addr().String(), ":")
	}
	base := "http://127.0.0.1:" + port
	must(t, ctx, chromedp.Navigate(base+"/"), chromedp.WaitReady("body"))
	if got := text(t, ctx, "body"); !strings.Contains(got, "needs its token") {
		t.Fatalf("without the token: %q", got)
	}
	must(t, ctx, chromedp.Navigate(base+expURL(f.cur.ID)), chromedp.WaitReady("body"))
	if got := text(t, ctx, "body"); !strings.Contains(got, "needs its token") {
		t.Fatalf("an experiment without the token: %q", got)
	}
	must(t, ctx, chromedp.Navigate(base+"/?token="+s.Token()), chromedp.WaitVisible("table.experiments"))
	if loc := eval[string](t, ctx, `location.search`); loc != "" {
		t.Errorf("the token stays in the address bar: %q", loc)
	}
	must(t, ctx, chromedp.Navigate(base+expURL(f.cur.ID)), chromedp.WaitVisible("#scores"))
}

// TestBrowserLiveRefresh opens a running experiment and writes more rows:
// the page shows them without a reload by hand.
func TestBrowserLiveRefresh(t *testing.T) {
	ctx := newBrowser(t)
	f := newFixture(t)
	bg := context.Background()
	e := &store.Experiment{Name: "running", Eval: "qa"}
	if err := f.db.CreateExperiment(bg, e); err != nil {
		t.Fatal(err)
	}
	write := func(from, to int) {
		w := f.db.NewWriter(e.ID, store.WriterOptions{})
		for i := from; i < to; i++ {
			if err := w.Write(qaRow(i, 0, 1, "")); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
	}
	write(0, 5)
	srv := httptest.NewServer(f.server(t, Options{}).Handler())
	defer srv.Close()
	must(t, ctx, chromedp.Navigate(srv.URL+casesURL(e.ID)), chromedp.WaitVisible("#cases"))
	if got := text(t, ctx, "h1"); !strings.Contains(got, "5 of 5 rows") {
		t.Fatalf("before: %q", got)
	}
	if eval[string](t, ctx, `document.body.dataset.live`) == "" {
		t.Fatal("the page of a running experiment does not refresh itself")
	}
	write(5, 12)
	waitFor(t, ctx, `document.querySelector("h1").textContent.includes("12 of 12 rows")`)
	must(t, ctx, chromedp.Navigate(srv.URL+"/"), chromedp.WaitVisible("table.experiments"))
	rowsOf := `[...document.querySelectorAll("tr")].find(tr => tr.textContent.includes("running") && tr.querySelector("a.exp-link").textContent === "running").querySelector("td.num").textContent`
	if got := eval[string](t, ctx, rowsOf); got != "12" {
		t.Fatalf("the list shows %q rows of the running experiment, want 12", got)
	}
	write(12, 15)
	waitFor(t, ctx, rowsOf+` === "15"`)
	f.finish(t, e, store.StatusCompleted)
	waitFor(t, ctx, `document.querySelector("#live") === null && document.body.textContent.includes("completed")`)
	must(t, ctx, chromedp.Navigate(srv.URL+casesURL(e.ID)), chromedp.WaitVisible("#cases"))
	if eval[string](t, ctx, `document.body.dataset.live || ""`) != "" {
		t.Error("the page of a finished experiment still refreshes itself")
	}
}
