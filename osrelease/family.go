package osrelease

import "strings"

// familyAliases maps IDs that name a distribution in another way (older
// releases, other tools' spellings) to the os-release ID lading uses.
var familyAliases = map[string]string{
	"amazon":      "amzn",
	"amazonlinux": "amzn",
	"redhat":      "rhel",
	"oracle":      "ol",
	"oraclelinux": "ol",
	"alma":        "almalinux",
	"rockylinux":  "rocky",
	"cbl-mariner": "mariner",
	"sles_sap":    "sles",
}

// family turns an os-release ID (or an lsb-release DISTRIB_ID) into the
// family: lower case, aliases resolved. openSUSE Leap 42.x says ID=opensuse
// with NAME="openSUSE Leap"; it becomes "opensuse-leap" like Leap 15.
func family(id, name string) string {
	f := strings.ToLower(strings.TrimSpace(id))
	if a, ok := familyAliases[f]; ok {
		return a
	}
	if f == "opensuse" && strings.Contains(strings.ToLower(name), "leap") {
		return "opensuse-leap"
	}
	return f
}

// codenameWord returns s in lower case when it is a plausible code name (a
// single word of letters), else "".
func codenameWord(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" {
		return ""
	}
	for _, c := range s {
		if c < 'a' || c > 'z' {
			return ""
		}
	}
	return s
}

// codenameFromVersion finds the code name in an os-release VERSION of Debian
// or Ubuntu: "11 (bullseye)" → bullseye, "18.04.6 LTS (Bionic Beaver)" →
// bionic, "12.04.5 LTS, Precise Pangolin" → precise. Distroless writes
// "Debian GNU/Linux 11 (bullseye)".
func codenameFromVersion(v string) string {
	var part string
	if i := strings.IndexByte(v, '('); i >= 0 {
		part, _, _ = strings.Cut(v[i+1:], ")")
	} else if _, after, ok := strings.Cut(v, ","); ok {
		part = after
	}
	fields := strings.Fields(part)
	if len(fields) == 0 {
		return ""
	}
	return codenameWord(fields[0])
}

// debianCodenames maps Debian major versions to code names.
var debianCodenames = map[string]string{
	"4": "etch", "5": "lenny", "6": "squeeze", "7": "wheezy", "8": "jessie",
	"9": "stretch", "10": "buster", "11": "bullseye", "12": "bookworm",
	"13": "trixie", "14": "forky", "15": "duke",
}

// ubuntuCodenames maps Ubuntu versions to code names.
var ubuntuCodenames = map[string]string{
	"4.10": "warty", "5.04": "hoary", "5.10": "breezy", "6.06": "dapper",
	"6.10": "edgy", "7.04": "feisty", "7.10": "gutsy", "8.04": "hardy",
	"8.10": "intrepid", "9.04": "jaunty", "9.10": "karmic", "10.04": "lucid",
	"10.10": "maverick", "11.04": "natty", "11.10": "oneiric", "12.04": "precise",
	"12.10": "quantal", "13.04": "raring", "13.10": "saucy", "14.04": "trusty",
	"14.10": "utopic", "15.04": "vivid", "15.10": "wily", "16.04": "xenial",
	"16.10": "yakkety", "17.04": "zesty", "17.10": "artful", "18.04": "bionic",
	"18.10": "cosmic", "19.04": "disco", "19.10": "eoan", "20.04": "focal",
	"20.10": "groovy", "21.04": "hirsute", "21.10": "impish", "22.04": "jammy",
	"22.10": "kinetic", "23.04": "lunar", "23.10": "mantic", "24.04": "noble",
	"24.10": "oracular", "25.04": "plucky", "25.10": "questing",
}
