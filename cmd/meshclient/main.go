// Command meshclient is the reference Mesh client: it drives every portal transaction against
// any portal URL, keeping its keys in a state directory (files 0600, directory 0700).
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/meshconform/meshconform/internal/suggest"
	"github.com/meshconform/meshconform/reference/client"
	"github.com/meshconform/meshconform/reference/keys"
	"github.com/meshconform/meshconform/reference/mesh"
)

// exitError carries the exit code: 1 refused or failed, 2 usage.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func usage(format string, a ...any) error {
	return &exitError{code: 2, err: fmt.Errorf(format, a...)}
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	root := newRoot(stdout)
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.Execute()
	if err == nil {
		return 0
	}
	fmt.Fprintln(stderr, "meshclient:", err)
	// The shim contract (docs/SHIM.md): one line naming the error class, for the harness's
	// error map.
	fmt.Fprintln(stderr, "error:", errorID(err))
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	var se *client.StatusError
	if errors.As(err, &se) || errors.Is(err, client.ErrForged) || errors.Is(err, client.ErrWitness) ||
		errors.Is(err, client.ErrTransport) || errors.Is(err, client.ErrProtocol) {
		return 1
	}
	return 1
}

// errorID names the class of a failure with the identifiers of the shim contract
// (docs/SHIM.md): witness, forged, status, transport, protocol, usage, failed.
func errorID(err error) string {
	var ee *exitError
	var se *client.StatusError
	switch {
	case errors.As(err, &ee) && ee.code == 2:
		return "usage"
	case errors.Is(err, client.ErrWitness):
		return "witness"
	case errors.Is(err, client.ErrForged):
		return "forged"
	case errors.As(err, &se):
		return "status"
	case errors.Is(err, client.ErrTransport):
		return "transport"
	case errors.Is(err, client.ErrProtocol):
		return "protocol"
	}
	return "failed"
}

type globals struct {
	portal, stateDir, host string
	timeout                time.Duration
	bugNames               []string
	bugs                   client.Bugs
	allowNames             []string
	allow                  client.Allowances
	out                    io.Writer
	// helloSent: the hello-first allowance sent its Hello.
	helloSent bool
	// sessions is the session the account's requests keep (the sessions allowance), saved
	// in sessionStore when the operation succeeds.
	sessions     *client.Sessions
	sessionStore store
}

