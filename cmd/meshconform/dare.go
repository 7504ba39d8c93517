package main

import (
	"crypto/sha3"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/meshconform/meshconform/reference/dare"
	"github.com/meshconform/meshconform/reference/keys"
)

// maxInput bounds what the CLI reads from a file or stdin (DARE payloads included).
const maxInput = 64 << 20

var dareCmd = &cobra.Command{
	Use:   "dare",
	Short: "Sign, encrypt, verify and decrypt DARE envelopes",
}

func readAllLimited(r io.Reader) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxInput+1))
	if err == nil && len(b) > maxInput {
		err = fmt.Errorf("input larger than %d bytes", maxInput)
	}
	return b, err
}

// inputArg reads the optional FILE|- argument (stdin when absent).
func inputArg(cmd *cobra.Command, args []string) ([]byte, error) {
	name := "-"
	if len(args) == 1 {
		name = args[0]
	}
	return readFileArg(cmd, name)
}

// keyFileFlag reads the key file named by a flag.
func keyFileFlag(cmd *cobra.Command, name string) (*keys.KeyFile, error) {
	path, _ := cmd.Flags().GetString(name)
	if path == "" {
		return nil, usage("--%s is required", name)
	}
	return keyFile(path)
}

func keyFile(path string) (*keys.KeyFile, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, usage("reading key file: %v", err)
	}
	kf, err := keys.ParseKeyFile(data)
	if err != nil {
		return nil, usage("key file %s: %v", path, err)
	}
	return kf, nil
}

// dareFailure maps a DARE error: a malformed envelope is bad input (2), anything else is a
// failed check (1).
func dareFailure(err error) error {
	if errors.Is(err, dare.ErrParse) {
		return usage("%v", err)
	}
	return failed("%v", err)
}

func init() {
	verify := &cobra.Command{
		Use:   "verify --public B64URL [--alg ed448|ed25519] [FILE|-]",
		Short: "Check an envelope's PayloadDigest and every signature; prints OK",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			alg, pub, err := publicFlag(cmd, "alg", "public")
			if err != nil {
				return err
			}
			data, err := inputArg(cmd, args)
			if err != nil {
				return err
			}
			env, err := dare.Parse(data, nil)
			if err != nil {
				return usage("%v", err)
			}
			if err := dare.Verify(env, keys.PublicKey{Algorithm: alg, Bytes: pub}); err != nil {
				return dareFailure(err)
			}
			fmt.Fprintln(cmd.OutOrStdout(), "OK")
			return nil
		},
	}
	verify.Flags().String("public", "", "the signer's raw public key, base64url")
	verify.Flags().String("alg", "ed448", "the signer's algorithm")

	sign := &cobra.Command{
		Use:   "sign --key KEYFILE [--content-type CT] [FILE|-]",
		Short: "Sign a payload; prints the envelope",
		Args:  cobra.MaximumNArgs(1),
		RunE:  func(cmd *cobra.Command, args []string) error { return seal(cmd, args, false) },
	}
	sign.Flags().String("key", "", "signer's private key file")
	sign.Flags().String("content-type", "", "cty of the payload")

	encrypt := &cobra.Command{
		Use:   "encrypt --to KEYFILE [--to KEYFILE...] [--key SIGNERKEYFILE] [--content-type CT] [--seed N] [FILE|-]",
		Short: "Encrypt (and optionally sign) a payload; prints the envelope",
		Args:  cobra.MaximumNArgs(1),
		RunE:  func(cmd *cobra.Command, args []string) error { return seal(cmd, args, true) },
	}
	encrypt.Flags().StringArray("to", nil, "recipient key file (public or private); repeatable")
	encrypt.Flags().String("key", "", "signer's private key file (optional)")
	encrypt.Flags().String("content-type", "", "cty of the payload")
	encrypt.Flags().Int64("seed", 0, "seed for a replayable envelope (0: crypto/rand)")

	decrypt := &cobra.Command{
		Use:   "decrypt --key KEYFILE [--trust KEYFILE...] [FILE|-]",
		Short: "Decrypt an envelope (verifying it first with --trust); prints the plaintext",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			kf, err := keyFileFlag(cmd, "key")
			if err != nil {
				return err
			}
			if kf.Private == nil {
				return usage("--key must be a private key file")
			}
			trustFiles, _ := cmd.Flags().GetStringArray("trust")
			var trusted []keys.PublicKey
			for _, p := range trustFiles {
				t, err := keyFile(p)
				if err != nil {
					return err
				}
				trusted = append(trusted, keys.PublicKey{Algorithm: t.Algorithm, Bytes: t.Public})
			}
			data, err := inputArg(cmd, args)
			if err != nil {
				return err
			}
			env, err := dare.Parse(data, nil)
			if err != nil {
				return usage("%v", err)
			}
			if len(trusted) > 0 {
				if err := dare.Verify(env, trusted...); err != nil {
					return dareFailure(err)
				}
			}
			pt, err := dare.Decrypt(env, kf.Private)
			if err != nil {
				return dareFailure(err)
			}
			cmd.OutOrStdout().Write(pt)
			return nil
		},
	}
	decrypt.Flags().String("key", "", "recipient's private key file")
	decrypt.Flags().StringArray("trust", nil, "trusted signer key file; repeatable")

	keygen := &cobra.Command{
		Use:   "keygen (--alg ed448|ed25519|x448|x25519 [--seed N] | --public KEYFILE)",
		Short: "Print a new private key file, or the public key file of a private one",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f := cmd.Flags()
			if f.Changed("public") {
				kf, err := keyFileFlag(cmd, "public")
				if err != nil {
					return err
				}
				out, err := keys.MarshalPublic(kf.Algorithm, kf.Public)
				if err != nil {
					return usage("%v", err)
				}
				fmt.Fprintln(cmd.OutOrStdout(), string(out))
				return nil
			}
			name, _ := f.GetString("alg")
			alg, err := keys.ParseAlgorithm(name)
			if err != nil {
				return usage("--alg: %v", err)
			}
			var r io.Reader
			if sr := seedFlagReader(cmd); sr != nil {
				r = sr
			}
			k, err := keys.Generate(alg, r)
			if err != nil {
				return usage("%v", err)
			}
			out, err := keys.MarshalPrivate(k)
			if err != nil {
				return usage("%v", err)
			}
			fmt.Fprintln(cmd.OutOrStdout(), string(out))
			return nil
		},
	}
	keygen.Flags().String("alg", "ed448", "key algorithm")
	keygen.Flags().Int64("seed", 0, "seed for a replayable key (0: crypto/rand)")
	keygen.Flags().String("public", "", "private key file whose public key file to print")

	dareCmd.AddCommand(verify, sign, encrypt, decrypt)
	rootCmd.AddCommand(dareCmd, keygen)
}

