// Package resulttest builds sample runs for the tests of report renderers: one fixed run that
// exercises every outcome, condition flag and field, so golden files cover all of the model.
package resulttest
