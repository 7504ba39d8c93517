// Package auth implements the request authentication of NOTE-AUTH (the Mesh Authorization
// header signed with a device's DeviceAuthenticationKey) and the small signed-envelope helpers
// that the reference portal and client share to sign and verify tagged structures.
package auth
