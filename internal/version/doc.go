// Package version holds what a release build stamps into the binary with the linker, so that
// `meshconform version` and every report name the release a downloaded binary or a container
// image came from. `make release` (packaging/release.sh) sets both variables:
//
//	-ldflags "-X github.com/meshconform/meshconform/internal/version.Version=v1.2.3
//	          -X github.com/meshconform/meshconform/internal/version.Commit=0123456789ab"
//
// A build that is not stamped (go build, go run, go test, go install ...@VERSION) leaves them
// empty, and the command falls back to what the go command recorded in the build information.
package version
