package cli_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"syscall"
	"testing"
	"unsafe"

	"github.com/lading-dev/lading/internal/cli"
	"github.com/lading-dev/lading/internal/testutil"
)

const clearLine = "\r\x1b[K"

// openPTY opens a pseudo-terminal pair: what is written to the returned
// terminal is read from master.
func openPTY(t *testing.T) (master, tty *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	var unlock int32
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, m.Fd(), syscall.TIOCSPTLCK, uintptr(unsafe.Pointer(&unlock))); e != 0 {
		m.Close()
		t.Skipf("unlocking the pseudo-terminal: %v", e)
	}
	var n uint32
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, m.Fd(), syscall.TIOCGPTN, uintptr(unsafe.Pointer(&n))); e != 0 {
		m.Close()
		t.Skipf("naming the pseudo-terminal: %v", e)
	}
	s, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		m.Close()
		t.Skipf("opening the pseudo-terminal: %v", err)
	}
	return m, s
}

// runOnTTY runs lading with standard error on a pseudo-terminal and
// standard output in a buffer; it returns both and the exit code.
func runOnTTY(t *testing.T, args ...string) (stdout, tty string, code int) {
	t.Helper()
	master, slave := openPTY(t)
	defer master.Close()
	read := make(chan string)
	go func() {
		var b bytes.Buffer
		io.Copy(&b, master) // ends with EIO once the terminal is closed
		read <- b.String()
	}()
	var out bytes.Buffer
	code = cli.Main(context.Background(), args, cli.Stdio{In: strings.NewReader(""), Out: &out, Err: slave})
	slave.Close()
	// The terminal turns "\n" into "\r\n".
	return out.String(), strings.ReplaceAll(<-read, "\r\n", "\n"), code
}

// A scan draws its progress on standard error when that is a terminal,
// leaves standard output a clean report, and clears the line at the end;
// with --quiet, TERM=dumb or a standard error that is not a terminal it
// writes nothing but the report.
func TestProgressOnlyOnATerminal(t *testing.T) {
	archive, _ := alpineImage(t)
	db := testDB(t)
	args := []string{"image", "docker-archive:" + archive, "--format", "json", "--cache-dir", t.TempDir(), "--db", db}
	t.Setenv("TERM", "xterm")

	out, tty, code := runOnTTY(t, args...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, tty)
	}
	decodeReport(t, out)
	if strings.ContainsAny(out, "\r\x1b") {
		t.Errorf("standard output holds terminal controls:\n%q", out)
	}
	// The archive's one layer has no stored size: the line counts layers.
	for _, want := range []string{clearLine + "layers 0/1", clearLine + "layers 1/1"} {
		if !strings.Contains(tty, want) {
			t.Errorf("the terminal lacks %q:\n%q", want, tty)
		}
	}
	if !strings.HasSuffix(tty, clearLine) {
		t.Errorf("the line is left on the terminal:\n%q", tty)
	}
	// Anything else written there starts on a cleared line.
	startsCleared(t, tty, "lading:")

	quiet, qtty, code := runOnTTY(t, append(args, "-q")...)
	if code != 0 || qtty != "" {
		t.Errorf("--quiet: exit %d, terminal got %q", code, qtty)
	}
	t.Setenv("TERM", "dumb")
	dumb, dtty, code := runOnTTY(t, args...)
	if code != 0 || dtty != "" {
		t.Errorf("TERM=dumb: exit %d, terminal got %q", code, dtty)
	}
	t.Setenv("TERM", "xterm")
	piped, errOut, code := runCLI(t, args...)
	if code != 0 || errOut != "" {
		t.Errorf("standard error not a terminal: exit %d, it got %q", code, errOut)
	}
	for name, o := range map[string]string{"--quiet": quiet, "TERM=dumb": dumb, "piped": piped} {
		decodeReport(t, o)
		if strings.ContainsAny(o, "\r\x1b") {
			t.Errorf("%s: standard output holds terminal controls", name)
		}
	}
}

// db update names each download on the terminal, above the log lines it
// also writes there; with --quiet it writes nothing there.
func TestDBUpdateProgressOnATerminal(t *testing.T) {
	vulndata := testutil.Shared(t, "vulndata")
	t.Setenv("TERM", "xterm")
	args := []string{"db", "update", "--mirror", "file://" + vulndata, "--feeds", "kev", "--cache-dir", t.TempDir()}
	out, tty, code := runOnTTY(t, args...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, tty)
	}
	if !strings.HasPrefix(out, "updated ") || strings.ContainsAny(out, "\r\x1b") {
		t.Errorf("standard output: %q", out)
	}
	for _, want := range []string{clearLine + "[1/1] kev known_exploited_vulnerabilities.json", "downloaded file://"} {
		if !strings.Contains(tty, want) {
			t.Errorf("the terminal lacks %q:\n%q", want, tty)
		}
	}
	// What follows the last newline may be redrawn progress, but the line
	// must end cleared.
	if last := tty[strings.LastIndex(tty, "\n")+1:]; last != "" && !strings.HasSuffix(last, clearLine) {
		t.Errorf("the line is left on the terminal: %q", last)
	}
	startsCleared(t, tty, "downloaded ")

	_, qtty, code := runOnTTY(t, append(args, "--quiet")...)
	if code != 0 || qtty != "" {
		t.Errorf("--quiet: exit %d, terminal got %q", code, qtty)
	}
}

// startsCleared checks that each message (text beginning with marker)
// written to the terminal starts on a cleared line, not after progress.
func startsCleared(t *testing.T, tty, marker string) {
	t.Helper()
	for _, line := range strings.SplitAfter(tty, "\n") {
		if i := strings.Index(line, marker); i > 0 && !strings.HasSuffix(line[:i], clearLine) {
			t.Errorf("%q shares a line with the progress: %q", marker, line)
		}
	}
}
