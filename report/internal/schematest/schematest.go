// Package schematest validates report documents against JSON schemas kept
// in a format's testdata folder. Only tests import it.
package schematest

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// Compile loads the schema files (main first) from dir, registers each
// under the URL it is referred to by (ids[i] for files[i]) and compiles
// the first, with format assertions on.
func Compile(t testing.TB, dir string, files, ids []string) *jsonschema.Schema {
	t.Helper()
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	for i, name := range files {
		f, err := os.Open(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		doc, err := jsonschema.UnmarshalJSON(f)
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if err := c.AddResource(ids[i], doc); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	sch, err := c.Compile(ids[0])
	if err != nil {
		t.Fatalf("compiling %s: %v", files[0], err)
	}
	return sch
}

// Validate checks doc against sch and reports every violation.
func Validate(t testing.TB, sch *jsonschema.Schema, doc []byte) {
	t.Helper()
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	if err := sch.Validate(inst); err != nil {
		t.Errorf("does not validate against %s:\n%v", sch.Location, err)
	}
}