// seedReader expands a printed seed into a replayable randomness stream.
func seedReader(seed string) io.Reader {
	h := sha3.NewSHAKE256()
	h.Write([]byte(seed))
	return h
}

// seedFlagReader is the randomness of a crypto tool's --seed, an int64 as in every command
// (its decimal text expanded by seedReader), or nil for 0: the tool then uses crypto/rand.
func seedFlagReader(cmd *cobra.Command) io.Reader {
	seed, err := cmd.Flags().GetInt64("seed")
	if err != nil || seed == 0 {
		return nil
	}
	return seedReader(strconv.FormatInt(seed, 10))
}

// seal implements dare sign and dare encrypt.
func seal(cmd *cobra.Command, args []string, encrypt bool) error {
	f := cmd.Flags()
	var opts dare.Options
	opts.ContentType, _ = f.GetString("content-type")
	if p, _ := f.GetString("key"); p != "" || !encrypt {
		kf, err := keyFileFlag(cmd, "key")
		if err != nil {
			return err
		}
		if kf.Private == nil || !kf.Algorithm.CanSign() {
			return usage("--key must be an Ed448 or Ed25519 private key file")
		}
		opts.Signers = append(opts.Signers, kf.Private)
	}
	if encrypt {
		to, _ := f.GetStringArray("to")
		if len(to) == 0 {
			return usage("--to is required")
		}
		for _, p := range to {
			kf, err := keyFile(p)
			if err != nil {
				return err
			}
			if !kf.Algorithm.CanAgree() {
				return usage("recipient %s: %v keys cannot receive (use ed448, x448 or x25519)", p, kf.Algorithm)
			}
			opts.Recipients = append(opts.Recipients, dare.Recipient{Algorithm: kf.Algorithm, Bytes: kf.Public})
		}
		if sr := seedFlagReader(cmd); sr != nil {
			opts.Rand = sr
		}
	}
	payload, err := inputArg(cmd, args)
	if err != nil {
		return err
	}
	env, err := dare.Seal(payload, opts)
	if err != nil {
		return usage("%v", err)
	}
	out, err := dare.Marshal(env)
	if err != nil {
		return usage("%v", err)
	}
	fmt.Fprintln(cmd.OutOrStdout(), string(out))
	return nil
}
