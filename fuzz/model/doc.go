// Package model is the model-based test of portal state: rapid state machines drive random
// transaction sequences against a live portal and compare every answer with a model of
// accounts, profiles, devices and pending connections (issue 7, "Live portals").
package model
