package portal

import (
	"bytes"
	"crypto/sha512"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"github.com/meshconform/meshconform/reference/logchain"
	"github.com/meshconform/meshconform/reference/mesh"
)

// Bucket names. Every write of a transaction and its log record go in one bbolt transaction,
// so an acknowledged write is durable and the log never disagrees with the data.
var (
	bAccounts   = []byte("accounts")   // account -> accountRec
	bTombstones = []byte("tombstones") // deleted account -> master UDF (re-creation rule)
	bEntries    = []byte("entries")    // seq -> entryRec
	bEnvs       = []byte("envs")       // seq -> the entry's envelope, tagged document form
	bIdent      = []byte("ident")      // normUDF \x00 seq
	bNames      = []byte("names")      // normUDF \x00 seq
	bAcctIdx    = []byte("acctidx")    // account \x00 entry seq; account \x01 log index (logKey)
	bDevices    = []byte("devices")    // normAuthUDF \x00 account -> deviceRec
	bPending    = []byte("pending")    // account \x00 normDeviceUDF -> pendingRec
	bResults    = []byte("results")    // SHA-512(result payload) -> empty
	bLog        = []byte("log")        // index -> encoded LogRecord (with Chain)
	bMeta       = []byte("meta")
	allBuckets  = [][]byte{bAccounts, bTombstones, bEntries, bEnvs, bIdent, bNames, bAcctIdx, bDevices, bPending, bResults, bLog, bMeta}
)

// ErrStore wraps storage failures (answered 500).
var ErrStore = errors.New("store failure")

// ErrStoreInUse reports a data directory whose store another process holds open.
var ErrStoreInUse = errors.New("data directory in use by another process")

// storeLockTimeout is how long New waits for the store's file lock.
const storeLockTimeout = 2 * time.Second

type accountRec struct {
	Name       string
	Master     string // UDF of the master's MasterSignatureKey
	ProfileSeq uint64 // entry seq of the current ProfileMesh
	Devices    []string
	Created    time.Time
}

type entryRec struct {
	Seq        uint64
	Account    string
	Type       string
	Identifier string
	Names      []string
	Time       time.Time
	Env        []byte `json:"-"` // kept in bEnvs: raw bytes, not base64 inside JSON
	LogIndex   uint64
}

type deviceRec struct {
	Account   string
	DeviceUDF string
	EntrySeq  uint64
}

type pendingRec struct {
	Seq       uint64
	Account   string
	DeviceUDF string
	MessageID string
	Request   []byte // signed request envelope
	Challenge []byte // tagged ConnectionChallenge
	Done      bool
	Result    []byte    // signed result envelope
	Received  time.Time // when ConnectStart took it; zero in stores older than expiry (never expires)
}

// store is the bbolt database of one portal.
type store struct {
	db      *bolt.DB
	writers atomic.Int32 // write calls in progress
}

// write runs fn in a write transaction and returns once it is durable. Writers that overlap
// share commits through bbolt's Batch, which waits up to MaxBatchDelay for company: a commit
// (two fdatasyncs, the meta page, every branch it touched) costs about as much CPU as the writes
// it carries. A lone writer has no company to wait for, and commits at once.
func (s *store) write(fn func(*bolt.Tx) error) error {
	defer s.writers.Add(-1)
	if s.writers.Add(1) == 1 {
		return s.db.Update(fn)
	}
	return s.db.Batch(fn)
}

func openStore(dir string) (*store, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("portal: %w: %w", ErrStore, err)
	}
	// A short lock timeout: a second portal on the same directory fails fast instead of hanging.
	// The freelist is rebuilt on open instead of written at every commit: commits stay small
	// as the store grows (durability is unchanged: data pages are still fsynced).
	path := filepath.Join(dir, "portal.db")
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: storeLockTimeout,
		NoFreelistSync: true, FreelistType: bolt.FreelistMapType})
	if errors.Is(err, bolterrors.ErrTimeout) {
		return nil, fmt.Errorf("portal: %w: %s is locked by another process (another portal on the same data directory?): gave up after %s: %w",
			ErrStoreInUse, path, storeLockTimeout, err)
	}
	if err != nil {
		return nil, fmt.Errorf("portal: %w: %w", ErrStore, err)
	}
	// A short batch window: overlapping writers wait at most this long to share a commit (a
	// lone writer does not wait: store.write).
	db.MaxBatchDelay = 2 * time.Millisecond
	if err := db.Update(func(tx *bolt.Tx) error {
		for _, b := range allBuckets {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return indexAccountLogs(tx)
	}); err != nil {
		db.Close()
		return nil, fmt.Errorf("portal: %w: %w", ErrStore, err)
	}
	return &store{db: db}, nil
}

func (s *store) close() error { return s.db.Close() }

func u64(n uint64) []byte { var b [8]byte; binary.BigEndian.PutUint64(b[:], n); return b[:] }

func normUDF(s string) string { return strings.ToUpper(strings.ReplaceAll(s, "-", "")) }

