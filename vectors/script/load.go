package script

import (
	"fmt"
	"strings"

	"github.com/meshconform/meshconform/vectors"
)

// LoadAll returns the tests of every embedded transaction vector file, in file order.
func LoadAll() ([]vectors.TransactionTest, error) {
	var out []vectors.TransactionTest
	for _, name := range vectors.Names() {
		if !strings.HasPrefix(name, "transactions-") {
			continue
		}
		f, err := vectors.Load[vectors.Group[vectors.TransactionTest]](name)
		if err != nil {
			return nil, err
		}
		for _, g := range f.TestGroups {
			out = append(out, g.Tests...)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("script: no transaction vectors are embedded")
	}
	return out, nil
}
