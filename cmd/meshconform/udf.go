package main

import (
	"encoding/base64"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/meshconform/meshconform/reference/keys"
	"github.com/meshconform/meshconform/reference/udf"
	"github.com/meshconform/meshconform/reference/witness"
)

// udfCmd groups the fingerprint computations of WIRE.md section 5.
var udfCmd = &cobra.Command{
	Use:   "udf",
	Short: "Compute and check Uniform Data Fingerprints, key fingerprints and connection witnesses",
}

func init() {
	digest := &cobra.Command{
		Use:   "digest --content-type CT [--alg sha2|sha3] [--bits N] (--text S | --file F) [--expect UDF]",
		Short: "Content digest UDF; with --expect, exit 1 when it does not match",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f := cmd.Flags()
			ct, _ := f.GetString("content-type")
			algName, _ := f.GetString("alg")
			bits, _ := f.GetInt("bits")
			expect, _ := f.GetString("expect")
			alg, err := udf.ParseAlg(algName)
			if err != nil {
				return usage("%v", err)
			}
			data, err := contentInput(cmd)
			if err != nil {
				return err
			}
			if !f.Changed("content-type") {
				return usage("--content-type is required")
			}
			got, err := udf.Digest(alg, ct, data, bits)
			if err != nil {
				return usage("%v", err)
			}
			fmt.Fprintln(cmd.OutOrStdout(), got)
			if expect != "" && !udf.Compare(expect, got) {
				return failed("digest %s does not match the expected %s", got, expect)
			}
			return nil
		},
	}
	digest.Flags().String("content-type", "", "content type (IANA media type) bound into the digest")
	digest.Flags().String("alg", "sha2", "digest: sha2 (SHA-2-512) or sha3 (SHA-3-512)")
	digest.Flags().String("expect", "", "expected UDF (prefix, case and dashes ignored)")
	contentFlags(digest)

	mac := &cobra.Command{
		Use:   "mac --key KEY --content-type CT [--bits N] (--text S | --file F)",
		Short: "Authenticator (keyed UDF, HMAC-SHA-2-512)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f := cmd.Flags()
			key, _ := f.GetString("key")
			ct, _ := f.GetString("content-type")
			bits, _ := f.GetInt("bits")
			if key == "" || !f.Changed("content-type") {
				return usage("--key and --content-type are required")
			}
			data, err := contentInput(cmd)
			if err != nil {
				return err
			}
			got, err := udf.Authenticator(key, ct, data, bits)
			if err != nil {
				return usage("%v", err)
			}
			fmt.Fprintln(cmd.OutOrStdout(), got)
			return nil
		},
	}
	mac.Flags().String("key", "", "the key string, e.g. a nonce UDF")
	mac.Flags().String("content-type", "", "content type bound into the authenticator")
	contentFlags(mac)

	key := &cobra.Command{
		Use:   "key --alg ed448|ed25519|x448|x25519 --public B64URL",
		Short: "Key fingerprint (the 2019 UDF of a public key)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			alg, pub, err := publicFlag(cmd, "alg", "public")
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), keys.Fingerprint(alg, pub))
			return nil
		},
	}
	key.Flags().String("alg", "", "key algorithm")
	key.Flags().String("public", "", "raw public key, base64url")

	wit := &cobra.Command{
		Use:   "witness --alg ed448|ed25519 --master-public B64URL --server-nonce B64URL --device-public B64URL --client-nonce B64URL",
		Short: "Connection witness of a device joining a profile",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			alg, master, err := publicFlag(cmd, "alg", "master-public")
			if err != nil {
				return err
			}
			_, device, err := publicFlag(cmd, "alg", "device-public")
			if err != nil {
				return err
			}
			if !alg.CanSign() {
				return usage("--alg must be a signature algorithm (ed448 or ed25519)")
			}
			sn, err := b64Flag(cmd, "server-nonce")
			if err != nil {
				return err
			}
			cn, err := b64Flag(cmd, "client-nonce")
			if err != nil {
				return err
			}
			w, err := witness.FromKeys(alg, master, sn, device, cn)
			if err != nil {
				return usage("%v", err)
			}
			fmt.Fprintln(cmd.OutOrStdout(), w)
			return nil
		},
	}
	wit.Flags().String("alg", "ed448", "signature key algorithm")
	for _, n := range []string{"master-public", "server-nonce", "device-public", "client-nonce"} {
		wit.Flags().String(n, "", "base64url")
	}

	random := func(name string, typ byte, short string) *cobra.Command {
		c := &cobra.Command{
			Use:   name + " [--bits N]",
			Short: short,
			Args:  cobra.NoArgs,
			RunE: func(cmd *cobra.Command, _ []string) error {
				bits, _ := cmd.Flags().GetInt("bits")
				s, err := udf.Random(nil, typ, bits)
				if err != nil {
					return usage("%v", err)
				}
				fmt.Fprintln(cmd.OutOrStdout(), s)
				return nil
			},
		}
		c.Flags().Int("bits", 128, "random bits (a multiple of 8)")
		return c
	}
	udfCmd.AddCommand(digest, mac, key, wit,
		random("nonce", udf.TypeNonce, "Fresh nonce UDF (type 0x68)"),
		random("secret", udf.TypeSecret, "Fresh secret UDF (type 0x20)"))
	rootCmd.AddCommand(udfCmd)
}