func (g *globals) client() (*client.Client, error) {
	if g.portal == "" {
		return nil, usage("--portal URL is required")
	}
	c := &client.Client{URL: g.portal, Host: g.host, HTTP: g.bugs.HTTPClient(g.timeout), Bugs: g.bugs, Allow: g.allow}
	if g.allow.HelloFirst && !g.helloSent {
		g.helloSent = true
		if _, _, err := c.Hello(context.Background()); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// alg is the algorithm of the keys this client makes.
func (g *globals) alg() keys.Algorithm {
	if g.allow.Ed25519 {
		return keys.Ed25519
	}
	return keys.Ed448
}

func (g *globals) store() (store, error) {
	if g.stateDir == "" {
		return store{}, usage("--state DIR is required")
	}
	return store{dir: g.stateDir, open: g.bugs.WorldReadableKeys, alg: g.alg()}, nil
}

// maxIndented is the largest raw answer print indents.
const maxIndented = 1 << 20

// print writes v as indented JSON; raw JSON documents are indented as they are.
func (g *globals) print(v any) error {
	var data []byte
	var err error
	if raw, ok := v.([]byte); ok {
		// Indented as it is, without building it again in memory. A large answer (already
		// decoded under the client's limits), or one nested deeper than the decoder's own limit
		// (indented output grows with the square of the nesting depth, which the portal picks:
		// a 10 KB answer nested 5000 deep took 200 MiB), is printed as received.
		if len(raw) > maxIndented || nesting(raw) > maxPrintDepth {
			_, err := fmt.Fprintln(g.out, string(raw))
			return err
		}
		var buf bytes.Buffer
		if err := json.Indent(&buf, raw, "", "  "); err != nil {
			return fmt.Errorf("portal answered non-JSON: %w", err)
		}
		data = buf.Bytes()
	} else if data, err = json.MarshalIndent(v, "", "  "); err != nil {
		return err
	}
	_, err = fmt.Fprintln(g.out, string(data))
	return err
}

// maxPrintDepth is the deepest answer printed indented: the decoder's depth limit.
const maxPrintDepth = 64

// nesting is the deepest nesting of arrays and objects in a valid JSON document.
func nesting(doc []byte) int {
	depth, deepest, inString, escaped := 0, 0, false, false
	for _, c := range doc {
		switch {
		case inString && escaped:
			escaped = false
		case inString && c == '\\':
			escaped = true
		case inString && c == '"':
			inString = false
		case inString:
		case c == '"':
			inString = true
		case c == '[' || c == '{':
			depth++
			deepest = max(deepest, depth)
		case c == ']' || c == '}':
			depth--
		}
	}
	return deepest
}

// answer prints the raw response, then returns the call's error for the exit code. An answer
// the client refused to decode (ErrProtocol: malformed, too large) is not printed: reading it
// again, without the decoder's limits, is what a hostile portal would want.
func (g *globals) answer(ex *client.Exchange, err error) error {
	if ex != nil && len(ex.Response) > 0 && !errors.Is(err, client.ErrProtocol) {
		if perr := g.print(ex.Response); perr != nil && err == nil {
			return perr
		}
	}
	return err
}

func newRoot(stdout io.Writer) *cobra.Command {
	g := &globals{out: stdout}
	root := &cobra.Command{
		Use:           "meshclient --portal URL --state DIR [--host H] <op> [args]",
		Short:         "the reference Mathematical Mesh client",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	// Every usage error is typed where it arises (flags, arguments, an unknown operation), so
	// run maps it to exit 2 by type and errorID names it "usage".
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usage("%w", err) })
	root.Args = unknownOperation
	pf := root.PersistentFlags()
	pf.StringVar(&g.portal, "portal", "", "portal service URL, e.g. http://localhost:8080/.well-known/mmm/")
	pf.StringVar(&g.stateDir, "state", "", "state directory (keys, account, pending connection)")
	pf.StringVar(&g.host, "host", "", "Host header and signed portal name (default: the URL's host)")
	pf.DurationVar(&g.timeout, "timeout", 30*time.Second, "HTTP timeout")
	pf.StringArrayVar(&g.bugNames, "bug", nil, "turn on a misbehaviour knob, for testing the client harness (repeatable; see --list-bugs)")
	pf.StringArrayVar(&g.allowNames, "allow", nil, "show a behaviour the documents permit that this client does not show by default (repeatable; see --list-allowances)")
	var listBugs, listAllowances bool
	root.Flags().BoolVar(&listBugs, "list-bugs", false, "list the misbehaviour knobs and exit")
	root.Flags().BoolVar(&listAllowances, "list-allowances", false, "list the allowances and exit")
	root.RunE = func(c *cobra.Command, _ []string) error {
		if listBugs || listAllowances {
			list := client.ListBugs()
			if listAllowances {
				list = client.ListAllowances()
			}
			for _, b := range list {
				fmt.Fprintf(stdout, "%-24s %s\n", b.Name, b.Doc)
			}
			return nil
		}
		return usage("name an operation (see --help)")
	}
	root.PersistentPreRunE = func(*cobra.Command, []string) error {
		for _, b := range g.bugNames {
			if err := g.bugs.Set(b); err != nil {
				return usage("--bug: %v", err)
			}
		}
		for _, a := range g.allowNames {
			if err := g.allow.Set(a); err != nil {
				return usage("--allow: %v", err)
			}
		}
		return nil
	}
	root.PersistentPostRunE = func(*cobra.Command, []string) error {
		if g.sessions == nil {
			return nil
		}
		return g.sessionStore.saveSession(g.sessions.Kept())
	}
	ctx := context.Background()

	simple := func(use, short string, nargs int, fn func(c *client.Client, args []string) (*client.Exchange, error)) *cobra.Command {
		return &cobra.Command{Use: use, Short: short, Args: exactArgs(nargs), RunE: func(_ *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			ex, err := fn(c, args)
			return g.answer(ex, err)
		}}
	}
	root.AddCommand(
		simple("hello", "Hello", 0, func(c *client.Client, _ []string) (*client.Exchange, error) {
			_, ex, err := c.Hello(ctx)
			return ex, err
		}),
		simple("validate ACCOUNT", "ValidateAccount", 1, func(c *client.Client, a []string) (*client.Exchange, error) {
			_, ex, err := c.Validate(ctx, a[0])
			return ex, err
		}),
		simple("status", "Status", 0, func(c *client.Client, _ []string) (*client.Exchange, error) {
			_, ex, err := c.Status(ctx)
			return ex, err
		}),
	)

	root.AddCommand(&cobra.Command{Use: "create ACCOUNT", Short: "create an account with a fresh master profile", Args: exactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			c, s, st, err := g.freshState()
			if err != nil {
				return err
			}
			m, err := client.NewMaster(g.alg(), nil)
			if err != nil {
				return err
			}
			d, err := s.device(true)
			if err != nil {
				return err
			}
			a := &client.Account{Name: args[0], Master: m, Device: d}
			if g.allow.ValidateFirst {
				// The validate-first allowance: the answer is no reservation (draft 3.6.2),
				// so the Create goes out whatever it says.
				c.Validate(ctx, args[0])
			}
			var valid bool
			if g.bugs.TrustValidate {
				// The trust-validate knob: a Valid answer is taken as a reservation.
				if vr, _, verr := c.Validate(ctx, args[0]); verr == nil && vr.Valid != nil && *vr.Valid {
					valid = true
				}
			}
			_, ex, err := c.CreateAccount(ctx, a)
			var se *client.StatusError
			if valid && errors.As(err, &se) {
				err = nil
			}
			if err == nil {
				if err = s.saveKey("msk", m.MSK); err == nil {
					err = s.saveKey("osk", m.OSK)
				}
				if err == nil {
					st.Account, st.Admin = args[0], true
					err = s.save(st)
				}
			}
			return g.answer(ex, err)
		}})

	var publishDevice bool
	pub := &cobra.Command{Use: "publish", Short: "re-publish the account profile (or, with --device, this device's entry)", Args: exactArgs(0),
		RunE: func(_ *cobra.Command, _ []string) error {
			c, s, a, err := g.account()
			if err != nil {
				return err
			}
			_ = s
			var entry *mesh.DareMessage
			switch {
			case publishDevice && a.Master != nil:
				dp, err := a.Device.ProfileDevice()
				if err != nil {
					return err
				}
				entry, err = a.Master.CatalogEntry(a.Name, dp)
				if err != nil {
					return err
				}
			case publishDevice:
				if entry, err = a.Device.ProfileDevice(); err != nil {
					return err
				}
			case a.Master == nil:
				return usage("only an administration device can publish the profile; use --device")
			default:
				if entry, err = a.Master.ProfileMesh(a.Name); err != nil {
					return err
				}
			}
			_, ex, err := c.Publish(ctx, entry, a.Auth())
			return g.answer(ex, err)
		}}
	pub.Flags().BoolVar(&publishDevice, "device", false, "publish this device's entry instead of the profile")
	root.AddCommand(pub)

	var gq struct {
		account, identifier, pageKey string
		kv                           []string
		maxEntries, maxBytes         int32
		multiple, full               bool
		notBefore, before            string
	}
	get := &cobra.Command{Use: "get", Short: "Get by --account, --identifier or --key K=V", Args: exactArgs(0),
		RunE: func(_ *cobra.Command, _ []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			req := &mesh.GetRequest{Account: gq.account, Identifier: gq.identifier}
			for _, kv := range gq.kv {
				k, v, ok := strings.Cut(kv, "=")
				if !ok {
					return usage("--key wants K=V, got %q", kv)
				}
				req.KeyValues = append(req.KeyValues, mesh.KeyValue{Key: k, Value: v})
			}
			if gq.multiple {
				req.Multiple = mesh.Bool(true)
			}
			if gq.full {
				req.Full = mesh.Bool(true)
			}
			sc, err := constraints(gq.maxEntries, gq.maxBytes, gq.pageKey, gq.notBefore, gq.before)
			if err != nil {
				return err
			}
			req.SearchConstraints = sc
			_, ex, err := c.Get(ctx, req)
			return g.answer(ex, err)
		}}
	gf := get.Flags()
	gf.StringVar(&gq.account, "account", "", "account name")
	gf.StringVar(&gq.identifier, "identifier", "", "UDF of a profile")
	gf.StringArrayVar(&gq.kv, "key", nil, "K=V search (repeatable), e.g. Names=<UDF>")
	gf.Int32Var(&gq.maxEntries, "max-entries", 0, "SearchConstraints.MaxEntries")
	gf.Int32Var(&gq.maxBytes, "max-bytes", 0, "SearchConstraints.MaxBytes")
	gf.StringVar(&gq.pageKey, "page-key", "", "SearchConstraints.PageKey")
	gf.StringVar(&gq.notBefore, "not-before", "", "SearchConstraints.NotBefore (RFC 3339)")
	gf.StringVar(&gq.before, "before", "", "SearchConstraints.Before (RFC 3339)")
	gf.BoolVar(&gq.multiple, "multiple", false, "every entry, not only the current profile")
	gf.BoolVar(&gq.full, "full", false, "log records instead of entries")
	root.AddCommand(get)

	root.AddCommand(&cobra.Command{Use: "delete ACCOUNT",
		Short: "DeleteAccount (authenticated); once the portal confirms, the state directory's private keys and account are removed",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, st, a, err := g.account()
			if err != nil {
				return err
			}
			_, ex, err := c.Delete(ctx, args[0], a.Auth())
			if err != nil {
				return g.answer(ex, err)
			}
			// The portal deleted the account these keys authenticate for (it refuses any
			// other): keys of a deleted account only wait to be stolen.
			if ferr := st.forget(); ferr != nil {
				return fmt.Errorf("the account is deleted, but its keys are still in %s: %w", st.dir, ferr)
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "meshclient: removed the private keys and account of %s from %s\n", a.Name, st.dir)
			return g.answer(ex, nil)
		}})

	var tq struct {
		maxEntries int32
		pageKey    string
	}
	tr := &cobra.Command{Use: "transfer", Short: "Transfer this account's log records (authenticated)", Args: exactArgs(0),
		RunE: func(_ *cobra.Command, _ []string) error {
			c, _, a, err := g.account()
			if err != nil {
				return err
			}
			sc, err := constraints(tq.maxEntries, 0, tq.pageKey, "", "")
			if err != nil {
				return err
			}
			_, ex, err := c.Transfer(ctx, sc, a.Auth())
			return g.answer(ex, err)
		}}
	tr.Flags().Int32Var(&tq.maxEntries, "max-entries", 0, "SearchConstraints.MaxEntries")
	tr.Flags().StringVar(&tq.pageKey, "page-key", "", "SearchConstraints.PageKey")
	root.AddCommand(tr)

	root.AddCommand(&cobra.Command{Use: "pin", Short: "issue a connection PIN (administration device)", Args: exactArgs(0),
		RunE: func(_ *cobra.Command, _ []string) error {
			s, err := g.store()
			if err != nil {
				return err
			}
			_, st, err := s.account()
			if err != nil {
				return err
			}
			if !st.Admin {
				return fmt.Errorf("%w", client.ErrNotAdmin)
			}
			pin, err := client.IssuePIN(nil, time.Now())
			if err != nil {
				return err
			}
			st.PINs = append(st.PINs, pin)
			if err := s.save(st); err != nil {
				return err
			}
			return g.print(map[string]any{"PIN": pin.Value, "Expires": pin.Expires().UTC().Format(time.RFC3339)})
		}})
	root.AddCommand(connectCmd(g, ctx))
	return root
}

