// Package inventory holds the nouns every stage of lading shares: the
// distribution an image is built on, the packages found in it and where each
// one was found. It imports nothing from the rest of the project.
package inventory

// Distro identifies the operating system of an image or root filesystem.
type Distro struct {
	// Family is the os-release ID in lower case: "alpine", "debian",
	// "ubuntu", "rhel", "amzn", "mariner", "azurelinux", "sles", "opensuse-leap",
	// "almalinux", "rocky", "centos", "fedora", "ol", "photon", "wolfi", ...
	Family string `json:"family"`
	// Version is the release as the distribution numbers it: "3.20.3",
	// "12", "18.04", "2023", "15.3". Empty when it cannot be told.
	Version string `json:"version"`
	// Codename is the release's code name where it has one: "bookworm",
	// "focal". Empty otherwise.
	Codename string `json:"codename,omitempty"`
	// Name is the human readable name (os-release PRETTY_NAME).
	Name string `json:"name,omitempty"`
}

// Package types, as they appear in reports and purls.
const (
	TypeDeb = "deb"
	TypeAPK = "apk"
	TypeRPM = "rpm"
)

// Location says where a package was found: the file that records it and the
// layer (by diff ID) that brought that file. Layer is empty for a plain
// directory scan.
type Location struct {
	Path  string `json:"path"`
	Layer string `json:"layer"`
}

// Package is one installed package.
type Package struct {
	Name    string `json:"name"`
	Version string `json:"version"` // full version as the package manager prints it (epoch:version-release for rpm)
	Type    string `json:"type"`    // TypeDeb, TypeAPK, TypeRPM, ...
	Arch    string `json:"arch,omitempty"`

	// SourceName and SourceVersion name the source package this binary
	// package was built from (dpkg Source:, apk origin, rpm SOURCERPM). They
	// equal Name and Version when the database names no other source.
	SourceName    string `json:"source_name"`
	SourceVersion string `json:"source_version"`

	// RPM only.
	Epoch      int    `json:"epoch,omitempty"`
	Release    string `json:"release,omitempty"`
	Modularity string `json:"modularity_label,omitempty"`
	Vendor     string `json:"vendor,omitempty"`

	PURL      string     `json:"purl"`
	Licenses  []string   `json:"licenses,omitempty"`
	Locations []Location `json:"locations"`

	// Layer is the diff ID of the layer that introduced this package (the
	// first layer from which on it is present with this version), and
	// CreatedBy the image history instruction of that layer.
	Layer     string `json:"layer"`
	CreatedBy string `json:"created_by"`
}

// Key identifies a package within one inventory, for attribution across
// layers.
func (p *Package) Key() string {
	return p.Type + "\x00" + p.Name + "\x00" + p.Arch + "\x00" + p.Version
}
