package main

import (
	"embed"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
)

//go:embed initproject
var initProject embed.FS

func newInitCommand(st *State) *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use:   "init [DIR]",
		Short: "Write a small working eval project (caliper.yaml, an eval, a dataset, a prompt)",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := st.Dir
			if len(args) == 1 {
				dir = resolvePath(st, args[0])
			}
			files, err := initFiles()
			if err != nil {
				return exitCode(ExitRun, err)
			}
			if !force {
				if taken := existing(dir, files); len(taken) > 0 {
					return exitCode(ExitInvalid, fmt.Errorf("%s already exist in %s: pass --force to overwrite them or choose another directory", strings.Join(taken, ", "), dir))
				}
			}
			for _, f := range files {
				if err := writeInitFile(dir, f); err != nil {
					return exitCode(ExitRun, err)
				}
				fmt.Fprintf(st.Stdout, "created %s\n", filepath.Join(displayDir(st, dir), f))
			}
			fmt.Fprintf(st.Stdout, "\nNext:\n  caliper validate %s\n  OPENAI_API_KEY=... caliper run %s\n", displayDir(st, dir), displayDir(st, dir))
			return nil
		},
	}
	cmd.Flags().BoolVar(&force, "force", false, "overwrite files that already exist")
	return cmd
}

// initFiles lists the project's files, relative to its root.
func initFiles() ([]string, error) {
	var out []string
	err := fs.WalkDir(initProject, "initproject", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		out = append(out, strings.TrimPrefix(path, "initproject/"))
		return nil
	})
	return out, err
}

func existing(dir string, files []string) []string {
	var taken []string
	for _, f := range files {
		if _, err := os.Stat(filepath.Join(dir, f)); err == nil {
			taken = append(taken, f)
		}
	}
	return taken
}

func writeInitFile(dir, name string) error {
	data, err := initProject.ReadFile("initproject/" + name)
	if err != nil {
		return fmt.Errorf("reading template %s: %w", name, err)
	}
	path := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("creating %s: %w", filepath.Dir(path), err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

func resolvePath(st *State, p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(st.Dir, p)
}

// displayDir names a path relative to the working directory, unless it lies
// two or more levels above it.
func displayDir(st *State, dir string) string {
	if rel, err := filepath.Rel(st.Dir, dir); err == nil && !strings.HasPrefix(rel, "../..") {
		return rel
	}
	return dir
}
