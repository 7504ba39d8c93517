package main

import (
	"bytes"
	"encoding/base64"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/meshconform/meshconform/reference/keys"
)

// resetFlags puts every flag of the command tree back to its default: rootCmd is global, so
// without this a flag set by one in-process run would leak into the next.
func resetFlags(c *cobra.Command) {
	c.Flags().VisitAll(func(f *pflag.Flag) {
		if sv, ok := f.Value.(pflag.SliceValue); ok {
			sv.Replace(nil)
		} else {
			f.Value.Set(f.DefValue)
		}
		f.Changed = false
	})
	for _, sub := range c.Commands() {
		resetFlags(sub)
	}
}

// runCLI runs the command line in-process and returns exit code and stdout.
func runCLI(t *testing.T, stdin string, args ...string) (int, string) {
	t.Helper()
	resetFlags(rootCmd)
	var out bytes.Buffer
	rootCmd.SetOut(&out)
	rootCmd.SetIn(strings.NewReader(stdin))
	defer rootCmd.SetOut(nil)
	code := run(args)
	return code, out.String()
}

func TestUDFCommands(t *testing.T) {
	ed, _ := keys.Derive(keys.Ed448, nil, "cli")
	dev, _ := keys.Derive(keys.Ed448, nil, "cli-dev")
	pub := base64.RawURLEncoding.EncodeToString(ed.PublicBytes())
	devPub := base64.RawURLEncoding.EncodeToString(dev.PublicBytes())
	nonce := base64.RawURLEncoding.EncodeToString(make([]byte, 16))
	dataFile := filepath.Join(t.TempDir(), "data")
	os.WriteFile(dataFile, []byte("UDF Data Value"), 0o600)
	cases := []struct {
		name string
		args []string
		code int
		out  string // expected stdout (trimmed); "" means not checked
	}{
		{"digest", []string{"udf", "digest", "--content-type", "text/plain", "--text", "UDF Data Value"}, 0, "MDDK-7N6A-727A-JZNO-STRX-XKS7-DJAF"},
		{"digest file", []string{"udf", "digest", "--content-type", "text/plain", "--file", dataFile, "--bits", "100"}, 0, "MDDK-7N6A-727A-JZNO-STRX"},
		{"digest sha3", []string{"udf", "digest", "--alg", "sha3", "--content-type", "text/plain", "--text", "UDF Data Value"}, 0, "KCFI-NCQG-DRKG-47R7-OVPT-TCHZ-7UXY"},
		{"digest expect ok", []string{"udf", "digest", "--content-type", "text/plain", "--text", "UDF Data Value", "--expect", "mddk7n6a727a"}, 0, ""},
		{"digest expect mismatch", []string{"udf", "digest", "--content-type", "text/plain", "--text", "UDF Data Valuf", "--expect", "MDDK-7N6A"}, 1, ""},
		{"digest no content", []string{"udf", "digest", "--content-type", "text/plain"}, 2, ""},
		{"digest both inputs", []string{"udf", "digest", "--content-type", "t", "--text", "a", "--file", dataFile}, 2, ""},
		{"digest bad alg", []string{"udf", "digest", "--alg", "md5", "--content-type", "t", "--text", "a"}, 2, ""},
		{"digest bad bits", []string{"udf", "digest", "--content-type", "t", "--text", "a", "--bits", "9999"}, 2, ""},
		{"digest unknown flag", []string{"udf", "digest", "--nope"}, 2, ""},
		{"mac", []string{"udf", "mac", "--key", "NDD7-6CMX-H2FW-ISAL-K4VB-DQ3E-PEDM", "--content-type", "text/plain", "--text", "Konrad is the traitor"}, 0, "ABGM-G76T-7GPF-FTYH-SB2F-HBDF-SW6B"},
		{"mac no key", []string{"udf", "mac", "--content-type", "text/plain", "--text", "x"}, 2, ""},
		{"key", []string{"udf", "key", "--alg", "ed448", "--public", pub}, 0, ed.Fingerprint()},
		{"key padded b64", []string{"udf", "key", "--alg", "ed448", "--public", pub + "="}, 0, ed.Fingerprint()},
		{"key wrong size", []string{"udf", "key", "--alg", "ed25519", "--public", pub}, 2, ""},
		{"key not b64", []string{"udf", "key", "--alg", "ed448", "--public", "!!"}, 2, ""},
		{"witness", []string{"udf", "witness", "--alg", "ed448", "--master-public", pub, "--server-nonce", nonce, "--device-public", devPub, "--client-nonce", nonce}, 0, ""},
		{"witness short nonce", []string{"udf", "witness", "--alg", "ed448", "--master-public", pub, "--server-nonce", "AAAA", "--device-public", devPub, "--client-nonce", nonce}, 2, ""},
		{"witness x448", []string{"udf", "witness", "--alg", "x448", "--master-public", pub, "--server-nonce", nonce, "--device-public", devPub, "--client-nonce", nonce}, 2, ""},
		{"nonce bad bits", []string{"udf", "nonce", "--bits", "7"}, 2, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, out := runCLI(t, "", c.args...)
			if code != c.code {
				t.Fatalf("exit %d want %d (stdout %q)", code, c.code, out)
			}
			if c.out != "" && strings.TrimSpace(out) != c.out {
				t.Fatalf("stdout %q want %q", out, c.out)
			}
		})
	}
	for _, c := range []struct{ cmd, prefix string }{{"nonce", "N"}, {"secret", "E"}} {
		code, out := runCLI(t, "", "udf", c.cmd)
		if code != 0 || !strings.HasPrefix(out, c.prefix) || len(strings.TrimSpace(out)) != 34 {
			t.Fatalf("%s: %d %q", c.cmd, code, out)
		}
	}
}

