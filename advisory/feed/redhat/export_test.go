package redhat

// TarZst is vex_test.go's archive builder, for the end-to-end test in
// package redhat_test.
var TarZst = tarZst
