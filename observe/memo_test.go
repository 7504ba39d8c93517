package observe

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/meshconform/meshconform/harness/result"
	"github.com/meshconform/meshconform/reference/mesh"
)

// The judge and the capture writer remember answers and redactions by their exact bytes. These
// tests hold them to one promise: with the memos or without them (a nil map), every
// observation, every result and every capture line is the same.

// judgeBoth feeds the same exchanges to a judge with its memo and to one without, and fails
// on the first exchange whose observations differ, then on differing results. It returns the
// remembering judge.
func judgeBoth(t *testing.T, exs []*Exchange) *Judge {
	t.Helper()
	memo, err := New(Config{Host: "localhost", Base: "http://localhost"})
	if err != nil {
		t.Fatal(err)
	}
	plain, err := New(Config{Host: "localhost", Base: "http://localhost"})
	if err != nil {
		t.Fatal(err)
	}
	plain.answers = nil
	for i, ex := range exs {
		a, b := *ex, *ex // each judge numbers its own copy
		if diff := cmp.Diff(plain.Observe(&b), memo.Observe(&a)); diff != "" {
			t.Fatalf("exchange %d (%s): observations with the memo differ from those without (-without +with):\n%s", i, ex.Request.Body, diff)
		}
	}
	if diff := cmp.Diff(plain.Results(), memo.Results()); diff != "" {
		t.Fatalf("results with the memo differ from those without (-without +with):\n%s", diff)
	}
	return memo
}

func readTraceFile(t *testing.T, name string) []*Exchange {
	t.Helper()
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var all []*Exchange
	if err := ReadTrace(f, func(ex *Exchange) error { all = append(all, ex); return nil }); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return all
}

// TestAnswerMemoChangesNoVerdict judges every recorded trace twice over (the second pass answers
// every request with bytes the memo holds), with and without the memo.
func TestAnswerMemoChangesNoVerdict(t *testing.T) {
	names, err := filepath.Glob(filepath.Join("testdata", "*.*"))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, name := range names {
		if ext := filepath.Ext(name); ext != ".ndjson" && ext != ".har" {
			continue
		}
		n++
		t.Run(filepath.Base(name), func(t *testing.T) {
			exs := readTraceFile(t, name)
			j := judgeBoth(t, append(exs, exs...))
			if len(j.answers) == 0 {
				t.Fatalf("the memo holds no answer after %d exchanges", 2*len(exs))
			}
		})
	}
	if n < 5 {
		t.Fatalf("%d traces in testdata", n)
	}
}

func answered(req mesh.MeshRequest, resp string) *Exchange {
	body, err := mesh.EncodeRequest(req)
	if err != nil {
		panic(err)
	}
	return &Exchange{Start: time.Now(),
		Request: Message{Method: "POST", URL: WellKnownPath, Host: "localhost",
			Header: http.Header{"Content-Type": {"application/json"}}, Body: body, Size: int64(len(body))},
		Response: &Message{Status: 200, Header: http.Header{"Content-Type": {"application/json"}, "Cache-Control": {"no-store"}},
			Body: []byte(resp), Size: int64(len(resp))}}
}

// TestAnswerMemoKeysTheTransaction: the same bytes answer a Get and then a Publish. As a Get's
// answer they decode; as a Publish's they are of the wrong class, which a memo keyed by the
// bytes alone would hide.
func TestAnswerMemoKeysTheTransaction(t *testing.T) {
	body := `{"GetResponse":{"Status":201}}`
	get := answered(&mesh.GetRequest{Account: "a@localhost"}, body)
	publish := answered(&mesh.PublishRequest{Portal: "localhost"}, body)
	j := judgeBoth(t, []*Exchange{get, publish, get, publish})
	if v := j.decode(publish); v.respErr == nil {
		t.Fatalf("a GetResponse decodes as a Publish's answer: %T", v.resp)
	}
	if v := j.decode(get); v.respErr != nil {
		t.Fatalf("a GetResponse does not decode as a Get's answer: %v", v.respErr)
	}
}

// TestAnswerMemoBounded: more distinct answers than the memo holds, then the first again.
func TestAnswerMemoBounded(t *testing.T) {
	var exs []*Exchange
	for i := range maxAnswers + 5 {
		exs = append(exs, answered(&mesh.HelloRequest{}, fmt.Sprintf(`{"HelloResponse":{"Status":201,"Version":{"Major":%d}}}`, i)))
	}
	exs = append(exs, exs[0], exs[maxAnswers+4])
	j := judgeBoth(t, exs)
	if len(j.answers) > maxAnswers {
		t.Fatalf("the memo holds %d answers, more than %d", len(j.answers), maxAnswers)
	}
	big := answered(&mesh.HelloRequest{}, `{"HelloResponse":{"Status":201,"Version":{"Major":1,"Description":"`+string(bytes.Repeat([]byte{'x'}, maxAnswerBody))+`"}}}`)
	judgeBoth(t, []*Exchange{big, big})
	if j.answerMemo("Hello", big.Response.Body) != nil {
		t.Fatal("an answer over maxAnswerBody is remembered")
	}
}

// TestCaptureMemoChangesNoLine: a capture written with the redaction memo has, line for line,
// what Redacted gives each exchange, over every trace written twice and past the memo's bound.
func TestCaptureMemoChangesNoLine(t *testing.T) {
	var exs []*Exchange
	names, _ := filepath.Glob(filepath.Join("testdata", "*.ndjson"))
	for _, name := range names {
		exs = append(exs, readTraceFile(t, name)...)
	}
	if len(exs) <= maxAnswers {
		t.Fatalf("%d exchanges: too few to pass the memo's bound of %d", len(exs), maxAnswers)
	}
	exs = append(exs, exs...)
	red := result.NewRedactor("secret-value")
	var out bytes.Buffer
	w := NewCaptureWriter(&out, red)
	for _, ex := range exs {
		if err := w.Write(ex); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	lines := bytes.Split(bytes.TrimSuffix(out.Bytes(), []byte("\n")), []byte("\n"))
	if len(lines) != len(exs) {
		t.Fatalf("%d lines for %d exchanges", len(lines), len(exs))
	}
	for i, ex := range exs {
		want, err := json.Marshal(ex.Redacted(red))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(lines[i], want) {
			t.Fatalf("line %d differs from the exchange's redaction:\n got %s\nwant %s", i, lines[i], want)
		}
	}
	if len(w.bodies) == 0 || len(w.bodies) > maxAnswers {
		t.Fatalf("the capture memo holds %d bodies, want 1..%d", len(w.bodies), maxAnswers)
	}
}
