package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/meshconform/meshconform/internal/syncbuf"
	"github.com/meshconform/meshconform/reference/client"
	"github.com/meshconform/meshconform/reference/keys"
	"github.com/meshconform/meshconform/reference/mesh"
)

// The crash tests run meshportal as a separate process (this test binary, re-executed with
// childEnv set, runs the command line in it) so that it can be killed for real.
const childEnv = "MESHPORTAL_TEST_CHILD_ARGS"

func TestMain(m *testing.M) {
	if args, ok := os.LookupEnv(childEnv); ok {
		cmd := newRoot(os.Stdout, os.Stderr)
		cmd.SetArgs(strings.Split(args, "\n"))
		if err := cmd.Execute(); err != nil {
			fmt.Fprintln(os.Stderr, "meshportal:", err)
			os.Exit(2)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// child is a meshportal process serving a data directory.
type child struct {
	cmd    *exec.Cmd
	url    string
	stderr *syncbuf.Buffer
	exited chan error
}

// client returns a reference client for the child, which serves the domain localhost.
func (c *child) client() *client.Client {
	cl := client.New(c.url)
	cl.Host = "localhost"
	return cl
}

// startChild starts meshportal on a free loopback port and waits until it answers Hello.
func startChild(t *testing.T, dir string) *child {
	t.Helper()
	addr := freeAddr(t)
	args := []string{"--listen", addr, "--data", dir, "--domain", "localhost", "--rate-limit", "-1"}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+strings.Join(args, "\n"))
	c := &child{cmd: cmd, url: "http://" + addr + "/.well-known/mmm/", stderr: &syncbuf.Buffer{}, exited: make(chan error, 1)}
	cmd.Stderr = c.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { c.exited <- cmd.Wait() }()
	t.Cleanup(func() { cmd.Process.Kill() })
	hc := &http.Client{Timeout: time.Second}
	err := retryUntilUp(func() error {
		resp, err := hc.Post(c.url, "application/json", strings.NewReader(`{"Hello":{}}`))
		if err == nil {
			resp.Body.Close()
		}
		return err
	})
	if err != nil {
		t.Fatalf("meshportal did not start: %v\n%s", err, c.stderr.String())
	}
	return c
}

// TestKillNineKeepsAcknowledgedWrites has 32 clients create accounts while the portal process
// is killed with SIGKILL; after a restart on the same directory every account whose creation
// was acknowledged is there, and the store takes new writes.
func TestKillNineKeepsAcknowledgedWrites(t *testing.T) {
	if testing.Short() {
		t.Skip("a crash test with real processes")
	}
	dir := t.TempDir()
	p := startChild(t, dir)
	c := p.client()
	var (
		mu    sync.Mutex
		acked []string
		tries atomic.Int64
		wg    sync.WaitGroup
	)
	stop := make(chan struct{})
	for w := range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				name := fmt.Sprintf("crash-%d-%d", w, i)
				m, err1 := client.NewMaster(keys.Ed448, []byte(name+"m"))
				d, err2 := client.NewDevice(keys.Ed448, []byte(name+"d"))
				if err1 != nil || err2 != nil {
					t.Errorf("keys: %v %v", err1, err2)
					return
				}
				tries.Add(1)
				if _, _, err := c.CreateAccount(context.Background(), &client.Account{Name: name, Master: m, Device: d}); err == nil {
					mu.Lock()
					acked = append(acked, name)
					mu.Unlock()
				}
			}
		}()
	}
	// Kill once writes are flowing, in the middle of the load.
	for deadline := time.Now().Add(startGuard); ; time.Sleep(10 * time.Millisecond) {
		mu.Lock()
		n := len(acked)
		mu.Unlock()
		if n >= 100 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("only %d accounts created in %s", n, startGuard)
		}
	}
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-p.exited
	close(stop)
	wg.Wait()
	t.Logf("%d creations tried, %d acknowledged before SIGKILL", tries.Load(), len(acked))

	p2 := startChild(t, dir)
	c2 := p2.client()
	lost := 0
	for _, name := range acked {
		if _, _, err := c2.Get(context.Background(), &mesh.GetRequest{Account: name}); err != nil {
			lost++
			if lost <= 5 {
				t.Errorf("acknowledged account %s lost: %v", name, err)
			}
		}
	}
	if lost > 0 {
		t.Fatalf("%d of %d acknowledged accounts lost after SIGKILL", lost, len(acked))
	}
	m, _ := client.NewMaster(keys.Ed448, []byte("after-m"))
	d, _ := client.NewDevice(keys.Ed448, []byte("after-d"))
	if _, _, err := c2.CreateAccount(context.Background(), &client.Account{Name: "after", Master: m, Device: d}); err != nil {
		t.Fatalf("the restarted store refuses a new write: %v", err)
	}
	if _, _, err := c2.Status(context.Background()); err != nil {
		t.Fatalf("Status after the restart: %v", err)
	}
}

// TestSIGTERMShutsDownGracefully: SIGTERM ends the process with exit status 0 after a clean
// shutdown, and the store opens again.
func TestSIGTERMShutsDownGracefully(t *testing.T) {
	dir := t.TempDir()
	p := startChild(t, dir)
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-p.exited:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v\n%s", err, p.stderr.String())
		}
	case <-time.After(startGuard):
		t.Fatalf("meshportal did not stop within %s of SIGTERM", startGuard)
	}
	if !strings.Contains(p.stderr.String(), `"msg":"shutting down"`) {
		t.Fatalf("no shutdown in the log:\n%s", p.stderr.String())
	}
	startChild(t, dir) // the store was closed cleanly: it opens at once
}
