package version

// Version is the release the binary was built as (v1.2.3), or empty when the build was not
// stamped. A variable, not a constant: the linker's -X sets only string variables.
var Version string

// Commit is the commit the release was built from (12 hex digits, "+dirty" for local changes),
// or empty when the build was not stamped. Release builds use -trimpath and may run with
// -buildvcs=false, so the go command's own VCS record cannot be relied on there.
var Commit string
