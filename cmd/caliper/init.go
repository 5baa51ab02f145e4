package main

import (
	"embed"
	"fmt"
	"github.com/caliperhq/caliper/internal/exitcode"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
)

//go:embed all:initproject
var initProject embed.FS

func newInitCommand(st *State) *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use:   "init [DIR]",
		Short: "Write a small working eval project (caliper.yaml, a model eval and an offline one, a dataset, a prompt, a .gitignore)",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := st.Dir
			if len(args) == 1 {
				dir = st.Path(args[0])
			}
			files, err := initFiles()
			if err != nil {
				return err
			}
			if !force {
				if taken := existing(dir, files); len(taken) > 0 {
					return exitcode.With(ExitInvalid, fmt.Errorf("%s already exist in %s: pass --force to overwrite them or choose another directory", strings.Join(taken, ", "), dir))
				}
			}
			for _, f := range files {
				if err := writeInitFile(st, dir, f); err != nil {
					return err
				}
				fmt.Fprintf(st.Stdout, "created %s\n", filepath.Join(st.Display(dir), f))
			}
			fmt.Fprintf(st.Stdout, "\nNext:\n  caliper validate %s\n  caliper run %s   # no key needed\n  OPENAI_API_KEY=... caliper run %s\n",
				st.Display(dir), filepath.Join(st.Display(dir), "offline.eval.yaml"), st.Display(dir))
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

func writeInitFile(st *State, dir, name string) error {
	data, err := initProject.ReadFile("initproject/" + name)
	if err != nil {
		return fmt.Errorf("reading template %s: %w", name, err)
	}
	return st.WriteFile(filepath.Join(dir, name), func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}
