// Package fuzz holds the fuzz targets for every parser of the reference and the live portal fuzzer.
package fuzz