// contentFlags adds the content input and precision flags.
func contentFlags(c *cobra.Command) {
	c.Flags().String("text", "", "content: this string, UTF-8")
	c.Flags().String("file", "", "content: this file's bytes (- for stdin)")
	c.Flags().Int("bits", udf.DefaultBits, "presentation precision in bits")
}

// contentInput reads exactly one of --text and --file.
func contentInput(cmd *cobra.Command) ([]byte, error) {
	f := cmd.Flags()
	text, _ := f.GetString("text")
	file, _ := f.GetString("file")
	switch {
	case f.Changed("text") && f.Changed("file"):
		return nil, usage("give --text or --file, not both")
	case f.Changed("text"):
		return []byte(text), nil
	case f.Changed("file"):
		return readFileArg(cmd, file)
	}
	return nil, usage("give --text or --file")
}

// readFileArg reads a file, or stdin for "-".
func readFileArg(cmd *cobra.Command, name string) ([]byte, error) {
	var (
		b   []byte
		err error
	)
	if name == "-" || name == "" {
		b, err = readAllLimited(cmd.InOrStdin())
	} else {
		b, err = os.ReadFile(name)
	}
	if err != nil {
		return nil, usage("reading %s: %v", name, err)
	}
	return b, nil
}

// b64Flag decodes a base64url flag, tolerating padding and whitespace as the wire does.
func b64Flag(cmd *cobra.Command, name string) ([]byte, error) {
	s, _ := cmd.Flags().GetString(name)
	if s == "" {
		return nil, usage("--%s is required", name)
	}
	clean := strings.Map(func(r rune) rune {
		if r == '=' || r == ' ' || r == '\n' || r == '\r' || r == '\t' {
			return -1
		}
		return r
	}, s)
	b, err := base64.RawURLEncoding.DecodeString(clean)
	if err != nil {
		return nil, usage("--%s: not base64url: %v", name, err)
	}
	return b, nil
}

// publicFlag reads an algorithm flag and a base64url public key flag and validates the key.
func publicFlag(cmd *cobra.Command, algFlag, pubFlag string) (keys.Algorithm, []byte, error) {
	name, _ := cmd.Flags().GetString(algFlag)
	alg, err := keys.ParseAlgorithm(name)
	if err != nil {
		return 0, nil, usage("--%s: %v", algFlag, err)
	}
	pub, err := b64Flag(cmd, pubFlag)
	if err != nil {
		return 0, nil, err
	}
	if err := keys.CheckPublic(alg, pub); err != nil {
		return 0, nil, usage("--%s: %v", pubFlag, err)
	}
	return alg, pub, nil
}
