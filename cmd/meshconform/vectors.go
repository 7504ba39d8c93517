package main

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/meshconform/meshconform/spec"
	"github.com/meshconform/meshconform/vectors"
	"github.com/meshconform/meshconform/vectors/generate"
	"github.com/meshconform/meshconform/vectors/lint"
)

func init() {
	cmd := &cobra.Command{Use: "vectors", Short: "Generate, lint and replay the test vectors"}

	var out string
	gen := &cobra.Command{
		Use:   "generate",
		Short: "Regenerate every vector file from fixed seeds (byte-identical on any machine)",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			names, err := generate.Write(out)
			if err != nil {
				return failed("%v", err)
			}
			fmt.Fprintf(c.OutOrStdout(), "wrote %d vector files to %s\n", len(names), filepath.Join(out, "testvectors"))
			return nil
		},
	}
	gen.Flags().StringVar(&out, "out", "vectors", "the vectors folder (files go to OUT/testvectors)")

	var dir string
	lintCmd := &cobra.Command{
		Use:   "lint",
		Short: "Check the vector files: schema validity, unique tcIds, counts, flags, citations",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			fsys := vectors.FS()
			if dir != "" {
				if _, err := os.Stat(filepath.Join(dir, "testvectors")); err != nil {
					return usage("--dir %s: %v", dir, err)
				}
				fsys = os.DirFS(dir)
			}
			entries, err := fs.Glob(fsys, "testvectors/*.json")
			if err != nil {
				return usage("%v", err)
			}
			var names []string
			for _, e := range entries {
				names = append(names, strings.TrimPrefix(e, "testvectors/"))
			}
			sort.Strings(names)
			s, err := spec.Load()
			if err != nil {
				return usage("%v", err)
			}
			problems, err := lint.Files(fsys, names, s)
			if err != nil {
				return usage("%v", err)
			}
			for _, p := range problems {
				fmt.Fprintln(c.OutOrStdout(), p)
			}
			fmt.Fprintf(c.OutOrStdout(), "%d files, %d problems\n", len(names), len(problems))
			if len(problems) > 0 {
				return failed("%d problems in the vector files", len(problems))
			}
			return nil
		},
	}
	lintCmd.Flags().StringVar(&dir, "dir", "", "lint the files under DIR/testvectors instead of the embedded ones")

	cmd.AddCommand(gen, lintCmd)
	rootCmd.AddCommand(cmd)
}
