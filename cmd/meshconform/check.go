package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/meshconform/meshconform/harness"
	"github.com/meshconform/meshconform/harness/result"
	"github.com/meshconform/meshconform/reference/auth"
	"github.com/meshconform/meshconform/reference/keys"
	"github.com/meshconform/meshconform/reference/mesh"
	"github.com/meshconform/meshconform/reference/udf"
	"github.com/meshconform/meshconform/reference/wire"
	"github.com/meshconform/meshconform/reports/render"
	"github.com/meshconform/meshconform/spec"
)

// maxCheckDocument bounds what `check` reads: far above any Mesh message.
const maxCheckDocument = 16 << 20

// `meshconform check FILE|-`: one document, decoded in strict mode, and the signatures of the
// profiles it carries verified with the keys the profiles themselves name, those of other
// envelopes with keys the document holds.
func init() {
	var reportDir, reports string
	var strict bool
	cmd := &cobra.Command{
		Use:   "check FILE|-",
		Short: "Decode a Mesh message or structure strictly and verify the signatures of the profiles it carries",
		Long: `Decode one Mesh document (a tagged message or structure, or a bare DARE envelope; - reads
standard input) strictly and verify every signed profile in it whose key it can find: a
ProfileMaster must be signed by its MasterSignatureKey, a ProfileDevice by its
DeviceSignatureKey, a ProfileMesh by an OnlineSignatureKey of the master profile it carries.
Any other envelope is verified with the key its signature names when the document holds it
(a device entry signed by an OnlineSignatureKey of the master profile in the same request);
one signed by a key the document does not hold is listed as info, not verified.
Members the schema does not define are info (a portal SHOULD ignore them, spec/notes.json
NOTE-UNKNOWN-MEMBERS); a member of the wrong type or form fails, with the requirement it breaks
(REQ-WIRE-LIMITS, REQ-WIRE-STATUS-PRESENT, or else the schema, spec/schema.json).

Exit codes:
  0  the document decodes and every verified signature holds
  1  a signature does not verify, a member breaks the schema (or, under --strict, a warning)
  2  usage, or the input is no Mesh document: not JSON, or it names no Mesh class`,
		Example: `  meshconform check profile.json
  meshclient --portal http://localhost:8080/ --state st get --account alice | meshconform check -`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			formats, err := parseReports(reports)
			if err != nil {
				return err
			}
			run, err := checkDocument(c.InOrStdin(), args[0], strict)
			if err != nil {
				return err
			}
			return finishRun(c.OutOrStdout(), run, false, reportDir, formats, "document")
		},
	}
	cmd.Flags().StringVar(&reportDir, "report-dir", "meshconform-check", "folder for the report files")
	cmd.Flags().StringVar(&reports, "report", "json", "report formats to write: "+strings.Join(render.Names(), ","))
	cmd.Flags().BoolVar(&strict, "strict", false, "warnings fail the check")
	rootCmd.AddCommand(cmd)
}

