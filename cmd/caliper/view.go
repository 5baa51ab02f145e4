package main

import (
	"context"
	"fmt"
	"os/exec"
	"runtime"

	"github.com/caliperhq/caliper/internal/exitcode"
	"github.com/caliperhq/caliper/store"
	"github.com/caliperhq/caliper/view"
	"github.com/spf13/cobra"
)

func newViewCommand(st *State, storeFlag *string) *cobra.Command {
	var opts view.Options
	var open, readOnly bool
	cmd := &cobra.Command{
		Use:   "view [--addr 127.0.0.1:7474] [--token TOKEN] [--open] [--read-only]",
		Short: "Look at experiments case by case in a local web UI",
		Long: `Serve a web UI of the store's experiments: the list, an experiment's summary
against its base, every case with its output, scores, judge reasons and trace,
comparisons, and human review. It binds to 127.0.0.1 by default; any other
address needs a token, made up and printed unless --token gives one. A store
that cannot be opened for writing is served read-only, feedback disabled.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			db, why, err := openViewStore(cmd.Context(), st, *storeFlag, readOnly)
			if err != nil {
				return err
			}
			defer db.Close()
			opts.Store, opts.ReadOnly = db, why
			if why != "" {
				fmt.Fprintf(st.Stderr, "caliper view: serving the store read-only (%s): feedback is disabled\n", why)
			}
			if opts.Reviewer == "" {
				opts.Reviewer = reviewerName(st)
			}
			s, err := view.New(opts)
			if err != nil {
				return exitcode.With(ExitRun, err)
			}
			ln, err := s.Listen()
			if err != nil {
				return exitcode.With(ExitRun, err)
			}
			addr := s.URL(ln)
			fmt.Fprintf(st.Stdout, "caliper view: serving the experiments at %s (Ctrl-C to stop)\n", addr)
			if open {
				openBrowser(addr)
			}
			if err := s.Serve(cmd.Context(), ln); err != nil {
				return exitcode.With(ExitRun, fmt.Errorf("serving the viewer: %w", err))
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Addr, "addr", view.DefaultAddr, "the address to listen on; other than loopback, a token is required")
	fl.StringVar(&opts.Token, "token", "", "the token every request must carry (default: none on loopback, a random one otherwise)")
	fl.StringVar(&opts.Reviewer, "reviewer", "", "the name recorded on feedback given in the UI (default: git user.name or $USER)")
	fl.BoolVar(&open, "open", false, "open the viewer in the default browser")
	fl.BoolVar(&readOnly, "read-only", false, "open the store read-only, as it is when it cannot be written: the pages show, feedback is disabled")
	return cmd
}

// openViewStore opens the store for the viewer: writable, so that feedback
// can be saved, unless readOnly; read-only when it cannot be opened for
// writing (a read-only file, directory or mount). why says why it is
// read-only; empty when it is writable.
func openViewStore(ctx context.Context, st *State, flag string, readOnly bool) (db store.Store, why string, err error) {
	why = "--read-only"
	if !readOnly {
		db, werr := openProjectStore(ctx, st, flag, store.OpenOptions{})
		if werr == nil {
			return db, "", nil
		}
		why = "it could not be opened for writing: " + werr.Error()
		defer func() {
			if err != nil {
				err = werr
			}
		}()
	}
	db, err = openProjectStore(ctx, st, flag, store.OpenOptions{ReadOnly: true})
	return db, why, err
}

// reviewerName is who gives feedback: git's user.name, else $USER.
func reviewerName(st *State) string {
	c := exec.Command("git", "config", "user.name")
	c.Dir = st.Dir
	if out, err := c.Output(); err == nil && len(out) > 1 {
		return string(out[:len(out)-1])
	}
	if u := st.Env["USER"]; u != "" {
		return u
	}
	return "reviewer"
}

func openBrowser(addr string) {
	name := "xdg-open"
	switch runtime.GOOS {
	case "darwin":
		name = "open"
	case "windows":
		name = "explorer"
	}
	exec.Command(name, addr).Start() //nolint:errcheck // the address is printed anyway
}
