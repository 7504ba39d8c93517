package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/meshconform/meshconform/reference/auth"
	"github.com/meshconform/meshconform/reference/client"
	"github.com/meshconform/meshconform/reference/keys"
	"github.com/meshconform/meshconform/reference/witness"
)

// state is what a device keeps in its state directory. Private keys live in separate key
// files (0600) so that state.json never holds secrets.
type state struct {
	Account    string        `json:"account,omitempty"`
	Admin      bool          `json:"admin,omitempty"`
	Connection *savedConn    `json:"connection,omitempty"`
	PINs       []witness.PIN `json:"pins,omitempty"`
}

type savedConn struct {
	Account     string `json:"account"`
	MessageID   string `json:"message_id"`
	ClientNonce []byte `json:"client_nonce"`
}

var keyNames = []string{"msk", "osk", "dsk", "dak", "dek"}

// store is a state directory; open is the world-readable-keys knob, alg the algorithm of
// the keys it makes.
type store struct {
	dir  string
	open bool
	alg  keys.Algorithm
}

// perms are the directory and key-file permissions: private unless the knob is on.
func (s store) perms() (dir, file os.FileMode) {
	if s.open {
		return 0o755, 0o644
	}
	return 0o700, 0o600
}

func (s store) path(name string) string { return filepath.Join(s.dir, name) }

func (s store) load() (*state, error) {
	var st state
	data, err := os.ReadFile(s.path("state.json"))
	if errors.Is(err, os.ErrNotExist) {
		return &st, nil
	}
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(data, &st); err != nil {
		return nil, fmt.Errorf("state.json: %w", err)
	}
	return &st, nil
}

func (s store) save(st *state) error {
	if err := os.MkdirAll(s.dir, 0o700); err != nil {
		return err
	}
	data, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	return writeFile(s.path("state.json"), data)
}

// writeFile writes atomically with 0600 permissions.
func writeFile(path string, data []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

func (s store) saveKey(name string, k *keys.PrivateKey) error {
	dirMode, fileMode := s.perms()
	if err := os.MkdirAll(s.dir, dirMode); err != nil {
		return err
	}
	os.Chmod(s.dir, dirMode)
	data, err := keys.MarshalPrivate(k)
	if err != nil {
		return err
	}
	if err := writeFile(s.path(name+".key"), data); err != nil {
		return err
	}
	return os.Chmod(s.path(name+".key"), fileMode)
}

func (s store) loadKey(name string) (*keys.PrivateKey, error) {
	data, err := os.ReadFile(s.path(name + ".key"))
	if err != nil {
		return nil, err
	}
	kf, err := keys.ParseKeyFile(data)
	if err != nil {
		return nil, err
	}
	if kf.Private == nil {
		return nil, fmt.Errorf("%s.key holds no private key", name)
	}
	return kf.Private, nil
}

// device loads the device keys, making and saving fresh ones when there are none.
func (s store) device(create bool) (*client.Device, error) {
	if _, err := os.Stat(s.path("dsk.key")); errors.Is(err, os.ErrNotExist) && create {
		d, err := client.NewDevice(s.alg, nil)
		if err != nil {
			return nil, err
		}
		for name, k := range map[string]*keys.PrivateKey{"dsk": d.DSK, "dak": d.DAK, "dek": d.DEK} {
			if err := s.saveKey(name, k); err != nil {
				return nil, err
			}
		}
		return d, nil
	}
	var ks [3]*keys.PrivateKey
	for i, name := range keyNames[2:] {
		k, err := s.loadKey(name)
		if err != nil {
			return nil, err
		}
		ks[i] = k
	}
	return &client.Device{DSK: ks[0], DAK: ks[1], DEK: ks[2]}, nil
}

func (s store) master() (*client.Master, error) {
	msk, err := s.loadKey("msk")
	if err != nil {
		return nil, err
	}
	osk, err := s.loadKey("osk")
	if err != nil {
		return nil, err
	}
	return &client.Master{MSK: msk, OSK: osk}, nil
}

// account returns the account this state directory belongs to.
func (s store) account() (*client.Account, *state, error) {
	st, err := s.load()
	if err != nil {
		return nil, nil, err
	}
	if st.Account == "" {
		return nil, nil, usage("this state directory has no account: create or connect first")
	}
	d, err := s.device(false)
	if err != nil {
		return nil, nil, err
	}
	a := &client.Account{Name: st.Account, Device: d}
	if st.Admin {
		if a.Master, err = s.master(); err != nil {
			return nil, nil, err
		}
	}
	return a, st, nil
}

// sessionFile holds the session the sessions allowance keeps (NOTE-AUTH-SESSION): its key is
// a secret, so the file is 0600 like the key files.
const sessionFile = "session.json"

// sessions returns the account's session keeper, holding the session saved earlier, if any.
func (s store) sessions() (*client.Sessions, error) {
	ss := &client.Sessions{}
	data, err := os.ReadFile(s.path(sessionFile))
	if errors.Is(err, os.ErrNotExist) {
		return ss, nil
	}
	if err != nil {
		return nil, err
	}
	var sess auth.Session
	if err := json.Unmarshal(data, &sess); err != nil {
		return nil, fmt.Errorf("%s: %w", sessionFile, err)
	}
	ss.Keep(&sess)
	return ss, nil
}

// saveSession keeps sess for the next run; nil removes a saved one.
func (s store) saveSession(sess *auth.Session) error {
	if sess == nil {
		if err := os.Remove(s.path(sessionFile)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		return nil
	}
	data, err := json.Marshal(sess)
	if err != nil {
		return err
	}
	return writeFile(s.path(sessionFile), data)
}

// forget removes the account's private keys, the session key the sessions allowance kept and
// the state that names it (after DeleteAccount). The files are unlinked, not overwritten: on
// journaling and copy-on-write file systems an overwrite does not reach the old blocks either.
func (s store) forget() error {
	var errs []error
	files := []string{sessionFile, "state.json"}
	for _, name := range keyNames {
		files = append(files, name+".key")
	}
	for _, file := range files {
		if err := os.Remove(s.path(file)); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