func exactArgs(n int) cobra.PositionalArgs {
	return func(_ *cobra.Command, args []string) error {
		if len(args) != n {
			return usage("want %d argument(s), got %d", n, len(args))
		}
		return nil
	}
}

// unknownOperation is the Args of a command whose arguments name operations (root, connect):
// an argument that is none of them is a usage error naming the nearest.
func unknownOperation(c *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	var ops []string
	for _, sub := range c.Commands() {
		if sub.IsAvailableCommand() && sub.Name() != "help" {
			ops = append(ops, sub.Name())
		}
	}
	if near := suggest.Closest(args[0], ops); len(near) > 0 {
		return usage("unknown operation %q; did you mean %s?", args[0], strings.Join(near, " or "))
	}
	return usage("unknown operation %q (%s --help lists them)", args[0], c.CommandPath())
}

func maxArgs(n int) cobra.PositionalArgs {
	return func(_ *cobra.Command, args []string) error {
		if len(args) > n {
			return usage("want at most %d argument(s), got %d", n, len(args))
		}
		return nil
	}
}

func constraints(maxEntries, maxBytes int32, pageKey, notBefore, before string) (*mesh.SearchConstraints, error) {
	sc := &mesh.SearchConstraints{PageKey: pageKey}
	set := pageKey != ""
	if maxEntries > 0 {
		sc.MaxEntries, set = mesh.Int(maxEntries), true
	}
	if maxBytes > 0 {
		sc.MaxBytes, set = mesh.Int(maxBytes), true
	}
	for _, t := range []struct {
		s   string
		dst **time.Time
	}{{notBefore, &sc.NotBefore}, {before, &sc.Before}} {
		if t.s == "" {
			continue
		}
		v, err := time.Parse(time.RFC3339, t.s)
		if err != nil {
			return nil, usage("bad time %q: %v", t.s, err)
		}
		*t.dst, set = mesh.Time(v), true
	}
	if !set {
		return nil, nil
	}
	return sc, nil
}

