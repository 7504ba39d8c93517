// Package markdown renders a run as GitHub-flavoured Markdown for pull-request comments: the
// counts, the draft sections with problems, and each problem with its requirement, diff and
// reproduction command folded in a details block.
package markdown
