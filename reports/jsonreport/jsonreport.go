package jsonreport

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/meshconform/meshconform/harness/result"
)

// Write writes run as the JSON document.
func Write(w io.Writer, run *result.Run) error {
	if err := result.Write(w, run); err != nil {
		return fmt.Errorf("jsonreport: %w", err)
	}
	return nil
}

// WriteFile writes the document to name through a temporary file and a rename, so a reader (a
// CI step, a later `meshconform report`) never sees half a report.
func WriteFile(name string, run *result.Run) (err error) {
	dir := filepath.Dir(name)
	f, err := os.CreateTemp(dir, ".meshconform-*.json")
	if err != nil {
		return fmt.Errorf("jsonreport: %w", err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if err = Write(f, run); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("jsonreport: %w", err)
	}
	if err = os.Rename(f.Name(), name); err != nil {
		return fmt.Errorf("jsonreport: %w", err)
	}
	return nil
}

// ReadFile reads a document written by WriteFile.
func ReadFile(name string) (*result.Run, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, fmt.Errorf("jsonreport: %w", err)
	}
	defer f.Close()
	run, err := result.Read(f)
	if err != nil {
		return nil, fmt.Errorf("jsonreport: %s: %w", name, err)
	}
	return run, nil
}