// checkDocument reads and judges one document; its error is a usage error (exit 2).
func checkDocument(stdin io.Reader, name string, strict bool) (*result.Run, error) {
	in := stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return nil, usage("%v", err)
		}
		defer f.Close()
		in = f
	}
	data, err := io.ReadAll(io.LimitReader(in, maxCheckDocument+1))
	if err != nil {
		return nil, usage("read %s: %v", name, err)
	}
	if len(data) > maxCheckDocument {
		return nil, usage("%s: larger than %d bytes", name, maxCheckDocument)
	}
	start := time.Now()
	sp, err := spec.Load()
	if err != nil {
		return nil, failed("loading the requirement catalog: %v", err)
	}
	var results []result.CheckResult
	add := func(id, title, req string, outcome result.Outcome, reason string, finding *result.Finding) {
		cr := result.CheckResult{ID: id, Title: title, Category: "deviation", Outcome: outcome, Reason: reason, Finding: finding}
		if outcome == result.Info {
			cr.Notes = []string{reason} // what the summary prints of an observation
		}
		cr.Requirement = requirementOf(sp, req)
		cr.Section, cr.Level = cr.Requirement.Section, cr.Requirement.Level
		results = append(results, cr)
	}

	v, err := decodeDocument(data, nil)
	switch {
	case err != nil && !namesMeshClass(err):
		return nil, usage("%s is not a Mesh document: %v", name, err)
	case err != nil:
		// A Mesh class whose members are not what the schema defines: a deviation, not bad input.
		dev := decodeDeviation(sp, err)
		results = append(results, dev)
	default:
		// Strict decoding differs from lenient only on members the schema does not define.
		if _, err := decodeDocument(data, &mesh.DecodeOptions{Strict: true}); err != nil {
			add("check.members", "Every member is one the schema defines", "REQ-WIRE-UNKNOWN-MEMBERS", result.Info,
				fmt.Sprintf("%v (a portal SHOULD ignore it: NOTE-UNKNOWN-MEMBERS)", err), nil)
		} else {
			add("check.members", "Every member is one the schema defines", "REQ-WIRE-UNKNOWN-MEMBERS", result.Pass,
				"strict decoding accepts the document", nil)
		}
		held := documentKeys(v, v.MeshType())
		for _, e := range envelopes(v, v.MeshType()) {
			results = append(results, verifyEnvelope(sp, e.path, e.env, held)...)
		}
	}
	run := &result.Run{SchemaVersion: result.SchemaVersion, Tool: tool(), Mode: result.ModeCheck, Target: name,
		StartedAt: start, Duration: time.Since(start), Results: results,
		Config: result.ConfigSummary{Jobs: 1, Strict: strict, Available: len(results), Selected: len(results)}}
	for i := range run.Results {
		run.Results[i].StartedAt = start
		if name != "-" {
			run.Results[i].Reproduce = invocation() + " check " + harness.ShellQuote(name)
		}
	}
	run.Summary = result.Summarize(run.Results)
	return run, nil
}

// namesMeshClass tells a document that names a Mesh class but breaks its schema (a decoding error
// inside it, at a member path) from one that is not JSON or names no class: no Mesh document.
func namesMeshClass(err error) bool {
	var de *mesh.DecodeError
	var syn *wire.SyntaxError
	return errors.As(err, &de) && de.Path != "" && !errors.As(err, &syn)
}

// decodeDeviation reports a document that does not decode as the schema defines its class: the
// member path and the cause, with the requirement the cause breaks where the catalog has one
// (limits, a response's Status); any other member of the wrong kind or form breaks the schema
// itself, cited as spec/schema.json.
func decodeDeviation(sp *spec.Spec, err error) result.CheckResult {
	var de *mesh.DecodeError
	errors.As(err, &de) // namesMeshClass said so
	steps := strings.Split(de.Path, ".")
	last := steps[len(steps)-1]
	var req *result.Requirement
	var le *wire.LimitError
	switch {
	case errors.As(err, &le):
		req = requirementOf(sp, "REQ-WIRE-LIMITS")
	case strings.HasSuffix(steps[0], "Response") && len(steps) == 2 && (last == "Status" || last == "StatusExtended"):
		req = requirementOf(sp, "REQ-WIRE-STATUS-PRESENT")
	default:
		// The catalog has no requirement of its own for the schema: the classes are defined in
		// draft section 3, spec/schema.json holds them, WIRE.md says how each type is encoded.
		req = &result.Requirement{ID: "spec/schema.json", Kind: "schema", Section: "3", Level: "MUST",
			Text: "every member of a Mesh class has the type and form spec/schema.json defines (WIRE.md)"}
	}
	cr := result.CheckResult{ID: "check.decode", Title: "The document decodes as the schema defines its class",
		Category: "deviation", Outcome: result.Fail, Requirement: req, Section: req.Section, Level: req.Level,
		Finding: &result.Finding{Message: de.Error(), Expected: jsonString("the member " + de.Path + " as the schema defines it"),
			Observed: jsonString(de.Err.Error())}}
	return cr
}

