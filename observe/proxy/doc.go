// Package proxy is the validating reverse proxy of meshconform proxy: it forwards every request
// to the portal and every answer back unchanged, keeps a bounded prefix of each body, and hands
// each finished exchange, in order, to a single consumer (the judge and the capture file) off the
// request path, so that judging adds little to the answer time.
//
// Serve accepts HTTP/1.x connections itself and relays each message's head and body bytes as
// they came (framing, header case and order and connection headers included) over keep-alive
// connections to the portal, reading of the head only what delimits the body: no http.Server,
// http.Transport or goroutine hand-off on the answer path. There is deliberately no
// http.Handler face: httputil.ReverseProxy drops hop-by-hop headers and canonicalises the head,
// which would alter traffic the proxy promises to pass unchanged.
package proxy
