package mesh

//go:generate go run ./internal/gen/cmd -schema ../../spec/schema.json -out types_gen.go