func TestShamirCommands(t *testing.T) {
	secret := "EDD5-JNHT-BVHG-J5SR-NRHB-XXMC-HDWQ"
	code, out := runCLI(t, "", "shamir", "split", "--secret", secret, "--shares", "5", "--threshold", "3", "--seed", "11")
	shares := strings.Fields(out)
	if code != 0 || len(shares) != 5 {
		t.Fatalf("split: %d %q", code, out)
	}
	if _, again := runCLI(t, "", "shamir", "split", "--secret", secret, "--shares", "5", "--threshold", "3", "--seed", "11"); again != out {
		t.Fatal("--seed is not replayable")
	}
	code, out = runCLI(t, "", "shamir", "recover", shares[4], shares[1], shares[2])
	if code != 0 || strings.TrimSpace(out) != secret {
		t.Fatalf("recover: %d %q", code, out)
	}
	// The published 2-of-3 shares of UDFShare.md.
	code, out = runCLI(t, "", "shamir", "recover", "SAQU-TIKA-HZ7C-6KU5-VORM-EOPV-57WI-4", "SARO-GWMR-F5ZS-6STO-BSPD-ZF7U-W66J-I")
	if code != 0 || strings.TrimSpace(out) != "EALD-BHS4-SQXO-V7HJ-VPGX-36DA-JS2Q" {
		t.Fatalf("recover published: %d %q", code, out)
	}
	for _, args := range [][]string{
		{"shamir", "recover", shares[0], shares[1]},
		{"shamir", "recover", "NB2U-NLDC-ZBEJ-VPWS-AHWM-CA72-4AMA"},
		{"shamir", "recover"},
		{"shamir", "split", "--secret", secret, "--shares", "16", "--threshold", "3"},
		{"shamir", "split", "--secret", "MDDK-7N6A-727A-JZNO-STRX-XKS7-DJAF", "--shares", "3", "--threshold", "2"},
	} {
		if code, _ := runCLI(t, "", args...); code != 2 {
			t.Errorf("%v: exit %d want 2", args, code)
		}
	}
}

