package shim

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/meshconform/meshconform/harness/expect"
)

// ContractVersion is the version of docs/SHIM.md this package implements. A configuration file
// names the version it was written for; another version is refused rather than misread.
const ContractVersion = 1

// ErrorIDs are the error identifiers of the contract: the classes of failure a check may
// expect. A client's configuration maps them to strings its stderr contains.
var ErrorIDs = []string{"forged", "witness", "status", "transport", "protocol"}

// ErrConfig reports an unusable configuration file; the command line maps it to exit 2.
var ErrConfig = errors.New("bad shim configuration")

// Config is the per-implementation configuration file (docs/SHIM.md, "Configuration").
type Config struct {
	// Shim is the contract version the file was written for.
	Shim int `json:"shim"`
	// Args are put before every command line, e.g. ["--config", "/etc/myclient.toml"] or a
	// subcommand of a multi-purpose binary.
	Args []string `json:"args,omitempty"`
	// Env are extra NAME=VALUE environment entries for the client.
	Env []string `json:"env,omitempty"`
	// Timeout is the per-request timeout passed to the client as --timeout (default 10s).
	Timeout Duration `json:"timeout,omitempty"`
	// Disabled checks, as in an expectations file: reported as skipped with the reason.
	Disabled []expect.Disabled `json:"disabled,omitempty"`
	// Errors maps the contract's error identifiers to a string the client's stderr contains
	// for that failure. An identifier with no entry is checked by exit code alone.
	Errors map[string]string `json:"errors,omitempty"`
}

// Duration is a time.Duration written as a Go duration string ("2s").
type Duration time.Duration

// UnmarshalJSON reads "2s".
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("duration: %w", err)
	}
	v, err := time.ParseDuration(s)
	if err != nil || v <= 0 {
		return fmt.Errorf("duration %q: want a positive Go duration such as \"2s\"", s)
	}
	*d = Duration(v)
	return nil
}

// MarshalJSON writes "2s".
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// maxConfig bounds the file: it is user input.
const maxConfig = 1 << 20

// LoadConfig reads a configuration file.
func LoadConfig(name string) (*Config, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	defer f.Close()
	c, err := ParseConfig(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return c, nil
}

// ParseConfig reads a configuration document strictly: an unknown member or identifier is an
// error, because a silently ignored line would hide a failure.
func ParseConfig(r io.Reader) (*Config, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxConfig+1))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	if len(data) > maxConfig {
		return nil, fmt.Errorf("%w: larger than %d bytes", ErrConfig, maxConfig)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var c Config
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%w: trailing data after the JSON object", ErrConfig)
	}
	if c.Shim != ContractVersion {
		return nil, fmt.Errorf("%w: shim version %d, this harness implements %d", ErrConfig, c.Shim, ContractVersion)
	}
	for id, s := range c.Errors {
		if !knownID(id) {
			return nil, fmt.Errorf("%w: errors: %q is not one of %s", ErrConfig, id, strings.Join(ErrorIDs, ", "))
		}
		if s == "" {
			return nil, fmt.Errorf("%w: errors: %q maps to the empty string, which every output contains", ErrConfig, id)
		}
	}
	for _, e := range c.Env {
		if !strings.Contains(e, "=") {
			return nil, fmt.Errorf("%w: env entry %q is not NAME=VALUE", ErrConfig, e)
		}
	}
	// The disabled entries are validated by the expectations parser, the single authority on
	// globs, reasons and categories.
	if _, err := c.Expectations(nil); err != nil {
		return nil, err
	}
	return &c, nil
}

func knownID(id string) bool {
	for _, x := range ErrorIDs {
		if x == id {
			return true
		}
	}
	return false
}

// Expectations merges the configuration's disabled checks into an expectations file (which may
// be nil), so that the harness reports them like any disabled check.
func (c *Config) Expectations(base *expect.File) (*expect.File, error) {
	merged := expect.File{Version: expect.Version}
	if base != nil {
		merged.Disabled = append(merged.Disabled, base.Disabled...)
		merged.ExpectedFailures = append(merged.ExpectedFailures, base.ExpectedFailures...)
	}
	if c != nil {
		merged.Disabled = append(merged.Disabled, c.Disabled...)
	}
	if merged.Disabled == nil && merged.ExpectedFailures == nil && base == nil {
		return nil, nil
	}
	data, err := json.Marshal(merged)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	f, err := expect.Parse("shim configuration", bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	return f, nil
}

// ErrorString is the string the client's stderr must contain for the error identifier id, and
// whether the configuration names one.
func (c *Config) ErrorString(id string) (string, bool) {
	if c == nil {
		return "", false
	}
	s, ok := c.Errors[id]
	return s, ok
}
