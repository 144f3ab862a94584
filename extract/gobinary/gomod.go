package gobinary

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strconv"
	"strings"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/module"

	"github.com/lading-dev/lading/inventory"
)

// readGoMod reads the go.mod at p.
func readGoMod(fsys fs.FS, p string) ([]*inventory.Package, error) {
	f, err := fsys.Open(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fileError(p, "%v", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxGoModSize+1))
	if err != nil {
		return nil, fileError(p, "%v", err)
	}
	if len(data) > MaxGoModSize {
		return nil, fileError(p, "larger than %d bytes", MaxGoModSize)
	}
	mods, err := ParseGoMod(p, data)
	pkgs := make([]*inventory.Package, 0, len(mods))
	for _, m := range mods {
		pkgs = append(pkgs, newPackage(m.Path, m.Version, p))
	}
	if err != nil {
		return pkgs, fileError(p, "%v", err)
	}
	return pkgs, nil
}

// Module is one module a go.mod makes the build use.
type Module struct {
	Path, Version string
	// Indirect is set for a requirement marked "// indirect".
	Indirect bool
	// Replaced is the path@version the go.mod requires before a replace
	// directive applies; "" when none applies.
	Replaced string
}

// ParseGoMod returns the modules a go.mod requires, replaced and excluded
// as the package documentation describes, in the file's order. name is
// used in error messages. The declared module and the requirements of the
// standard library's go.mod files ("module std", "module cmd") are not
// returned.
//
// The file is parsed leniently (directives a newer Go may add are
// ignored), and replace and exclude directives are read from its syntax.
// A file that does not parse is an error with no modules; a requirement
// or replacement whose path is not a valid import path is left out and
// reported in the error, together with the other modules.
func ParseGoMod(name string, data []byte) ([]Module, error) {
	f, err := modfile.ParseLax(name, data, nil)
	if err != nil {
		return nil, err
	}
	if f.Module != nil && (f.Module.Mod.Path == "std" || f.Module.Mod.Path == "cmd") {
		return nil, nil
	}
	var replaces []replace
	excluded := map[string]bool{}
	for _, stmt := range f.Syntax.Stmt {
		switch x := stmt.(type) {
		case *modfile.Line:
			if len(x.Token) == 0 {
				continue
			}
			if err := directive(x.Token[0], x.Token[1:], &replaces, excluded); err != nil {
				return nil, fmt.Errorf("%s:%d: %w", name, x.Start.Line, err)
			}
		case *modfile.LineBlock:
			if len(x.Token) != 1 {
				continue
			}
			for _, l := range x.Line {
				if err := directive(x.Token[0], l.Token, &replaces, excluded); err != nil {
					return nil, fmt.Errorf("%s:%d: %w", name, l.Start.Line, err)
				}
			}
		}
	}
	var out []Module
	var errs []error
	seen := map[string]bool{}
	for _, r := range f.Require {
		if r == nil || excluded[r.Mod.Path+"@"+r.Mod.Version] {
			continue
		}
		if err := module.CheckImportPath(r.Mod.Path); err != nil {
			errs = append(errs, fmt.Errorf("require: %w", err))
			continue
		}
		m := Module{Path: r.Mod.Path, Version: r.Mod.Version, Indirect: r.Indirect}
		if rep, ok := findReplace(replaces, r.Mod.Path, r.Mod.Version); ok {
			m.Replaced = r.Mod.Path + "@" + r.Mod.Version
			if rep.newVersion == "" {
				m.Version = Devel // a local directory
			} else if err := module.CheckImportPath(rep.newPath); err != nil {
				errs = append(errs, fmt.Errorf("replace: %w", err))
				continue
			} else {
				m.Path, m.Version = rep.newPath, rep.newVersion
			}
		}
		key := m.Path + "@" + m.Version
		if seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, m)
	}
	return out, errors.Join(errs...)
}

// replace is one replace directive.
type replace struct {
	oldPath, oldVersion string // oldVersion "" replaces every version
	newPath, newVersion string // newVersion "" is a local directory
}

// findReplace returns the replace directive that applies to path@version:
// one naming that version wins over one naming none; among equals the last
// one written (the go command rejects such duplicates).
func findReplace(rs []replace, path, version string) (replace, bool) {
	var any, exact *replace
	for i := range rs {
		r := &rs[i]
		if r.oldPath != path {
			continue
		}
		switch r.oldVersion {
		case "":
			any = r
		case version:
			exact = r
		}
	}
	if exact != nil {
		return *exact, true
	}
	if any != nil {
		return *any, true
	}
	return replace{}, false
}

// directive records one replace or exclude line given as tokens after the
// verb; other verbs are left to modfile.
func directive(verb string, args []string, replaces *[]replace, excluded map[string]bool) error {
	switch verb {
	case "exclude":
		if len(args) != 2 {
			return errors.New("exclude directive expects a module path and a version")
		}
		p, err := unquote(args[0])
		if err != nil {
			return err
		}
		v, err := unquote(args[1])
		if err != nil {
			return err
		}
		excluded[p+"@"+v] = true
	case "replace":
		arrow := -1
		for i, a := range args {
			if a == "=>" {
				arrow = i
				break
			}
		}
		if arrow < 1 || arrow > 2 || len(args)-arrow-1 < 1 || len(args)-arrow-1 > 2 {
			return errors.New("replace directive expects old [version] => new [version]")
		}
		toks := make([]string, len(args))
		for i, a := range args {
			if i == arrow {
				continue
			}
			s, err := unquote(a)
			if err != nil {
				return err
			}
			toks[i] = s
		}
		r := replace{oldPath: toks[0], newPath: toks[arrow+1]}
		if arrow == 2 {
			r.oldVersion = toks[1]
		}
		if len(args) == arrow+3 {
			r.newVersion = toks[arrow+2]
		}
		*replaces = append(*replaces, r)
	}
	return nil
}

// unquote removes the quotes go.mod allows around a path or version.
func unquote(s string) (string, error) {
	if strings.HasPrefix(s, `"`) || strings.HasPrefix(s, "`") {
		u, err := strconv.Unquote(s)
		if err != nil {
			return "", fmt.Errorf("bad quoted string %s", s)
		}
		return u, nil
	}
	return s, nil
}