func getJSON(b *bolt.Bucket, k []byte, v any) (bool, error) {
	data := b.Get(k)
	if data == nil {
		return false, nil
	}
	if err := json.Unmarshal(data, v); err != nil {
		return false, fmt.Errorf("portal: %w: record %q: %w", ErrStore, k, err)
	}
	return true, nil
}

func putJSON(b *bolt.Bucket, k []byte, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return b.Put(k, data)
}

// meta keys
var (
	mSecret  = []byte("pagekey-secret")
	mLogHead = []byte("log-head") // logHead of the last record
	mFirst   = []byte("log-first-chain")
	mAcctLog = []byte("acctidx-log-complete") // bAcctIdx indexes every log record by account (logKey)
)

// indexAccountLogs indexes the log by account once, for a store written before the index
// existed; appendLog keeps it up to date from then on.
func indexAccountLogs(tx *bolt.Tx) error {
	meta := tx.Bucket(bMeta)
	if meta.Get(mAcctLog) != nil {
		return nil
	}
	idx := tx.Bucket(bAcctIdx)
	if err := tx.Bucket(bLog).ForEach(func(k, v []byte) error {
		rec := new(mesh.LogRecord)
		if err := mesh.UnmarshalInto(v, rec, nil); err != nil {
			return fmt.Errorf("log record %x: %w", k, err)
		}
		if rec.Account == "" {
			return nil
		}
		return idx.Put(logKey(rec.Account, binary.BigEndian.Uint64(k)), nil)
	}); err != nil {
		return err
	}
	return meta.Put(mAcctLog, []byte{1})
}

// logHead is what the next log record and Status need of the last one, kept in one meta value
// (index, time, chain) so that a write updates one key.
type logHead struct {
	Index uint64
	Time  time.Time
	Chain string
}

func (h logHead) encode() []byte {
	b := binary.BigEndian.AppendUint64(nil, h.Index)
	b = binary.BigEndian.AppendUint64(b, uint64(h.Time.UnixNano()))
	return append(b, h.Chain...)
}

// readLogHead returns the head of the log; the zero head when the log is empty.
func readLogHead(meta *bolt.Bucket) (logHead, error) {
	v := meta.Get(mLogHead)
	if v == nil {
		return logHead{}, nil
	}
	if len(v) < 16 {
		return logHead{}, fmt.Errorf("portal: %w: log head of %d bytes", ErrStore, len(v))
	}
	return logHead{Index: binary.BigEndian.Uint64(v), Time: time.Unix(0, int64(binary.BigEndian.Uint64(v[8:]))).UTC(),
		Chain: string(v[16:])}, nil
}

// appendLog adds a record to the hash chain (NOTE-LOG) inside tx and returns its index.
// Chain_n = UDF presentation (SHA-2 type byte, 140 bits) of
// SHA-512(UTF8(Chain_{n-1}) || SHA-512(canonical tagged LogRecord without Chain)).
func (p *Portal) appendLog(tx *bolt.Tx, now time.Time, transaction, account string, entry *mesh.DareMessage, body []byte) (uint64, error) {
	meta := tx.Bucket(bMeta)
	head, err := readLogHead(meta)
	if err != nil {
		return 0, err
	}
	idx := head.Index + 1
	digest := sha512.Sum512(body)
	rec := &mesh.LogRecord{Index: mesh.Int(int32(idx)), Time: mesh.Time(now), Transaction: transaction,
		Account: account, Entry: entry, Digest: digest[:]}
	if p.cfg.Bugs.UndigestedLogRecords {
		rec.Digest = nil
	}
	canon, err := mesh.Marshal(rec)
	if err != nil {
		return 0, err
	}
	prev := head.Chain
	if p.cfg.Bugs.ChainUnlinked {
		prev = ""
	}
	chain, err := logchain.Next(prev, canon)
	if err != nil {
		return 0, err
	}
	if err := tx.Bucket(bLog).Put(u64(idx), logchain.Serve(canon, chain)); err != nil {
		return 0, err
	}
	if account != "" {
		// Beside the account's entries in the same index: a write touches the pages it
		// touches anyway (a bucket of its own cost a fifth more per commit).
		if err := tx.Bucket(bAcctIdx).Put(logKey(account, idx), nil); err != nil {
			return 0, err
		}
	}
	if idx == 1 {
		if err := meta.Put(mFirst, []byte(chain)); err != nil {
			return 0, err
		}
	}
	if err := meta.Put(mLogHead, logHead{Index: idx, Time: now, Chain: chain}.encode()); err != nil {
		return 0, err
	}
	return idx, nil
}

