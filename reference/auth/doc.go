// Package auth implements the request authentication of NOTE-AUTH (the Mesh Authorization
// header signed with a device's DeviceAuthenticationKey), the sessions of NOTE-AUTH-SESSION
// (one signed request agrees a key, later ones carry an HMAC under it: both the client's and
// the portal's side), and the small signed-envelope helpers that the reference portal and
// client share to sign and verify tagged structures.
package auth
