package main

import (
	"errors"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/meshconform/meshconform/observe"
	"github.com/meshconform/meshconform/reports/render"
)

// `meshconform trace FILE`: the proxy's judgement, offline.
func init() {
	var reportDir, reports, host, path string
	var strict bool
	cmd := &cobra.Command{
		Use:   "trace FILE",
		Short: "Judge a recorded trace (the proxy's NDJSON capture, or HAR 1.2) as the proxy judges live traffic",
		Long: `Read a recorded exchange sequence and judge it with the rules of meshconform proxy: the
proxy's own capture (NDJSON, one exchange per line, bodies in base64) or HAR 1.2 as browsers
and mitmproxy write it. A capture's Authorization headers are redacted: their signatures
cannot be verified again (observe.client.auth-signature skips them), but replays, nonces and
times are judged from the digests the capture keeps. A HAR file keeps its headers whole.

Exit codes: 0 nothing broken; 1 a MUST broken (or, under --strict, a SHOULD); 2 usage, or the
file is not a trace.`,
		Example: `  meshconform trace meshconform-proxy/capture.ndjson
  meshconform trace session.har --host portal.example.com --report json,html`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			formats, err := render.ParseList(reports)
			if err != nil {
				return usage("--report: %v", err)
			}
			file, err := os.Open(args[0])
			if err != nil {
				return usage("%v", err)
			}
			defer file.Close()
			start := time.Now()
			var judge *observe.Judge
			err = observe.ReadTrace(file, func(ex *observe.Exchange) error {
				if judge == nil {
					h := host
					if h == "" {
						h = ex.Portal
					}
					var err error
					if judge, err = observe.New(observe.Config{Host: h, Path: path}); err != nil {
						return err
					}
				}
				judge.Observe(ex)
				return nil
			})
			if errors.Is(err, observe.ErrFormat) {
				return usage("%s: %v", args[0], err)
			}
			if err != nil {
				return failed("%s: %v", args[0], err)
			}
			if judge == nil {
				return usage("%s holds no exchange", args[0])
			}
			return finishRun(c.OutOrStdout(), observedRun(judge, args[0], start, strict, nil), false, reportDir, formats, "traffic")
		},
	}
	cmd.Flags().StringVar(&host, "host", "", "the portal's DNS name (default: the one a capture names; none for HAR, and Host is not judged)")
	cmd.Flags().StringVar(&path, "path", observe.WellKnownPath, "the path requests must go to (a portal mounted elsewhere)")
	cmd.Flags().StringVar(&reportDir, "report-dir", "meshconform-trace", "folder for the report files")
	cmd.Flags().StringVar(&reports, "report", "json", "report formats to write: "+strings.Join(render.Names(), ","))
	cmd.Flags().BoolVar(&strict, "strict", false, "warnings fail the run")
	rootCmd.AddCommand(cmd)
}
