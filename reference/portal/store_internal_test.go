package portal

import (
	"bytes"
	"fmt"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/meshconform/meshconform/reference/logchain"
	"github.com/meshconform/meshconform/reference/mesh"
)

// TestWithChainIsTheFullEncoding checks the splice of appendLog against the codec: the record
// with its Chain, encoded whole, must be the very bytes the log stores.
func TestWithChainIsTheFullEncoding(t *testing.T) {
	entry := &mesh.DareMessage{Header: &mesh.DareHeader{Dig: "S512"}, Payload: []byte(`{"ProfileMesh":{}}`),
		Trailer: &mesh.DareTrailer{Signatures: []mesh.DareSignature{{Alg: "Ed448", Signature: []byte{1, 2, 3}}}}}
	for _, rec := range []*mesh.LogRecord{
		{Index: mesh.Int(1), Time: mesh.Time(time.Unix(1700000000, 0)), Transaction: "CreateAccount", Account: "alice", Entry: entry, Digest: []byte{9}},
		{Index: mesh.Int(2), Transaction: "DeleteAccount", Account: "bob"},
	} {
		canon, err := mesh.Marshal(rec)
		if err != nil {
			t.Fatal(err)
		}
		const chain = "MDUE-6ZOD-NCXA-7UZQ-3UZ5-I2WB-TNQF"
		rec.Chain = chain
		want, err := mesh.Marshal(rec)
		if err != nil {
			t.Fatal(err)
		}
		if got := logchain.Serve(canon, chain); !bytes.Equal(got, want) {
			t.Errorf("logchain.Serve:\n got %s\nwant %s", got, want)
		}
	}
}

// TestWriteAloneDoesNotWaitForCompany: with a batch delay far longer than the test may take, a
// lone write still returns (it commits at once), and writers that overlap still all land.
func TestWriteAloneDoesNotWaitForCompany(t *testing.T) {
	st, err := openStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.db.Close()
	st.db.MaxBatchDelay = time.Minute
	put := func(k string) func(*bolt.Tx) error {
		return func(tx *bolt.Tx) error { return tx.Bucket(bMeta).Put([]byte(k), []byte("v")) }
	}
	done := make(chan error, 1)
	go func() { done <- st.write(put("alone")) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("a lone write waited for the batch delay")
	}
	// Overlapping writers: one holds the writer count up while the others join a batch, which
	// MaxBatchSize triggers at once.
	st.db.MaxBatchSize = 8
	st.writers.Add(1)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := range 8 {
		wg.Go(func() { errs <- st.write(put(fmt.Sprint("k", i))) })
	}
	wg.Wait()
	st.writers.Add(-1)
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := st.db.View(func(tx *bolt.Tx) error {
		for i := range 8 {
			if tx.Bucket(bMeta).Get([]byte(fmt.Sprint("k", i))) == nil {
				return fmt.Errorf("write k%d lost", i)
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}
