package observe

import (
	"io"
	"os"
	"path/filepath"
	"testing"
)

// benchSession reads testdata/clean.har (headers whole, so Authorization signatures are
// verified as the proxy does) and returns a judge that has seen the exchanges before the one
// the benchmark judges, and that exchange.
func benchSession(b *testing.B, tx string) (*Judge, *Exchange) {
	b.Helper()
	f, err := os.Open(filepath.Join("testdata", "clean.har"))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	var all []*Exchange
	if err := ReadTrace(f, func(ex *Exchange) error { all = append(all, ex); return nil }); err != nil {
		b.Fatal(err)
	}
	j, err := New(Config{Host: "localhost", Base: "http://localhost"})
	if err != nil {
		b.Fatal(err)
	}
	for _, ex := range all {
		v := j.decode(ex)
		if v.tx == tx {
			j.Observe(ex) // once, so that what a session caches (a verified profile) is cached
			return j, ex
		}
		j.Observe(ex)
	}
	b.Fatalf("no %s in clean.har", tx)
	return nil, nil
}

// forgetReplays clears what makes the same exchange a replay the second time, so that every
// iteration judges it as the first time.
func (j *Judge) forgetReplays() {
	j.mu.Lock()
	defer j.mu.Unlock()
	clear(j.sentAuth)
	clear(j.acceptedAuth)
	clear(j.sentNonce)
	clear(j.acceptedPair)
	clear(j.pairAt)
}

// benchConsume is what the proxy's consumer does with one exchange: judge it and write its
// capture line.
func benchConsume(b *testing.B, tx string) {
	j, ex := benchSession(b, tx)
	capw := NewCaptureWriter(io.Discard, nil)
	b.ReportAllocs()
	for b.Loop() {
		j.forgetReplays()
		ex.Seq = 0
		if obs := j.Observe(ex); len(obs) != 0 {
			b.Fatalf("clean %s broke %+v", tx, obs)
		}
		if err := capw.Write(ex); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkJudgeGet is the consumer's cost for one Get of a mesh profile (from clean.har): the
// judgement, the profile verification a session has cached, and the capture line.
func BenchmarkJudgeGet(b *testing.B) { benchConsume(b, "Get") }

// BenchmarkJudgePublish is the consumer's cost for one signed Publish: its Authorization's
// signature verified, the entry checked, the capture line written.
func BenchmarkJudgePublish(b *testing.B) { benchConsume(b, "Publish") }
