// Package packaging holds no code: its tests check what ships beside the Go module, where CI
// users meet meshconform. The GitHub Action (action.yml in the repository root) and the GitLab
// CI/CD component (templates/meshconform.yml) are parsed, checked against the report format
// registry, and their shell steps run against a stand-in meshconform; the container image
// (Containerfile, container.sh) is built and smoke-tested where an engine can run it.
// The release binaries (release.sh, `make release`) are checked by the script itself.
package packaging
