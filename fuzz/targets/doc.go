// Package targets holds the property checks behind every parser fuzz target of meshconform:
// one Check per parser of the reference, shared by the native go test -fuzz targets (package
// fuzz) and the go-fuzz entry points (package gofuzz), with the seed corpora they start from.
package targets
