// Package match decides which installed OS packages are affected by which
// advisories, using each distribution's own version order (dpkg for Debian
// and Ubuntu, apk for Alpine, rpm for the Red Hat family) and its own
// verdicts (fixed, affected, will not fix, unimportant, end of life,
// postponed, undetermined, not affected).
//
// # What is compared
//
// Statements are read from the namespace of the image's release
// (advisory.DistroNamespace; OSV's "Ubuntu:18.04:LTS" is "ubuntu:18.04",
// Ubuntu Pro namespaces are never read). A Debian or Ubuntu package is
// looked up by its source package and compared by its source version; an
// Alpine package by its origin and its own version; an rpm package by its
// binary name and epoch:version-release. Each is then looked up by its
// other name (binary, or source rpm) for vulnerabilities the first name
// said nothing about. Every binary package gets its own findings.
//
// A fixed statement reports the package while its version is below the
// fix. OSV ranges are evaluated as the OSV schema says (introduced, fixed,
// last_affected, limit; GIT ranges skipped), and so is the versions list.
// The other statuses report the package whatever its version. Withdrawn
// records report nothing. When a version on either side does not parse,
// the package and vulnerability become an Unknown with the reason.
//
// # Merging aliases
//
// All statements that matched one package are merged into one finding per
// vulnerability. Each record's names are its ID and its aliases, and for a
// distribution advisory not itself named after a CVE also the CVEs it
// names as related or upstream when the Reader can tell them (an ALSA
// lists its CVEs only as "related", a USN only as "upstream"). A name
// refers to a CVE when it is one or ends in one ("UBUNTU-CVE-2019-1547").
//
//  1. Records naming exactly one CVE are merged by that CVE: the tracker's
//     CVE-2021-3449 and DSA-4875-1 (which names only CVE-2021-3449) become
//     one finding with ID CVE-2021-3449 and alias DSA-4875-1.
//  2. Records naming no CVE join the finding that shares one of their
//     names, else stand alone under their own ID (ALPINE-13661).
//  3. A record naming several CVEs (a USN, a DSA, an ALSA bundle) is folded
//     into the finding of each of its CVEs that step 1 or 2 produced, adding
//     its ID as an alias. The CVEs no such finding covers stay together in a
//     finding of the record's own: ID is the record's ID (or the CVE, when
//     one is left), aliases are those CVEs. So a USN that shares no name is
//     kept whole, and no CVE named by a matching statement is lost or
//     reported twice for one package.
//
// A merged finding takes the most severe status (fixed, affected,
// postponed, will_not_fix, end_of_life, unimportant, undetermined), the
// highest fixed version (the one that fixes every statement), the highest
// severity, and lists every statement in its Evidence.
package match
