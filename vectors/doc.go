// Package vectors embeds the Wycheproof-style test vector files and generates them from fixed seeds.
package vectors
