package sarif_test

import (
	"bytes"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

func validateErr(sch *jsonschema.Schema, doc []byte) error {
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return err
	}
	return sch.Validate(inst)
}
