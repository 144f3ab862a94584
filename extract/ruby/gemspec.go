package ruby

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path"
	"regexp"
	"strings"

	"github.com/lading-dev/lading/extract"
	"github.com/lading-dev/lading/inventory"
)

// Installed reads the specifications of installed gems. The zero value is
// ready to use.
type Installed struct{}

// NewInstalled returns the extractor of installed gems.
func NewInstalled() *Installed { return &Installed{} }

// Name implements extract.Extractor.
func (*Installed) Name() string { return "gem-installed" }

// Version implements extract.Extractor.
func (*Installed) Version() int { return 1 }

// Wants reports whether p is a *.gemspec file directly in a folder named
// "specifications" (a gem home: /usr/lib/ruby/gems/3.1.0/specifications,
// vendor/bundle/ruby/3.1.0/specifications) or in its "default" subfolder,
// where the gems that ship with Ruby are described. Gemspecs elsewhere
// (the source tree of a gem) are not installed gems and often compute
// their version, so they are not read.
func (*Installed) Wants(p string) bool {
	if !strings.HasSuffix(p, ".gemspec") || len(path.Base(p)) == len(".gemspec") {
		return false
	}
	dir := path.Dir(p)
	if path.Base(dir) == "default" {
		dir = path.Dir(dir)
	}
	return path.Base(dir) == "specifications"
}

// Extract walks in.FS and reads every wanted gemspec. The scan calls
// ExtractFile instead.
func (e *Installed) Extract(ctx context.Context, in extract.Input) ([]*inventory.Package, error) {
	return extract.WalkFiles(ctx, e, in)
}

// ExtractFile reads one gemspec. A file from which no name and version can
// be read, or that is larger than MaxFileSize, is a *extract.FileError
// naming it.
func (*Installed) ExtractFile(_ context.Context, in extract.Input, p string) ([]*inventory.Package, error) {
	data, err := read(in.FS, p)
	if data == nil {
		return nil, err
	}
	spec, err := parseGemspec(data)
	if err != nil {
		return nil, extract.AsFileError(p, err)
	}
	return []*inventory.Package{newPackage(spec.name, spec.version, p, spec.licenses)}, nil
}

type gemspec struct {
	name, version string
	licenses      []string
}

var (
	// specBlock finds the block variable of "Gem::Specification.new do |s|"
	// (or "{ |spec|").
	specBlock = regexp.MustCompile(`Gem::Specification\.new\b[^\n|]*\|\s*([A-Za-z_][A-Za-z0-9_]*)\s*\|`)
	// stubLine is the comment RubyGems writes at the top of installed
	// specifications: "# stub: <name> <version> <platform> <paths>".
	stubLine = regexp.MustCompile(`(?m)^# stub: (\S+) (\S+)`)
)

var errNotGemspec = errors.New("not a gem specification: no Gem::Specification.new block and no stub line")

// parseGemspec reads a gemspec's name, version and licences by pattern.
func parseGemspec(data []byte) (*gemspec, error) {
	if bytes.IndexByte(data, 0) >= 0 {
		return nil, errors.New("binary data, not a gem specification")
	}
	text := string(data)
	var spec gemspec
	m := specBlock.FindStringSubmatchIndex(text)
	if m != nil {
		v := text[m[2]:m[3]]
		var gotLicenses bool
		for _, line := range strings.Split(text[m[1]:], "\n") {
			field, value, ok := assignment(line, v)
			if !ok {
				continue
			}
			switch field {
			case "name":
				if spec.name == "" {
					spec.name, _ = stringValue(value)
				}
			case "version":
				if spec.version == "" {
					spec.version, _ = versionValue(value)
				}
			case "license", "licenses":
				if !gotLicenses {
					spec.licenses, gotLicenses = licenseValue(value)
				}
			}
		}
	}
	if spec.name == "" || spec.version == "" {
		head := text[:min(len(text), 4096)]
		if s := stubLine.FindStringSubmatch(head); s != nil {
			if spec.name == "" {
				spec.name = s[1]
			}
			if spec.version == "" {
				spec.version = s[2]
			}
		} else if m == nil {
			return nil, errNotGemspec
		}
	}
	switch {
	case spec.name == "" || spec.version == "":
		return nil, errors.New("no literal name and version in the gem specification")
	case !validName(spec.name):
		return nil, fmt.Errorf("invalid gem name %q", truncate(spec.name, 80))
	case !validVersion(spec.version):
		return nil, fmt.Errorf("invalid gem version %q", truncate(spec.version, 80))
	}
	return &spec, nil
}

// assignment reads "<v>.<field> = <value>" for the fields read.
func assignment(line, v string) (field, value string, ok bool) {
	rest, ok := strings.CutPrefix(strings.TrimLeft(line, " \t"), v+".")
	if !ok {
		return "", "", false
	}
	i := 0
	for i < len(rest) && (rest[i] >= 'a' && rest[i] <= 'z' || rest[i] == '_') {
		i++
	}
	field, rest = rest[:i], strings.TrimLeft(rest[i:], " \t")
	switch field {
	case "name", "version", "license", "licenses":
	default:
		return "", "", false
	}
	rest, ok = strings.CutPrefix(rest, "=")
	if !ok || strings.HasPrefix(rest, "=") || strings.HasPrefix(rest, "~") {
		return "", "", false
	}
	return field, strings.TrimSpace(strings.TrimRight(rest, "\r")), true
}

