// Package bench holds lading's benchmarks over the real shared data: the
// advisory database build from all of ../shared/vulndata and lookups of
// real package names from the fixtures' package databases. Run them with
//
//	go test -run x -bench . -benchtime 3x ./internal/bench
//
// They are measurements, not pass/fail timing tests.
package bench
