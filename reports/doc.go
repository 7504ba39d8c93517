// Package reports renders a run's result model for terminals, CI systems and people.
package reports
