package build

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/bzip2"
	"compress/gzip"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/klauspost/compress/zstd"

	"github.com/lading-dev/lading/advisory/feed"
	"github.com/lading-dev/lading/advisory/feed/amazon"
	"github.com/lading-dev/lading/advisory/feed/oval"
	"github.com/lading-dev/lading/advisory/feed/redhat"
	"github.com/lading-dev/lading/advisory/feed/ubuntu"
)

// Distribution feeds in their publishers' own formats.
const (
	// FormatRedHatVEX is one Red Hat CSAF VEX document (cve-YYYY-NNNN.json).
	FormatRedHatVEX Format = "redhat-csaf-vex"
	// FormatRedHatVEXArchive is Red Hat's csaf_vex_<date>.tar.zst.
	FormatRedHatVEXArchive Format = "redhat-csaf-vex-archive"
	// FormatAmazonUpdateinfo is an Amazon Linux repository's
	// updateinfo.xml, plain or gzip-compressed.
	FormatAmazonUpdateinfo Format = "amazon-updateinfo"
	// FormatSUSEOVAL and FormatAzureLinuxOVAL are OVAL definitions of
	// SUSE and of CBL-Mariner / Azure Linux, plain, gzip or bzip2.
	FormatSUSEOVAL       Format = "suse-oval"
	FormatAzureLinuxOVAL Format = "azurelinux-oval"
	// FormatUbuntuNotices is the ubuntu.com security notices JSON.
	FormatUbuntuNotices Format = "ubuntu-notices"
)

var (
	zstdMagic  = []byte{0x28, 0xb5, 0x2f, 0xfd}
	bzip2Magic = []byte("BZh")
)

// detectCompressedDistro looks inside a gzip, bzip2 or zstd file for a
// distribution feed: XML (updateinfo, OVAL) or a tar of VEX documents.
// ok is false when the file is none of them, leaving it to the other
// detectors.
func detectCompressedDistro(f *os.File, p string, head []byte) (format Format, ok bool, err error) {
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return "", false, err
	}
	defer f.Seek(0, io.SeekStart)
	br := bufio.NewReader(f)
	var in io.Reader
	switch {
	case bytes.HasPrefix(head, []byte{0x1f, 0x8b}):
		zr, err := gzip.NewReader(br)
		if err != nil {
			return "", false, nil
		}
		defer zr.Close()
		in = zr
	case bytes.HasPrefix(head, bzip2Magic):
		in = bzip2.NewReader(br)
	case bytes.HasPrefix(head, zstdMagic):
		zr, err := zstd.NewReader(br, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxMemory(1<<30), zstd.WithDecoderLowmem(true))
		if err != nil {
			return "", false, nil
		}
		defer zr.Close()
		// A tar header is 512 bytes; the archive starts with one.
		if _, err := tar.NewReader(io.LimitReader(zr, 1<<20)).Next(); err != nil {
			return "", false, nil
		}
		return FormatRedHatVEXArchive, true, nil
	default:
		return "", false, nil
	}
	inner := bufio.NewReaderSize(in, 4096)
	peek, _ := inner.Peek(4096)
	if t := bytes.TrimLeft(peek, " \t\r\n\ufeff"); len(t) == 0 || t[0] != '<' {
		return "", false, nil
	}
	format, err = detectXML(inner, p)
	if err != nil {
		if _, skipped := IsUnsupported(err); skipped {
			return "", false, nil
		}
		return "", false, err
	}
	return format, true, nil
}

// detectXML tells an Amazon updateinfo document (root <updates>) from
// SUSE and Microsoft OVAL definitions (root <oval_definitions>, told
// apart by the first definition's id or the generator's name).
func detectXML(r io.Reader, p string) (Format, error) {
	dec := xml.NewDecoder(io.LimitReader(r, 4<<20))
	root := ""
	generator := ""
	inProduct := false
	for {
		tok, err := dec.Token()
		if err != nil {
			if root == "" {
				if errors.Is(err, io.EOF) {
					return "", skip("XML document without an element: format not recognised")
				}
				return "", fmt.Errorf("%s: invalid XML: %w", p, err)
			}
			break
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if root == "" {
				root = t.Name.Local
				switch root {
				case "updates":
					return FormatAmazonUpdateinfo, nil
				case "oval_definitions":
				default:
					return "", skip("XML document <%s>: format not recognised", root)
				}
				continue
			}
			inProduct = t.Name.Local == "product_name"
			if t.Name.Local == "definition" {
				for _, a := range t.Attr {
					if a.Name.Local != "id" {
						continue
					}
					switch {
					case strings.HasPrefix(a.Value, "oval:org.opensuse.security:"):
						return FormatSUSEOVAL, nil
					case strings.HasPrefix(a.Value, "oval:com.microsoft."):
						return FormatAzureLinuxOVAL, nil
					}
					return "", skip("OVAL definitions %s: not SUSE's or Microsoft's, not read", a.Value)
				}
			}
		case xml.CharData:
			if inProduct {
				generator += string(t)
			}
		case xml.EndElement:
			inProduct = false
		}
	}
	switch g := strings.ToLower(generator); {
	case strings.Contains(g, "mariner") || strings.Contains(g, "azure linux"):
		return FormatAzureLinuxOVAL, nil
	case strings.Contains(g, "suse") || strings.Contains(g, "marcus"):
		return FormatSUSEOVAL, nil
	}
	return "", skip("OVAL definitions of an unknown publisher (%q): not read", strings.TrimSpace(generator))
}

// detectPlainXML is detectXML over a file that starts with '<'.
func detectPlainXML(f *os.File, p string) (Format, error) {
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return "", err
	}
	return detectXML(bufio.NewReader(f), p)
}

// ingestDistro reads one distribution feed file.
func ingestDistro(ctx context.Context, p string, format Format, sink feed.Sink) (string, feed.Stats, error) {
	switch format {
	case FormatRedHatVEX, FormatRedHatVEXArchive:
		stats, err := redhat.ReadFile(ctx, p, sink)
		return redhat.Source, stats, err
	case FormatAmazonUpdateinfo:
		stats, err := amazon.ReadFile(ctx, p, sink)
		return amazon.Source, stats, err
	case FormatSUSEOVAL:
		stats, err := oval.ReadFile(ctx, p, sink)
		return oval.SourceSUSE, stats, err
	case FormatAzureLinuxOVAL:
		stats, err := oval.ReadFile(ctx, p, sink)
		return oval.SourceAzureLinux, stats, err
	case FormatUbuntuNotices:
		stats, err := ubuntu.ReadFile(ctx, p, sink)
		return ubuntu.Source, stats, err
	}
	return "", feed.Stats{}, fmt.Errorf("%s: no reader for format %q", p, format)
}

// isVEXDocument reports whether the value of a JSON document's
// "document" key is a CSAF VEX header.
func isVEXDocument(val []byte) bool { return redhat.IsVEXHeader(val) }
