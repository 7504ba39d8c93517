// benchratio is a module of its own so that its dependency, golang.org/x/perf, stays out of the
// suite's go.mod: it serves `make bench-portal` only.
module github.com/meshconform/meshconform/internal/cmd/benchratio

go 1.26.0

require (
	github.com/google/go-cmp v0.7.0
	golang.org/x/perf v0.0.0-20260908200009-22c9c6c9d4da
)

require github.com/aclements/go-moremath v0.0.0-20210112150236-f10218a38794 // indirect
