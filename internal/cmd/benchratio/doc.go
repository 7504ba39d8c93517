// Command benchratio reads the output of `make bench-portal` (Go benchmark format, several
// rounds of BenchmarkThroughput and BenchmarkPublish appended to one file) and prints the
// ratios the portal's throughput aims are stated in: Hello and Get through the portal beside a
// bare net/http JSON handler, Publish beside bare Ed448 verification.
//
// Each ratio is taken within one round, so both of its sides were measured seconds apart; on a
// shared machine whose speed drifts over minutes, a ratio of two medians taken over the whole
// run would compare different machines. It prints every round's ratio and their median, in
// wall time (operations per second) and in CPU time (the baseline's cpu-µs per operation over
// the portal's), beside the aim.
//
//	go run ./internal/cmd/benchratio bench-portal.txt
package main
