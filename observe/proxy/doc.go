// Package proxy is the validating reverse proxy of meshconform proxy: it forwards every request
// to the portal and every answer back unchanged, keeps a bounded prefix of each body, and hands
// each finished exchange, in order, to a single consumer (the judge and the capture file) off the
// request path, so that judging adds little to the answer time.
//
// It has two faces. Serve, which the command uses, accepts HTTP/1.x connections itself and
// relays each message's head and body bytes as they came (framing, header case and order and
// connection headers included) over keep-alive connections to the portal, reading of the head
// only what delimits the body: no http.Server, http.Transport or goroutine hand-off on the
// answer path. ServeHTTP is an http.Handler over httputil.ReverseProxy, for a proxy mounted in an
// http.Server; it drops the hop-by-hop headers as ReverseProxy does and costs more per request.
package proxy
