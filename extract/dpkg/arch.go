package dpkg

import "strings"

// isPackageName reports whether s is a Debian package name (Debian Policy
// 5.6.1, allowing a single character as dpkg does).
func isPackageName(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9':
		case (c == '+' || c == '-' || c == '.') && i > 0:
		default:
			return false
		}
	}
	return s != ""
}

// debianCPUs are the last parts of Debian architecture names: the CPUs of
// dpkg's cputable and the ABI-specific names built on them ("armhf",
// "ppc64el", "x32"). An architecture is "<cpu>" or "<os>-<cpu>" with an
// optional libc/ABI before the OS ("hurd-i386", "musl-linux-amd64").
var debianCPUs = map[string]bool{
	"alpha": true, "amd64": true, "arc": true, "arm": true, "arm64": true, "arm64ilp32": true,
	"armeb": true, "armel": true, "armhf": true, "avr32": true, "hppa": true, "i386": true,
	"ia64": true, "loong64": true, "lpia": true, "m32r": true, "m68k": true, "mips": true,
	"mips64": true, "mips64el": true, "mips64r6": true, "mips64r6el": true, "mipsel": true,
	"mipsn32": true, "mipsn32el": true, "mipsn32r6": true, "mipsn32r6el": true, "mipsr6": true,
	"mipsr6el": true, "nios2": true, "or1k": true, "powerpc": true, "powerpcel": true,
	"powerpcspe": true, "ppc64": true, "ppc64el": true, "riscv64": true, "s390": true,
	"s390x": true, "sh3": true, "sh3eb": true, "sh4": true, "sh4eb": true, "sparc": true,
	"sparc64": true, "tilegx": true, "x32": true,
}

// isDebianArch reports whether arch can be the Architecture of an installed
// Debian package: "all", or a name whose last dash-separated part is a
// Debian CPU. This is what tells a dpkg database from other tools' deb822
// files: vcpkg's status file, for one, records triplets that put the CPU
// first and in Microsoft's spelling ("x64-windows", "x86-windows",
// "arm64-osx", "x64-linux"), which never end in a Debian CPU name.
func isDebianArch(arch string) bool {
	if arch == "all" {
		return true
	}
	return debianCPUs[arch[strings.LastIndexByte(arch, '-')+1:]]
}
