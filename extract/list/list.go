// Package list names the extractors lading runs, so that the scan does
// not depend on package initialisation order or side effects.
package list

import (
	"github.com/lading-dev/lading/extract"
	"github.com/lading-dev/lading/extract/apk"
	"github.com/lading-dev/lading/extract/cargo"
	"github.com/lading-dev/lading/extract/dotnet"
	"github.com/lading-dev/lading/extract/dpkg"
	"github.com/lading-dev/lading/extract/gobinary"
	"github.com/lading-dev/lading/extract/java"
	"github.com/lading-dev/lading/extract/npm"
	"github.com/lading-dev/lading/extract/php"
	"github.com/lading-dev/lading/extract/python"
	"github.com/lading-dev/lading/extract/rpm"
	"github.com/lading-dev/lading/extract/ruby"
)

// OS returns the extractors of operating system packages: dpkg, apk and
// rpm, in that order. Each call returns new values.
func OS() []extract.Extractor {
	return []extract.Extractor{dpkg.New(), apk.New(), rpm.New()}
}

// Language returns the extractors of language packages: Go modules
// (executables and go.mod), Rust crates (Cargo.lock and cargo-auditable
// executables), npm packages (node_modules; npm, Yarn and pnpm lockfiles),
// Python distributions (installed metadata; requirements and
// lockfiles), Ruby gems (Gemfile.lock; installed specifications), Composer
// packages (composer.lock; vendor/composer/installed.json) and NuGet
// packages (*.deps.json; packages.lock.json and packages.config). Each
// call returns new values.
func Language() []extract.Extractor {
	return []extract.Extractor{
		gobinary.New(),
		cargo.New(),
		npm.NewInstalled(),
		npm.NewLock(),
		python.NewInstalled(),
		python.NewLock(),
		java.New(), java.NewGradleLock(),
		ruby.NewInstalled(), ruby.NewLock(),
		php.NewInstalled(), php.NewLock(),
		dotnet.NewDeps(), dotnet.NewLock(),
	}
}
