// Package matrix renders several runs of the same suite side by side: one table, check x target,
// with the rows where the targets' outcomes differ first (Autobahn's and Bowtie's comparison
// reports are the models). It knows result.Run values only, never checks; it writes JSON,
// Markdown and a self-contained HTML page whose cells link to each target's own report.
package matrix
