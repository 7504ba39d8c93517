package result

import _ "embed"

// Schema is the JSON Schema (draft 2020-12) of the document Write produces, for consumers in
// other languages and for validating documents from elsewhere.
//
//go:embed run.schema.json
var Schema []byte