// addEntry stores an envelope and indexes it by identifier, names and account.
func addEntry(tx *bolt.Tx, e *entryRec) error {
	b := tx.Bucket(bEntries)
	seq, err := b.NextSequence()
	if err != nil {
		return err
	}
	e.Seq = seq
	if err := putJSON(b, u64(seq), e); err != nil {
		return err
	}
	if err := tx.Bucket(bEnvs).Put(u64(seq), e.Env); err != nil {
		return err
	}
	if e.Identifier != "" {
		if err := tx.Bucket(bIdent).Put(idxKey(normUDF(e.Identifier), seq), nil); err != nil {
			return err
		}
	}
	for _, n := range e.Names {
		if err := tx.Bucket(bNames).Put(idxKey(normUDF(n), seq), nil); err != nil {
			return err
		}
	}
	if e.Account != "" {
		return tx.Bucket(bAcctIdx).Put(idxKey(e.Account, seq), nil)
	}
	return nil
}

func idxKey(prefix string, seq uint64) []byte {
	return append(append([]byte(prefix), 0), u64(seq)...)
}

// logKey is the bAcctIdx key of an account's log record: the account's entry keys use 0 after
// the name, these 1, so that each kind reads as a range of its own.
func logKey(account string, idx uint64) []byte {
	return append(append([]byte(account), 1), u64(idx)...)
}

// scanIndex returns the seqs under an exact prefix (exact=true) or every key starting with
// prefix (a shorter UDF presentation matches as a prefix).
func scanIndex(b *bolt.Bucket, prefix string, exact bool) []uint64 {
	var out []uint64
	p := []byte(prefix)
	if exact {
		p = append(p, 0)
	}
	for k := range withPrefix(b, p, nil) {
		if len(k) >= 9 && k[len(k)-9] == 0 {
			out = append(out, binary.BigEndian.Uint64(k[len(k)-8:]))
		}
	}
	return out
}

// withPrefix yields, in key order, the pairs of b whose key starts with prefix, from the first
// key at or after from (nil: from the prefix itself). Keys and values live in the transaction.
func withPrefix(b *bolt.Bucket, prefix, from []byte) iter.Seq2[[]byte, []byte] {
	if from == nil {
		from = prefix
	}
	return func(yield func(k, v []byte) bool) {
		c := b.Cursor()
		for k, v := c.Seek(from); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			if !yield(k, v) {
				return
			}
		}
	}
}

// indexFrom yields, in ascending order, the sequence numbers at or after from that an index
// holds under a name and separator (0: idxKey, 1: logKey), reading the index as it goes.
func indexFrom(b *bolt.Bucket, name string, sep byte, from uint64) iter.Seq[uint64] {
	p := append([]byte(name), sep)
	return func(yield func(uint64) bool) {
		for k := range withPrefix(b, p, append(bytes.Clone(p), u64(from)...)) {
			if len(k) == len(p)+8 && !yield(binary.BigEndian.Uint64(k[len(p):])) {
				return
			}
		}
	}
}

// keysFrom yields, in ascending order, the u64 keys of a bucket at or after from.
func keysFrom(b *bolt.Bucket, from uint64) iter.Seq[uint64] {
	return func(yield func(uint64) bool) {
		for k := range withPrefix(b, nil, u64(from)) {
			if len(k) == 8 && !yield(binary.BigEndian.Uint64(k)) {
				return
			}
		}
	}
}

func deleteEntry(tx *bolt.Tx, seq uint64) error {
	var e entryRec
	ok, err := getJSON(tx.Bucket(bEntries), u64(seq), &e)
	if err != nil || !ok {
		return err
	}
	if e.Identifier != "" {
		tx.Bucket(bIdent).Delete(idxKey(normUDF(e.Identifier), seq))
	}
	for _, n := range e.Names {
		tx.Bucket(bNames).Delete(idxKey(normUDF(n), seq))
	}
	tx.Bucket(bAcctIdx).Delete(idxKey(e.Account, seq))
	tx.Bucket(bEnvs).Delete(u64(seq))
	return tx.Bucket(bEntries).Delete(u64(seq))
}

func decodeEnv(data []byte) (*mesh.DareMessage, error) {
	env := new(mesh.DareMessage)
	if err := mesh.UnmarshalInto(data, env, nil); err != nil {
		return nil, fmt.Errorf("portal: %w: stored envelope: %w", ErrStore, err)
	}
	return env, nil
}

// secret returns the page-key MAC secret, drawn once and kept so that page keys survive a
// restart.
func (s *store) secret(r io.Reader) ([]byte, error) {
	var out []byte
	err := s.db.Update(func(tx *bolt.Tx) error {
		m := tx.Bucket(bMeta)
		if v := m.Get(mSecret); v != nil {
			out = bytes.Clone(v)
			return nil
		}
		out = make([]byte, 32)
		if _, err := io.ReadFull(r, out); err != nil {
			return err
		}
		return m.Put(mSecret, out)
	})
	if err != nil {
		return nil, fmt.Errorf("portal: %w: %w", ErrStore, err)
	}
	return out, nil
}

// loadEntry reads an entry record with its envelope.
func loadEntry(tx *bolt.Tx, seq uint64) (*entryRec, bool, error) {
	var e entryRec
	ok, err := getJSON(tx.Bucket(bEntries), u64(seq), &e)
	if err != nil || !ok {
		return nil, ok, err
	}
	e.Env = tx.Bucket(bEnvs).Get(u64(seq))
	return &e, true, nil
}