func (g *globals) account() (*client.Client, store, *client.Account, error) {
	c, err := g.client()
	if err != nil {
		return nil, store{}, nil, err
	}
	s, err := g.store()
	if err != nil {
		return nil, store{}, nil, err
	}
	a, _, err := s.account()
	if err == nil && g.allow.Sessions {
		if a.Sessions, err = s.sessions(); err == nil {
			g.sessions, g.sessionStore = a.Sessions, s
		}
	}
	return c, s, a, err
}

func connectCmd(g *globals, ctx context.Context) *cobra.Command {
	conn := &cobra.Command{Use: "connect", Short: "connect a device: request, pending, approve, status", Args: unknownOperation,
		// Runnable, so that cobra validates its arguments (a command without RunE prints its help
		// and exits 0 whatever follows it).
		RunE: func(c *cobra.Command, _ []string) error {
			return usage("%s needs an operation: request, pending, approve or status", c.CommandPath())
		}}
	var pin string
	req := &cobra.Command{Use: "request ACCOUNT", Short: "ask to connect this device to ACCOUNT", Args: exactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			c, s, st, err := g.freshState()
			if err != nil {
				return err
			}
			d, err := s.device(true)
			if err != nil {
				return err
			}
			cn, err := c.StartConnection(ctx, args[0], d, pin)
			if cn != nil && cn.Challenge != nil {
				st.Connection = &savedConn{Account: args[0], MessageID: cn.MessageID, ClientNonce: cn.ClientNonce}
				if serr := s.save(st); serr != nil && err == nil {
					err = serr
				}
				if perr := g.print(map[string]any{"MessageID": cn.MessageID, "Witness": cn.Challenge.Witness, "DeviceUDF": d.UDF()}); perr != nil && err == nil {
					err = perr
				}
			}
			return err
		}}
	req.Flags().StringVar(&pin, "pin", "", "connection PIN issued by an administration device")

	pending := &cobra.Command{Use: "pending", Short: "list pending requests (administration device)", Args: exactArgs(0),
		RunE: func(_ *cobra.Command, _ []string) error {
			c, _, a, err := g.account()
			if err != nil {
				return err
			}
			prs, _, err := c.Pending(ctx, a, nil)
			if err != nil {
				return err
			}
			out := []map[string]any{}
			for _, pr := range prs {
				m := map[string]any{"DeviceUDF": pr.DeviceUDF, "Witness": pr.Challenge.Witness}
				if pr.Request != nil {
					m["MessageID"], m["PinID"] = pr.Request.MessageID, pr.Request.PinID
				}
				if pr.Err != nil {
					m["Error"] = pr.Err.Error()
				}
				out = append(out, m)
			}
			return g.print(out)
		}}

	var all, refuse, byPIN bool
	approve := &cobra.Command{Use: "approve MESSAGEID|--all|--pin", Short: "accept (or --refuse) pending requests", Args: maxArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			c, s, a, err := g.account()
			if err != nil {
				return err
			}
			if a.Master == nil {
				return fmt.Errorf("%w", client.ErrNotAdmin)
			}
			if byPIN {
				st, err := s.load()
				if err != nil {
					return err
				}
				n, err := c.AutoApprove(ctx, a, st.PINs, time.Now())
				if perr := g.print(map[string]any{"Approved": n}); perr != nil && err == nil {
					err = perr
				}
				return err
			}
			if (len(args) == 1) == all {
				return usage("name one MESSAGEID or give --all")
			}
			prs, _, err := c.Pending(ctx, a, nil)
			if err != nil {
				return err
			}
			done := []string{}
			for i := range prs {
				pr := &prs[i]
				if pr.Request == nil || (!all && pr.Request.MessageID != args[0]) {
					continue
				}
				if refuse {
					_, err = c.Refuse(ctx, a, pr)
				} else {
					_, err = c.Approve(ctx, a, pr)
				}
				if err != nil {
					return err
				}
				done = append(done, pr.Request.MessageID)
			}
			if !all && len(done) == 0 {
				return fmt.Errorf("no verified pending request %s: %w", args[0], &client.StatusError{Tx: "ConnectPending", Status: 404, Description: "not pending"})
			}
			return g.print(map[string]any{"Refused": refuse, "MessageIDs": done})
		}}
	approve.Flags().BoolVar(&all, "all", false, "every pending request that verified")
	approve.Flags().BoolVar(&refuse, "refuse", false, "refuse instead of accept")
	approve.Flags().BoolVar(&byPIN, "pin", false, "accept the requests that carry a valid PIN this device issued")

	status := &cobra.Command{Use: "status", Short: "poll this device's connection request", Args: exactArgs(0),
		RunE: func(_ *cobra.Command, _ []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			s, err := g.store()
			if err != nil {
				return err
			}
			st, err := s.load()
			if err != nil {
				return err
			}
			if st.Connection == nil {
				return usage("no connection request: run connect request first")
			}
			d, err := s.device(false)
			if err != nil {
				return err
			}
			prof, err := c.FetchProfile(ctx, st.Connection.Account)
			if err != nil {
				return err
			}
			cn := &client.Connection{Account: st.Connection.Account, MessageID: st.Connection.MessageID, ClientNonce: st.Connection.ClientNonce, Profile: prof}
			out, err := c.PollConnection(ctx, cn, d)
			if err != nil {
				return err
			}
			if out.Accepted {
				st.Account, st.Connection = cn.Account, nil
				if err := s.save(st); err != nil {
					return err
				}
			}
			res := map[string]any{"Pending": out.Pending, "Accepted": out.Accepted}
			if !out.Pending && !out.Accepted {
				st.Connection = nil
				s.save(st)
				if err := g.print(res); err != nil {
					return err
				}
				return &exitError{code: 1, err: errors.New("the connection request was refused")}
			}
			return g.print(res)
		}}
	conn.AddCommand(req, pending, approve, status)
	return conn
}

// freshState returns the client and a state directory that belongs to no account yet: the
// start of create and of connect request.
func (g *globals) freshState() (*client.Client, store, *state, error) {
	var zero *state
	c, err := g.client()
	if err != nil {
		return nil, store{}, zero, err
	}
	s, err := g.store()
	if err != nil {
		return nil, store{}, zero, err
	}
	st, err := s.load()
	if err != nil {
		return nil, store{}, zero, err
	}
	if st.Account != "" {
		return nil, store{}, zero, usage("this state directory already belongs to %s", st.Account)
	}
	return c, s, st, nil
}