func TestDareCommands(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	gen := func(name, alg, seed string) (priv, pub string) {
		code, out := runCLI(t, "", "keygen", "--alg", alg, "--seed", seed)
		if code != 0 {
			t.Fatalf("keygen %s: %d", alg, code)
		}
		priv = write(name+".key", out)
		code, out = runCLI(t, "", "keygen", "--public", priv)
		if code != 0 || !strings.Contains(out, "PublicKeyECDH") {
			t.Fatalf("keygen --public: %d %q", code, out)
		}
		return priv, write(name+".pub", out)
	}
	signer, signerPub := gen("signer", "ed448", "1")
	rcpt, rcptPub := gen("rcpt", "x25519", "2")
	other, _ := gen("other", "ed448", "3")
	kf, _ := os.ReadFile(signerPub)
	parsed, _ := keys.ParseKeyFile(kf)
	pubB64 := base64.RawURLEncoding.EncodeToString(parsed.Public)

	payload := "a payload for the CLI"
	code, signed := runCLI(t, payload, "dare", "sign", "--key", signer)
	if code != 0 {
		t.Fatalf("sign: %d", code)
	}
	if code, out := runCLI(t, signed, "dare", "verify", "--public", pubB64); code != 0 || strings.TrimSpace(out) != "OK" {
		t.Fatalf("verify: %d %q", code, out)
	}
	signedFile := write("signed.json", signed)
	if code, _ := runCLI(t, "", "dare", "verify", "--public", pubB64, signedFile); code != 0 {
		t.Fatalf("verify file: %d", code)
	}
	// A 2019 signature: only the signature member. With the one key given, it verifies.
	kidless := regexp.MustCompile(`"alg":"[^"]*",\s*"kid":"[^"]*",\s*`).ReplaceAllString(signed, "")
	if kidless == signed {
		t.Fatalf("no alg and kid to strip in %s", signed)
	}
	if code, out := runCLI(t, kidless, "dare", "verify", "--public", pubB64); code != 0 {
		t.Fatalf("verify of a kid-less signature with its one key: %d %q", code, out)
	}
	tampered := strings.Replace(signed, `"PayloadDigest":"`, `"PayloadDigest":"A`, 1)
	tampered = strings.Replace(tampered, `"PayloadDigest":"AA`, `"PayloadDigest":"BA`, 1)
	otherKF, _ := os.ReadFile(other)
	otherParsed, _ := keys.ParseKeyFile(otherKF)
	otherB64 := base64.RawURLEncoding.EncodeToString(otherParsed.Public)
	failures := []struct {
		name  string
		stdin string
		args  []string
		code  int
	}{
		{"tampered digest", tampered, []string{"dare", "verify", "--public", pubB64}, 1},
		{"untrusted signer", signed, []string{"dare", "verify", "--public", otherB64}, 1},
		{"kid-less, another key", kidless, []string{"dare", "verify", "--public", otherB64}, 1},
		{"not an envelope", "{", []string{"dare", "verify", "--public", pubB64}, 2},
		{"missing file", "", []string{"dare", "verify", "--public", pubB64, filepath.Join(dir, "none")}, 2},
		{"sign without key", payload, []string{"dare", "sign"}, 2},
		{"sign with a public key", payload, []string{"dare", "sign", "--key", signerPub}, 2},
		{"encrypt without recipient", payload, []string{"dare", "encrypt"}, 2},
		{"encrypt to ed25519", payload, []string{"dare", "encrypt", "--to", write("e.key", mustKeygen(t, "ed25519"))}, 2},
	}
	for _, c := range failures {
		if code, _ := runCLI(t, c.stdin, c.args...); code != c.code {
			t.Errorf("%s: exit %d want %d", c.name, code, c.code)
		}
	}

	code, enc := runCLI(t, payload, "dare", "encrypt", "--to", rcptPub, "--to", signerPub, "--key", signer, "--seed", "5")
	if code != 0 || strings.Contains(enc, base64.RawURLEncoding.EncodeToString([]byte(payload))[:12]) {
		t.Fatalf("encrypt: %d %q", code, enc)
	}
	if code, out := runCLI(t, enc, "dare", "decrypt", "--key", rcpt, "--trust", signerPub); code != 0 || out != payload {
		t.Fatalf("decrypt: %d %q", code, out)
	}
	if code, out := runCLI(t, enc, "dare", "decrypt", "--key", signer); code != 0 || out != payload {
		t.Fatalf("decrypt by second recipient: %d %q", code, out)
	}
	if code, _ := runCLI(t, enc, "dare", "decrypt", "--key", other); code != 1 {
		t.Fatalf("decrypt by a stranger: exit %d want 1", code)
	}
	if code, _ := runCLI(t, enc, "dare", "decrypt", "--key", rcpt, "--trust", write("o.pub", mustPublic(t, other))); code != 1 {
		t.Fatalf("decrypt trusting the wrong signer: exit %d want 1", code)
	}
}

func mustKeygen(t *testing.T, alg string) string {
	code, out := runCLI(t, "", "keygen", "--alg", alg)
	if code != 0 {
		t.Fatalf("keygen %s: %d", alg, code)
	}
	return out
}

func mustPublic(t *testing.T, privFile string) string {
	code, out := runCLI(t, "", "keygen", "--public", privFile)
	if code != 0 {
		t.Fatalf("keygen --public: %d", code)
	}
	return out
}
