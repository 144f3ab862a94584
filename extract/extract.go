// Package extract defines the contract between the layer walk and the code
// that turns file contents into packages. An extractor names the files it
// needs (Wants); the walk keeps those files and later hands the extractor a
// read-only view of them.
package extract

import (
	"context"
	"fmt"
	"io/fs"

	"github.com/lading-dev/lading/inventory"
)

// Input is what an extractor reads.
type Input struct {
	// FS holds the files the extractor asked for (and the directories above
	// them), as they stand in the image after the layers applied so far.
	// Paths are slash separated and relative to the root ("var/lib/dpkg/status").
	// Symbolic links inside the image are resolved within the root.
	FS fs.FS
	// Distro is the operating system detected in the same view, or nil.
	Distro *inventory.Distro
	// TempDir is scratch space (inside lading's cache directory) for
	// extractors whose parsers need a real file, such as rpm databases.
	TempDir string
}

// Extractor turns the files it wants into packages.
type Extractor interface {
	// Name is a short stable identifier, e.g. "dpkg".
	Name() string
	// Version changes whenever the extractor's output for the same input
	// would change; caches key on it.
	Version() int
	// Wants reports whether the file at path (slash separated, relative to
	// the root, no leading slash) is needed. It is called for every file in
	// every layer and must be cheap.
	Wants(path string) bool
	// Extract reads the wanted files from in.FS. A file that cannot be parsed
	// is reported as a *FileError (possibly joined with others) together with
	// whatever packages could be read.
	Extract(ctx context.Context, in Input) ([]*inventory.Package, error)
}

// FileError is a failure to read or parse one file. The scan goes on and
// records it.
type FileError struct {
	Path string
	Err  error
}

func (e *FileError) Error() string { return fmt.Sprintf("%s: %v", e.Path, e.Err) }
func (e *FileError) Unwrap() error { return e.Err }

// FileWanter is implemented by extractors that pick regular files by mode
// or size as well as by path (executables anywhere, say). WantsFile must be
// cheap; it is asked for every regular file Wants declined.
type FileWanter interface {
	WantsFile(path string, mode fs.FileMode, size int64) bool
}

// FileExtractor is implemented by extractors whose packages each come from
// one file (a lockfile, a binary, an archive). The scan calls ExtractFile
// once for each version of each wanted file, attributes what it returns to
// the layer that wrote that file, and forgets it when a later layer removes
// or replaces the file. Extract is not called for such extractors.
type FileExtractor interface {
	Extractor
	ExtractFile(ctx context.Context, in Input, path string) ([]*inventory.Package, error)
}

// SelfContained is implemented by per-file extractors whose findings in a
// regular file depend on that file's contents alone: not on other files,
// links or Input.Distro. The scan may then run them on a layer's files as
// soon as the layer is read, beside the reading of other layers, on an
// Input whose FS holds that one file.
type SelfContained interface {
	FileExtractor
	SelfContained()
}
