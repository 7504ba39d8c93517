package spec

// The implementer's guide is rendered from the files this package embeds; .ci/run checks that
// `go generate ./...` leaves it unchanged, and TestImplementingGuideIsCurrent does in `go test`.
//go:generate go run ./cmd/implementing -out ../docs/IMPLEMENTING.md
