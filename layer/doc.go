// Package layer applies image layers, in order and as streams, to a Tree:
// the squashed view of an image's filesystem that keeps the directory
// structure, the symbolic links, and the contents of just the files that
// extractors asked for. Whiteouts and opaque directories remove what lower
// layers brought; a directory replaced by a file or a link hides everything
// that was under it; entry names are normalised and any name that would
// climb out of the root is refused. The Tree is an io/fs.FS that resolves
// symbolic links inside the image root, never on the host.
package layer
