package spec

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
)

// Version identifies the protocol documents a binary embeds: the draft, and per machine-readable
// file its format version (schemaVersion) and a digest of its content. The content changes far
// more often than the format, so a report that names both says exactly which catalog judged it.
type Version struct {
	Draft   string `json:"draft"`
	Schema  string `json:"schema"`  // e.g. "v1 sha256:1a2b3c4d5e6f"
	Catalog string `json:"catalog"` // requirements.json, with its requirement count
	Notes   string `json:"notes"`
}

// Versions returns the Version of the embedded files.
func Versions() Version {
	s := MustLoad()
	return Version{
		Draft:   s.Schema.Draft,
		Schema:  fileVersion(schemaJSON, ""),
		Catalog: fileVersion(requirementsJSON, fmt.Sprintf(", %d requirements", len(s.Requirements))),
		Notes:   fileVersion(notesJSON, fmt.Sprintf(", %d notes", len(s.Notes))),
	}
}

func fileVersion(b []byte, extra string) string {
	var head struct {
		SchemaVersion int `json:"schemaVersion"`
	}
	_ = json.Unmarshal(b, &head) // Load has parsed every file already
	sum := sha256.Sum256(b)
	return fmt.Sprintf("v%d sha256:%s%s", head.SchemaVersion, hex.EncodeToString(sum[:6]), extra)
}
