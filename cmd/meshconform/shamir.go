package main

import (
	"crypto/rand"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/meshconform/meshconform/reference/shamir"
)

var shamirCmd = &cobra.Command{
	Use:   "shamir",
	Short: "Split a secret into Shamir key shares and recover it (draft 7.1.4 escrow)",
}

func init() {
	split := &cobra.Command{
		Use:   "split --secret UDF --shares N --threshold K [--seed N]",
		Short: "Split a type-0x20 secret UDF; prints one share UDF a line",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f := cmd.Flags()
			s, _ := f.GetString("secret")
			n, _ := f.GetInt("shares")
			k, _ := f.GetInt("threshold")
			secret, err := shamir.ParseSecret(s)
			if err != nil {
				return usage("--secret: %v", err)
			}
			// --seed makes the coefficients replayable: they are drawn from SHAKE-256(seed).
			var r io.Reader = rand.Reader
			if sr := seedFlagReader(cmd); sr != nil {
				r = sr
			}
			shares, err := shamir.Split(secret, n, k, r)
			if err != nil {
				return usage("%v", err)
			}
			for _, sh := range shares {
				fmt.Fprintln(cmd.OutOrStdout(), sh)
			}
			return nil
		},
	}
	split.Flags().String("secret", "", "the secret, as a type-0x20 UDF")
	split.Flags().Int("shares", 0, "number of shares n (<= 15)")
	split.Flags().Int("threshold", 0, "shares needed k (<= n)")
	split.Flags().Int64("seed", 0, "seed for replayable coefficients (0: crypto/rand)")

	recoverCmd := &cobra.Command{
		Use:   "recover SHARE...",
		Short: "Recover the secret UDF from at least threshold shares",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var shares []shamir.Share
			for _, a := range args {
				sh, err := shamir.ParseShare(a)
				if err != nil {
					return usage("%v", err)
				}
				shares = append(shares, sh)
			}
			secret, err := shamir.Recover(shares)
			if err != nil {
				return usage("%v", err)
			}
			fmt.Fprintln(cmd.OutOrStdout(), shamir.SecretUDF(secret))
			return nil
		},
	}
	shamirCmd.AddCommand(split, recoverCmd)
	rootCmd.AddCommand(shamirCmd)
}
