package python

import (
	"fmt"
	"regexp"
	"strings"
)

// UnresolvedIncludeError reports a "-r" include of a requirements file
// whose pins were not read: the file is not in the image, or it is not
// named like a requirements file and so is not read on its own.
type UnresolvedIncludeError struct {
	// Include is the argument of -r as written.
	Include string
}

func (e *UnresolvedIncludeError) Error() string {
	return fmt.Sprintf("includes %q (-r), which is not read: its pins are not reported", e.Include)
}

// requirement is an exact pin of a requirements file.
type requirement struct{ name, version string }

var (
	// commentRe is a comment: "#" at the start or after white space.
	commentRe = regexp.MustCompile(`(^|\s)#.*$`)
	// optionRe starts the per-requirement options ("--hash=...").
	optionRe = regexp.MustCompile(`\s-`)
	// reqRe splits "name[extras] specifiers".
	reqRe = regexp.MustCompile(`^([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(\[[^\]]*\])?\s*(.*)$`)
)

// parseRequirements reads a pip requirements file. It returns the exact
// pins and the arguments of -r/--requirement options (see the package
// comment for what is skipped).
func parseRequirements(data []byte) (reqs []requirement, includes []string) {
	text := strings.ReplaceAll(string(data), "\r\n", "\n")
	var logical []string
	var cur strings.Builder
	for _, line := range strings.Split(text, "\n") {
		// A backslash at the end joins the next line, as pip does.
		if strings.HasSuffix(line, `\`) {
			cur.WriteString(strings.TrimSuffix(line, `\`))
			cur.WriteByte(' ')
			continue
		}
		cur.WriteString(line)
		logical = append(logical, cur.String())
		cur.Reset()
	}
	if cur.Len() > 0 {
		logical = append(logical, cur.String())
	}
	for _, line := range logical {
		line = strings.TrimSpace(commentRe.ReplaceAllString(line, ""))
		if line == "" {
			continue
		}
		if strings.HasPrefix(line, "-") {
			if inc, ok := includeArg(line); ok {
				includes = append(includes, inc)
			}
			continue
		}
		if r, ok := parsePin(line); ok {
			reqs = append(reqs, r)
		}
	}
	return reqs, includes
}

// includeArg returns the file of a "-r file", "-rfile", "--requirement
// file" or "--requirement=file" line.
func includeArg(line string) (string, bool) {
	var rest string
	switch {
	case strings.HasPrefix(line, "--requirement"):
		rest = strings.TrimPrefix(line, "--requirement")
		if rest != "" && rest[0] != '=' && rest[0] != ' ' && rest[0] != '\t' {
			return "", false // some other option
		}
		rest = strings.TrimPrefix(strings.TrimSpace(rest), "=")
	case strings.HasPrefix(line, "-r"):
		rest = strings.TrimPrefix(line, "-r")
	default:
		return "", false
	}
	rest = strings.TrimSpace(rest)
	if f := strings.Fields(rest); len(f) > 0 {
		return f[0], true
	}
	return "", false
}

// parsePin reads one requirement line and reports whether it is an exact
// pin: one "==" or "===" clause with a version free of wildcards.
func parsePin(line string) (requirement, bool) {
	if loc := optionRe.FindStringIndex(line); loc != nil {
		line = line[:loc[0]]
	}
	if i := strings.IndexByte(line, ';'); i >= 0 {
		line = line[:i] // environment marker
	}
	line = strings.TrimSpace(line)
	if strings.Contains(line, "://") || strings.Contains(line, "@") {
		return requirement{}, false // a URL or a direct reference
	}
	m := reqRe.FindStringSubmatch(line)
	if m == nil {
		return requirement{}, false
	}
	spec := strings.TrimSpace(m[3])
	var version string
	switch {
	case strings.HasPrefix(spec, "==="):
		version = spec[3:]
	case strings.HasPrefix(spec, "=="):
		version = spec[2:]
	default:
		return requirement{}, false
	}
	version = strings.TrimSpace(version)
	if !validVersion(version) {
		return requirement{}, false // "==1.*", "==1,>=0.5", "==${V}"
	}
	return requirement{name: m[1], version: version}, true
}
