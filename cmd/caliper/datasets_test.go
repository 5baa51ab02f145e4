package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/caliperhq/caliper/datasets"
	"github.com/caliperhq/caliper/store"
)

const qaV1 = `{"id": "a", "input": {"q": "1 < 2?"}, "expected": "yes", "tags": ["smoke"]}
{"input": "no id: hashed", "metadata": {"lang": "en"}}
{"id": 3, "input": "three", "expected": 3}
`

// qaV2 changes a, adds d and drops 3.
const qaV2 = `{"id": "a", "input": {"q": "1 < 2?"}, "expected": "YES", "tags": ["smoke"]}
{"input": "no id: hashed", "metadata": {"lang": "en"}}
{"id": "d", "input": "four"}
`

func TestDatasetsCommands(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db := filepath.Join(dir, "store", "caliper.db")
	writeFile(t, filepath.Join(dir, "data", "qa.jsonl"), qaV1)
	writeFile(t, filepath.Join(dir, "data", "qa2.jsonl"), qaV2)
	writeFile(t, filepath.Join(dir, "data", "qa.csv"), "id,input,expected,lang\nx,hello,world,en\ny,\"a, b\",c,fr\n")
	hashed, err := datasets.HashID("no id: hashed")
	if err != nil {
		t.Fatal(err)
	}
	// Each step runs one command line after the other, with --store; its
	// exit code and output must be as given (want lines are substrings of
	// the output, in order; stdout is compared whole when exact is set).
	steps := []struct {
		args  []string
		code  int
		want  []string
		exact string
	}{
		{args: []string{"datasets", "list"}, want: []string{"DATASET  VERSION  ROWS  UPDATED\n", "no datasets in the store yet"}},
		{args: []string{"datasets", "push", "qa", "data/qa.jsonl"},
			exact: "pushed qa version 1: 3 added, 0 updated, 0 deleted, 0 unchanged\n"},
		{args: []string{"datasets", "push", "qa", "data/qa.jsonl"},
			exact: "qa is unchanged at version 1: the 3 rows of data/qa.jsonl are already there, so no new version was made\n"},
		{args: []string{"datasets", "push", "qa", "data/qa2.jsonl"},
			exact: "pushed qa version 2: 1 added, 1 updated, 0 deleted, 1 unchanged\n" +
				"  1 row not in data/qa2.jsonl kept (--delete-missing deletes them)\n"},
		{args: []string{"datasets", "push", "qa", "data/qa2.jsonl", "--delete-missing"},
			exact: "pushed qa version 3: 0 added, 0 updated, 1 deleted, 3 unchanged\n"},
		{args: []string{"datasets", "push", "greetings", filepath.Join(dir, "data", "qa.csv")},
			exact: "pushed greetings version 1: 2 added, 0 updated, 0 deleted, 0 unchanged\n"},
		{args: []string{"datasets", "list"}, want: []string{
			"DATASET    VERSION  ROWS  UPDATED\n", "greetings  1        2     ", "qa         3        3     "}},
		{args: []string{"datasets", "show", "qa"}, want: []string{
			"dataset qa, version 3 of 3: 3 rows\n\n",
			"VERSION  CREATED", "ROWS  ADDED  UPDATED  DELETED\n",
			"3 *      ", "  3     0      0        1\n",
			"2        ", "  4     1      1        0\n",
			"1        ", "  3     3      0        0\n",
			"\nthe rows of version 3:\n" +
				`{"id":"a","input":{"q":"1 < 2?"},"expected":"YES","tags":["smoke"]}` + "\n" +
				`{"id":"` + hashed + `","input":"no id: hashed","metadata":{"lang":"en"}}` + "\n" +
				`{"id":"d","input":"four"}` + "\n",
		}},
		{args: []string{"datasets", "show", "qa@1", "--rows", "2"}, want: []string{
			"dataset qa, version 1 of 3: 3 rows\n", "1 *", "\nthe first 2 rows of version 1 (caliper datasets pull qa@1 for all):\n",
			`{"id":"3","input":"three","expected":3}` + "\n" + `{"id":"a",`,
		}},
		{args: []string{"datasets", "pull", "qa@1"},
			exact: `{"id":"3","input":"three","expected":3}` + "\n" +
				`{"id":"a","input":{"q":"1 < 2?"},"expected":"yes","tags":["smoke"]}` + "\n" +
				`{"id":"` + hashed + `","input":"no id: hashed","metadata":{"lang":"en"}}` + "\n"},
		{args: []string{"datasets", "pull", "qa@1", "--out", "data/pulled.jsonl"},
			exact: "pulled qa version 1: 3 rows to data/pulled.jsonl\n"},
		// What pull writes, pushed back, is the same rows: version 4 is version 1.
		{args: []string{"datasets", "push", "qa", "data/pulled.jsonl", "--delete-missing"},
			exact: "pushed qa version 4: 1 added, 1 updated, 1 deleted, 1 unchanged\n"},
		{args: []string{"datasets", "push", "qa", "data/qa.jsonl"},
			exact: "qa is unchanged at version 4: the 3 rows of data/qa.jsonl are already there, so no new version was made\n"},
	}
	for i, st := range steps {
		args := append([]string{"--store", db}, st.args...)
		code, out, errOut := run(t, dir, args...)
		if code != st.code {
			t.Fatalf("step %d %v: exit %d, want %d\n%s%s", i, st.args, code, st.code, out, errOut)
		}
		if st.exact != "" && out != st.exact {
			t.Errorf("step %d %v: output\n%s\nwant\n%s", i, st.args, out, st.exact)
		}
		rest := out + errOut
		for _, w := range st.want {
			j := strings.Index(rest, w)
			if j < 0 {
				t.Errorf("step %d %v: output\n%s%s\ndoes not contain, in order, %q", i, st.args, out, errOut, w)
				break
			}
			rest = rest[j+len(w):]
		}
	}
	pulled, err := os.ReadFile(filepath.Join(dir, "data", "pulled.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	if _, out, _ := run(t, dir, "--store", db, "datasets", "pull", "qa"); out != string(pulled) {
		t.Errorf("version 4 pulls as\n%s\nwant version 1:\n%s", out, pulled)
	}
	if _, out, _ := run(t, dir, "--store", db, "datasets", "pull", "greetings", "-o", "-"); out != `{"id":"x","input":"hello","expected":"world","metadata":{"lang":"en"}}`+"\n"+
		`{"id":"y","input":"a, b","expected":"c","metadata":{"lang":"fr"}}`+"\n" {
		t.Errorf("the CSV dataset pulls as\n%s", out)
	}
	matches, _ := filepath.Glob(filepath.Join(dir, "data", ".caliper-pull-*"))
	if len(matches) > 0 {
		t.Errorf("pull left temporary files: %v", matches)
	}
}

func TestDatasetsDefaultStore(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "qa.jsonl"), qaV1)
	if code, out, errOut := run(t, dir, "datasets", "push", "qa", "qa.jsonl"); code != ExitOK {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(store.DefaultPath))); err != nil {
		t.Errorf("the push did not go to the default store: %v", err)
	}
	if code, out, _ := run(t, dir, "datasets", "list"); code != ExitOK || !strings.Contains(out, "qa       1        3") {
		t.Errorf("list: exit %d, %q", code, out)
	}
}

func TestDatasetsErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db := filepath.Join(dir, "caliper.db")
	writeFile(t, filepath.Join(dir, "qa.jsonl"), qaV1)
	writeFile(t, filepath.Join(dir, "bad.jsonl"), "{\"id\": \"a\", \"input\": 1}\n{\"id\": \"b\", \"input\": \n")
	writeFile(t, filepath.Join(dir, "dup.jsonl"), "{\"id\": \"a\", \"input\": 1}\n{\"id\": \"a\", \"input\": 2}\n")
	writeFile(t, filepath.Join(dir, "empty.jsonl"), "")
	writeFile(t, filepath.Join(dir, "qa.txt"), "hello\n")
	if code, out, errOut := run(t, dir, "--store", db, "datasets", "push", "qa", "qa.jsonl"); code != ExitOK {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	for _, tc := range []struct {
		args []string
		code int
		want []string
	}{
		{[]string{"push", "qa"}, ExitInvalid, []string{"accepts 2 arg(s), received 1"}},
		{[]string{"push", "qa@2", "qa.jsonl"}, ExitInvalid, []string{`pushing dataset "qa@2": name the dataset without @VERSION`}},
		{[]string{"push", "bad name", "qa.jsonl"}, ExitInvalid, []string{`the dataset name "bad name" is not valid`}},
		{[]string{"push", "qa", "missing.jsonl"}, ExitInvalid, []string{`pushing dataset "qa"`, "missing.jsonl", "no such file"}},
		{[]string{"push", "qa", "qa.txt"}, ExitInvalid, []string{`unknown format ".txt"`}},
		{[]string{"push", "qa", "bad.jsonl"}, ExitInvalid, []string{`pushing dataset "qa": bad.jsonl:2: `, "fix the row and push again"}},
		{[]string{"push", "qa", "dup.jsonl"}, ExitInvalid, []string{`dup.jsonl:2: case id "a" is also the id of the row at dup.jsonl:1`}},
		{[]string{"push", "fresh", "empty.jsonl"}, ExitInvalid, []string{"nothing to create"}},
		{[]string{"show", "nope"}, ExitInvalid, []string{`dataset "nope": not found`, "caliper datasets list"}},
		{[]string{"show", "qa@9"}, ExitInvalid, []string{`dataset "qa" has no version 9`, "versions are 1 to 1"}},
		{[]string{"show", "qa@x"}, ExitInvalid, []string{`bad dataset reference "qa@x"`, "qa@1"}},
		{[]string{"show", "qa@0"}, ExitInvalid, []string{`the version after @ must be a number from 1`}},
		{[]string{"show", "@1"}, ExitInvalid, []string{`write NAME or NAME@VERSION`}},
		{[]string{"pull", "nope", "--out", "x.jsonl"}, ExitInvalid, []string{`dataset "nope": not found`}},
		{[]string{"pull", "qa", "--out", ""}, ExitInvalid, []string{"--out is empty"}},
		{[]string{"pull", "qa", "--out", "nodir/x.jsonl"}, ExitRun, []string{"check that the directory of --out exists"}},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			t.Parallel()
			code, out, errOut := run(t, dir, append([]string{"--store", db, "datasets"}, tc.args...)...)
			if code != tc.code {
				t.Errorf("exit %d, want %d\n%s%s", code, tc.code, out, errOut)
			}
			for _, w := range tc.want {
				if !strings.Contains(errOut, w) {
					t.Errorf("stderr %q does not contain %q", errOut, w)
				}
			}
		})
	}
	// The failed pushes left qa as it was, and wrote no file.
	if _, out, _ := run(t, dir, "--store", db, "datasets", "list"); !strings.Contains(out, "qa       1        3") || strings.Contains(out, "fresh") {
		t.Errorf("after the failed pushes: %q", out)
	}
	if _, err := os.Stat(filepath.Join(dir, "x.jsonl")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a failed pull wrote its file: %v", err)
	}
}
