// Package junit renders a run as JUnit XML for CI test tabs: one testsuite per draft section,
// one testcase per check, with failures, harness errors and skips in the elements CI systems
// read them from. The output follows the Jenkins xUnit junit-10.xsd (see testdata).
package junit
