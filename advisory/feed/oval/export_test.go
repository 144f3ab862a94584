package oval

// Mariner2 is the CBL-Mariner 2.0 excerpt of oval_test.go, for the
// end-to-end test in package oval_test.
var Mariner2 = mariner2