// decodeDocument reads a tagged structure, or a bare DARE envelope (a JSON array).
func decodeDocument(data []byte, opts *mesh.DecodeOptions) (mesh.Structure, error) {
	if t := bytes.TrimSpace(data); len(t) > 0 && t[0] == '[' {
		env := &mesh.DareMessage{}
		if err := mesh.UnmarshalBare(data, env, opts); err != nil {
			return nil, err
		}
		return env, nil
	}
	return mesh.Unmarshal(data, opts)
}

type located struct {
	path string
	env  *mesh.DareMessage
}

// walkDocument visits every value of v with its member path, descending into the structures
// that DARE envelopes hold (once an envelope has been shown to visit). visit returns false
// for a value whose members are not to be visited.
func walkDocument(v mesh.Structure, path string, visit func(rv reflect.Value, path string) bool) {
	var walk func(rv reflect.Value, path string)
	walk = func(rv reflect.Value, path string) {
		if !visit(rv, path) {
			return
		}
		switch rv.Kind() {
		case reflect.Pointer, reflect.Interface:
			if rv.IsNil() {
				return
			}
			if env, ok := rv.Interface().(*mesh.DareMessage); ok {
				if inner, err := auth.Open(env); err == nil {
					walk(reflect.ValueOf(inner), path+"."+inner.MeshType())
				}
				return
			}
			walk(rv.Elem(), path)
		case reflect.Struct:
			for i := 0; i < rv.NumField(); i++ {
				if f := rv.Type().Field(i); f.IsExported() {
					walk(rv.Field(i), path+"."+f.Name)
				}
			}
		case reflect.Slice, reflect.Array:
			if rv.Type().Elem().Kind() == reflect.Uint8 {
				return
			}
			for i := 0; i < rv.Len(); i++ {
				walk(rv.Index(i), fmt.Sprintf("%s[%d]", path, i))
			}
		}
	}
	walk(reflect.ValueOf(v), path)
}

// envelopes finds every DARE envelope in v, and in the structures their payloads hold, with
// its member path.
func envelopes(v mesh.Structure, path string) []located {
	var out []located
	walkDocument(v, path, func(rv reflect.Value, path string) bool {
		if k := rv.Kind(); (k == reflect.Pointer || k == reflect.Interface) && !rv.IsNil() {
			if env, ok := rv.Interface().(*mesh.DareMessage); ok {
				out = append(out, located{path, env})
			}
		}
		return true
	})
	return out
}

