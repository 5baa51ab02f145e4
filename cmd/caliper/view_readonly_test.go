package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/caliperhq/caliper/store"
)

// nobody is the user the read-only test serves as when it runs as root, for
// whom file modes hold.
const nobody = 65534

// TestViewServesAReadOnlyStore starts caliper view on a store file of mode
// 0444 in a directory of mode 0555, as a user those modes bind (nobody, when
// the test runs as root, who ignores them): the viewer must open it
// read-only, show its pages, and refuse feedback with a reason.
func TestViewServesAReadOnlyStore(t *testing.T) {
	t.Parallel()
	root, err := os.MkdirTemp("", "caliper-view-ro-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		os.Chmod(filepath.Join(root, "store"), 0o755) //nolint:errcheck // removed next
		os.RemoveAll(root)
	})
	if err := os.Chmod(root, 0o755); err != nil {
		t.Fatal(err)
	}
	bin := buildCaliper(t, root)
	dir := filepath.Join(root, "store")
	path := filepath.Join(dir, "caliper.db")
	ctx := context.Background()
	db, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	e := &store.Experiment{Eval: "qa", Name: "main", Status: store.StatusCompleted}
	if err := db.CreateExperiment(ctx, e); err != nil {
		t.Fatal(err)
	}
	w := db.NewWriter(e.ID, store.WriterOptions{})
	for _, id := range []string{"a", "b"} {
		if err := w.Write(&store.Row{CaseID: id, Input: json.RawMessage(`{"q":1}`), Output: json.RawMessage(`"out ` + id + `"`), Scores: map[string]float64{"correct": 1}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	for _, en := range entries {
		if err := os.Chmod(filepath.Join(dir, en.Name()), 0o444); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chmod(dir, 0o555); err != nil {
		t.Fatal(err)
	}

	cmd := exec.Command(bin, "view", "--store", path, "--addr", "127.0.0.1:0")
	cmd.Dir = dir
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + root, "USER=reader"}
	if os.Geteuid() == 0 {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobody, Gid: nobody}}
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr syncBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill() //nolint:errcheck // it may have exited
		cmd.Wait()         //nolint:errcheck // killed
	})
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := regexp.MustCompile(`serving the experiments at (\S+)`).FindStringSubmatch(sc.Text()); m != nil {
				addr <- m[1]
			}
		}
		close(addr)
	}()
	var base string
	select {
	case u, ok := <-addr:
		if !ok {
			cmd.Wait() //nolint:errcheck // it exited
			t.Fatalf("caliper view exited without serving: %s", stderr.String())
		}
		base = strings.TrimSuffix(u, "/")
	case <-time.After(30 * time.Second):
		t.Fatalf("caliper view did not start: %s", stderr.String())
	}
	fetch := func(method, target string, form url.Values) (int, string) {
		t.Helper()
		var body io.Reader
		if form != nil {
			body = strings.NewReader(form.Encode())
		}
		req, err := http.NewRequest(method, base+target, body)
		if err != nil {
			t.Fatal(err)
		}
		if form != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Origin", base)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := fetch("GET", "/", nil); code != 200 || !strings.Contains(body, "main") {
		t.Fatalf("GET /: %d %s", code, body)
	}
	code, page := fetch("GET", "/e/"+e.ID+"/cases/a", nil)
	if code != 200 || !strings.Contains(page, "Feedback is disabled") || !strings.Contains(page, "<fieldset disabled") {
		t.Fatalf("the case page: %d, want its review form disabled with a reason:\n%s", code, page)
	}
	csrf := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(page)
	if csrf == nil {
		t.Fatal("no CSRF token on the case page")
	}
	code, body := fetch("POST", "/e/"+e.ID+"/cases/a/feedback", url.Values{"csrf": {csrf[1]}, "name": {"helpful"}, "score": {"1"}, "author": {"t"}})
	if code != http.StatusConflict || !strings.Contains(body, "read-only") {
		t.Errorf("POST feedback: %d %s, want 409 saying the store is read-only", code, body)
	}
	for end := time.Now().Add(5 * time.Second); !strings.Contains(stderr.String(), "serving the store read-only") && time.Now().Before(end); {
		time.Sleep(10 * time.Millisecond)
	}
	if !strings.Contains(stderr.String(), "serving the store read-only") {
		t.Errorf("no read-only note on stderr: %q", stderr.String())
	}
}
