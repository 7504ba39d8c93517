// Command gen regenerates reference/mesh/types_gen.go from spec/schema.json.
package main

import (
	"flag"
	"log"
	"os"

	"github.com/meshconform/meshconform/reference/mesh/internal/gen"
)

func main() {
	in := flag.String("schema", "../../spec/schema.json", "schema file")
	out := flag.String("out", "types_gen.go", "output file")
	flag.Parse()
	data, err := os.ReadFile(*in)
	if err != nil {
		log.Fatal(err)
	}
	src, err := gen.Generate(data)
	if err != nil {
		_ = os.WriteFile(*out+".broken", src, 0o644)
		log.Fatal(err)
	}
	if err := os.WriteFile(*out, src, 0o644); err != nil {
		log.Fatal(err)
	}
}