// verifyEnvelope judges one envelope: a signed profile against the key the requirement names,
// anything else as info (its signers' keys are not in the document).
func verifyEnvelope(sp *spec.Spec, path string, env *mesh.DareMessage, held []heldKey) []result.CheckResult {
	res := func(req, title string, outcome result.Outcome, reason string, finding *result.Finding) result.CheckResult {
		cr := result.CheckResult{ID: checkID(path), Title: title, Category: "deviation", Outcome: outcome,
			Reason: reason, Finding: finding, Requirement: requirementOf(sp, req)}
		if outcome == result.Info {
			cr.Notes = []string{reason}
		}
		cr.Section, cr.Level = cr.Requirement.Section, cr.Requirement.Level
		return cr
	}
	verdict := func(req, title, signer string, err error) result.CheckResult {
		if err == nil {
			return res(req, title, result.Pass, "signed by the "+signer, nil)
		}
		return res(req, title, result.Fail, "", &result.Finding{Message: err.Error(),
			Expected: jsonString("a signature by the " + signer), Observed: jsonString(err.Error())})
	}
	inner, err := auth.Open(env)
	if err != nil {
		return []result.CheckResult{res("REQ-WIRE-DARE-SIGNATURE", "Envelope signature", result.Info,
			"not verified: the payload is not a tagged structure (encrypted, or opaque data)", nil)}
	}
	switch p := inner.(type) {
	case *mesh.ProfileMaster:
		return []result.CheckResult{verdict("REQ-PROFILE-MASTER-SIGNED", "The master profile is signed by its MasterSignatureKey",
			"MasterSignatureKey", verifyByKey(env, p.MasterSignatureKey))}
	case *mesh.ProfileDevice:
		return []result.CheckResult{verdict("REQ-PROFILE-DEVICE-SIGNED", "The device profile is signed by its DeviceSignatureKey",
			"DeviceSignatureKey", verifyByKey(env, p.DeviceSignatureKey))}
	case *mesh.ProfileMesh:
		title := "The mesh profile is signed by an OnlineSignatureKey of its master profile"
		if p.MasterProfile == nil {
			return []result.CheckResult{verdict("REQ-PROFILE-MESH-SIGNED", title, "master profile's OnlineSignatureKeys",
				errors.New("the mesh profile carries no MasterProfile"))}
		}
		mv, err := auth.Open(p.MasterProfile)
		master, ok := mv.(*mesh.ProfileMaster)
		if err != nil || !ok {
			return []result.CheckResult{verdict("REQ-PROFILE-MESH-SIGNED", title, "master profile's OnlineSignatureKeys",
				fmt.Errorf("MasterProfile holds no ProfileMaster: %v", err))}
		}
		_, err = auth.VerifyByAny(env, master.OnlineSignatureKeys)
		return []result.CheckResult{verdict("REQ-PROFILE-MESH-SIGNED", title, "master profile's OnlineSignatureKeys", err)}
	}
	// Any other envelope: verified when the document holds its signer's key.
	title := "The envelope is signed by the key its signature names"
	for _, sig := range auth.Signatures(env) {
		for _, k := range held {
			if sig.Kid == "" || !udf.Compare(sig.Kid, k.fingerprint) {
				continue
			}
			// The signature names a key the document holds: it must verify by it.
			return []result.CheckResult{verdict("REQ-WIRE-DARE-SIGNATURE", title, "key at "+k.path,
				auth.VerifyBy(env, k.alg, k.pub))}
		}
	}
	for _, k := range held { // a signature without kid
		if auth.VerifyBy(env, k.alg, k.pub) == nil {
			return []result.CheckResult{verdict("REQ-WIRE-DARE-SIGNATURE", title, "key at "+k.path, nil)}
		}
	}
	return []result.CheckResult{res("REQ-WIRE-DARE-SIGNATURE", "Envelope signature", result.Info,
		fmt.Sprintf("not verified: the %s is signed by a key the document does not hold", inner.MeshType()), nil)}
}

// heldKey is a public key the document holds, with its member path.
type heldKey struct {
	path, fingerprint string
	alg               keys.Algorithm
	pub               []byte
}

// documentKeys lists every usable public key in v and in the structures its envelopes hold.
func documentKeys(v mesh.Structure, path string) []heldKey {
	var out []heldKey
	walkDocument(v, path, func(rv reflect.Value, path string) bool {
		if rv.Kind() != reflect.Struct {
			return true
		}
		pk, ok := rv.Interface().(mesh.PublicKey)
		if !ok {
			return true
		}
		if alg, pub, err := keys.FromMeshPublicKey(&pk); err == nil {
			out = append(out, heldKey{path: path, fingerprint: keys.Fingerprint(alg, pub), alg: alg, pub: pub})
		}
		return false
	})
	return out
}

func verifyByKey(env *mesh.DareMessage, pk *mesh.PublicKey) error {
	alg, pub, err := keys.FromMeshPublicKey(pk)
	if err != nil {
		return fmt.Errorf("the profile's key is unusable: %w", err)
	}
	return auth.VerifyBy(env, alg, pub)
}

// requirementOf is the catalog entry of id as the result model records it.
func requirementOf(sp *spec.Spec, id string) *result.Requirement {
	r, ok := sp.Requirement(id)
	if !ok {
		return &result.Requirement{ID: id}
	}
	return &result.Requirement{ID: r.ID, Section: r.Section, Level: r.Level, Kind: r.Kind, Text: r.Text, Notes: r.Notes}
}

func jsonString(s string) []byte {
	b, _ := json.Marshal(s) // a string always marshals
	return b
}

// checkID names the check of the envelope at path: "check.signature.createrequest.profile".
func checkID(path string) string {
	r := strings.NewReplacer("[", "-", "]", "")
	return "check.signature." + strings.ToLower(r.Replace(path))
}
