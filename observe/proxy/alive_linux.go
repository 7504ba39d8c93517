package proxy

import (
	"crypto/tls"
	"net"
	"syscall"
)

// alive says whether an idle connection to the portal is still open: nothing to read on it
// yet, rather than its end (the portal closed it) or bytes it should not have sent. One
// non-blocking peek, instead of a goroutine reading every idle connection as net/http does.
func alive(c net.Conn) bool {
	if tc, ok := c.(*tls.Conn); ok {
		c = tc.NetConn()
	}
	sc, ok := c.(syscall.Conn)
	if !ok {
		return true
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return false
	}
	open := false
	err = rc.Read(func(fd uintptr) bool {
		var b [1]byte
		_, _, perr := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		open = perr == syscall.EAGAIN
		return true
	})
	return err == nil && open
}