// stringValue reads a whole value that is one string literal, optionally
// frozen, optionally followed by a modifier ("if ...") or a comment.
func stringValue(s string) (string, bool) {
	v, rest, ok := rubyString(s)
	if !ok || !endOfValue(rest) {
		return "", false
	}
	return v, true
}

// versionValue reads a string literal or Gem::Version.new(<literal>).
func versionValue(s string) (string, bool) {
	if inner, ok := strings.CutPrefix(s, "Gem::Version.new"); ok {
		inner = strings.TrimLeft(inner, " ")
		inner, ok = strings.CutPrefix(inner, "(")
		if !ok {
			return "", false
		}
		v, rest, ok := rubyString(strings.TrimLeft(inner, " "))
		if !ok {
			return "", false
		}
		rest, ok = strings.CutPrefix(strings.TrimLeft(rest, " "), ")")
		if !ok || !endOfValue(rest) {
			return "", false
		}
		return v, true
	}
	return stringValue(s)
}

// licenseValue reads one literal, an array of literals or a %w[] list.
func licenseValue(s string) ([]string, bool) {
	var out []string
	add := func(l string) {
		if l = strings.TrimSpace(l); l != "" && len(l) <= 256 {
			out = append(out, l)
		}
	}
	switch {
	case strings.HasPrefix(s, "%w") || strings.HasPrefix(s, "%W"):
		body, rest, ok := delimited(s[2:])
		if !ok || !endOfValue(strings.TrimPrefix(rest, ".freeze")) {
			return nil, false
		}
		for _, l := range strings.Fields(body) {
			add(l)
		}
		return out, true
	case strings.HasPrefix(s, "["):
		rest := strings.TrimLeft(s[1:], " ")
		for {
			if r, ok := strings.CutPrefix(rest, "]"); ok {
				return out, endOfValue(strings.TrimPrefix(r, ".freeze"))
			}
			v, r, ok := rubyString(rest)
			if !ok {
				return nil, false
			}
			add(v)
			rest = strings.TrimLeft(r, " ")
			if r, ok := strings.CutPrefix(rest, ","); ok {
				rest = strings.TrimLeft(r, " ")
			}
		}
	}
	v, ok := stringValue(s)
	if !ok {
		return nil, false
	}
	add(v)
	return out, true
}

// endOfValue reports whether what follows a value ends the statement.
func endOfValue(rest string) bool {
	rest = strings.TrimSpace(rest)
	return rest == "" || strings.HasPrefix(rest, "#") || strings.HasPrefix(rest, "if ") || strings.HasPrefix(rest, "unless ")
}

// rubyString reads the string literal at the start of s: "...", '...',
// %q{...}, %Q{...} or %{...} (any bracket or punctuation delimiter),
// followed by an optional ".freeze". A double-quoted string holding an
// interpolation ("#{") is not a literal.
func rubyString(s string) (val, rest string, ok bool) {
	if s == "" {
		return "", "", false
	}
	var b strings.Builder
	switch s[0] {
	case '"', '\'':
		q := s[0]
		for i := 1; i < len(s); i++ {
			c := s[i]
			switch {
			case c == q:
				return b.String(), strings.TrimPrefix(s[i+1:], ".freeze"), true
			case c == '\\' && i+1 < len(s):
				i++
				e := s[i]
				if q == '\'' && e != '\\' && e != '\'' {
					b.WriteByte('\\')
					b.WriteByte(e)
					continue
				}
				switch e {
				case 'n':
					b.WriteByte('\n')
				case 't':
					b.WriteByte('\t')
				default:
					b.WriteByte(e)
				}
			case c == '#' && q == '"' && i+1 < len(s) && (s[i+1] == '{' || s[i+1] == '@' || s[i+1] == '$'):
				return "", "", false
			default:
				b.WriteByte(c)
			}
		}
		return "", "", false
	case '%':
		body := s[1:]
		interpolating := true
		if len(body) > 0 && (body[0] == 'q' || body[0] == 'Q') {
			interpolating = body[0] == 'Q'
			body = body[1:]
		}
		v, rest, ok := delimited(body)
		if !ok || interpolating && strings.Contains(v, "#{") {
			return "", "", false
		}
		return v, strings.TrimPrefix(rest, ".freeze"), true
	}
	return "", "", false
}

// delimited reads a %-literal body: an opening delimiter, the text, and
// the matching closing one (brackets nest).
func delimited(s string) (body, rest string, ok bool) {
	if s == "" {
		return "", "", false
	}
	open := s[0]
	var close byte
	switch open {
	case '{':
		close = '}'
	case '(':
		close = ')'
	case '[':
		close = ']'
	case '<':
		close = '>'
	default:
		if isAlnum(open) || open == ' ' || open >= 0x80 {
			return "", "", false
		}
		close = open
	}
	depth := 0
	for i := 1; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\' && i+1 < len(s):
			i++
		case c == close && depth == 0:
			return unescapePercent(s[1:i]), s[i+1:], true
		case c == close:
			depth--
		case c == open && open != close:
			depth++
		}
	}
	return "", "", false
}

// unescapePercent removes the backslashes of a %-literal's escapes.
func unescapePercent(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
