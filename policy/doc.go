// Package policy decides which findings of a report count: ignore rules
// (.ladingignore.yaml), VEX statements (OpenVEX and CycloneDX), a
// baseline report whose findings are not new, the --fail-on gate that
// turns the rest into an exit code, and the --sort-by orders.
//
// Ignored and VEX-suppressed findings leave the report's vulnerabilities
// but are listed under its "ignored" with the rule and the reason; an
// ignore rule past its expiry date stops applying and says so in the
// report's warnings. docs/report-schema.md documents the file formats.
package policy
