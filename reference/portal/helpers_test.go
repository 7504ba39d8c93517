package portal_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/meshconform/meshconform/reference/client"
	"github.com/meshconform/meshconform/reference/keys"
	"github.com/meshconform/meshconform/reference/portal"
)

// env is a running loopback portal and a client for it.
type env struct {
	t    testing.TB
	url  string
	stop func()
	c    *client.Client
	dir  string
}

var seedCounter atomic.Uint64

func start(t testing.TB, cfg portal.Config) *env {
	t.Helper()
	if cfg.DataDir == "" {
		cfg.DataDir = t.TempDir()
	}
	url, stop, err := portal.StartLoopback(context.Background(), cfg)
	require.NoError(t, err)
	t.Cleanup(stop)
	return &env{t: t, url: url, stop: stop, c: client.New(url), dir: cfg.DataDir}
}

// account makes deterministic material for a fresh account name (Ed448 unless told).
func newAccount(t testing.TB, name string) *client.Account {
	t.Helper()
	n := seedCounter.Add(1)
	seed := []byte(fmt.Sprintf("portal test %s %d", name, n))
	m, err := client.NewMaster(keys.Ed448, append(seed, 'm'))
	require.NoError(t, err)
	d, err := client.NewDevice(keys.Ed448, append(seed, 'd'))
	require.NoError(t, err)
	return &client.Account{Name: name, Master: m, Device: d}
}

func newDevice(t testing.TB) *client.Device {
	t.Helper()
	d, err := client.NewDevice(keys.Ed448, []byte(fmt.Sprintf("device %d", seedCounter.Add(1))))
	require.NoError(t, err)
	return d
}

func (e *env) create(name string) *client.Account {
	e.t.Helper()
	a := newAccount(e.t, name)
	_, _, err := e.c.CreateAccount(context.Background(), a)
	require.NoError(e.t, err)
	return a
}

// statusOf returns the payload Status of an error (201 for nil).
func statusOf(err error) int32 {
	if err == nil {
		return 201
	}
	var se *client.StatusError
	if errors.As(err, &se) {
		return se.Status
	}
	return -1
}

func bytesReader(b []byte) *bytes.Reader { return bytes.NewReader(b) }
