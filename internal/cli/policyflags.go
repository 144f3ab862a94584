package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/lading-dev/lading/image/source"
	"github.com/lading-dev/lading/origin"
	"github.com/lading-dev/lading/policy"
	"github.com/lading-dev/lading/report"
)

// policyFlags are the scan flags that judge findings (ignore rules, VEX,
// baseline, --fail-on, --sort-by), attribute them (--dockerfile) and
// explain one (--explain).
type policyFlags struct {
	failOn     string
	ignoreFile string
	vex        []string
	baseline   string
	sortBy     string
	dockerfile string
	explain    string
}

func (p *policyFlags) register(cmd *cobra.Command, image bool) {
	fl := cmd.Flags()
	fl.StringVar(&p.failOn, "fail-on", "", "exit non-zero only when a finding at least this severe survives (CRITICAL, HIGH, MEDIUM, LOW, NEGLIGIBLE, UNKNOWN); the code is --exit-code, or 1 when that is 0")
	fl.StringVar(&p.ignoreFile, "ignorefile", "", "ignore rules file (default: "+policy.DefaultIgnoreFile+" in the working directory, when present)")
	fl.StringArrayVar(&p.vex, "vex", nil, "VEX document (OpenVEX or CycloneDX JSON) whose not_affected and fixed statements suppress findings; repeatable")
	fl.StringVar(&p.baseline, "baseline", "", "earlier lading JSON report: only findings it lacks count for the exit code, and each finding is marked new or not")
	fl.StringVar(&p.sortBy, "sort-by", "", "order of the findings: "+strings.Join(policy.SortKeys, ", ")+" (default package)")
	fl.StringVar(&p.explain, "explain", "", "print why this vulnerability ID is or is not reported for each package, instead of the report (the report is still written with --output)")
	if image {
		fl.StringVar(&p.dockerfile, "dockerfile", "", "the Dockerfile the image was built from: tells the base image's layers from yours and gives each finding the line that brought it")
	}
}

func (p *policyFlags) validate() error {
	if p.failOn != "" {
		s, err := policy.ParseSeverity(p.failOn)
		if err != nil {
			return fmt.Errorf("--fail-on: %w", err)
		}
		p.failOn = s
	}
	if p.sortBy != "" {
		// Sort checks its key before it sorts anything.
		if err := policy.Sort(nil, p.sortBy); err != nil {
			return err
		}
	}
	return nil
}

// policySet is the loaded policy inputs of one scan.
type policySet struct {
	opts       policy.Options
	dockerfile *origin.Dockerfile
	record     report.Policy
}

// load reads every file the flags name, so that a bad one fails the scan
// before any image is read.
func (p *policyFlags) load(f *scanFlags) (*policySet, error) {
	ps := &policySet{record: report.Policy{Severities: f.severities(), IgnoreUnfixed: f.ignoreUnfixed,
		FailOn: p.failOn, ExitCode: f.exitCode, VEX: []string{}, Baseline: p.baseline, SortBy: p.sortBy}}
	if ps.record.Severities == nil {
		ps.record.Severities = []string{}
	}
	path, required := p.ignoreFile, true
	if path == "" {
		path, required = policy.DefaultIgnoreFile, false
	}
	ign, err := policy.LoadIgnoreFile(path, required)
	if err != nil {
		return nil, err
	}
	if ign != nil {
		ps.opts.Ignore, ps.record.IgnoreFile = ign, ign.Path
	}
	for _, v := range p.vex {
		doc, err := policy.LoadVEX(v)
		if err != nil {
			return nil, err
		}
		ps.opts.VEX = append(ps.opts.VEX, doc)
		ps.record.VEX = append(ps.record.VEX, v)
	}
	if p.baseline != "" {
		if ps.opts.Baseline, err = policy.LoadBaseline(p.baseline); err != nil {
			return nil, err
		}
	}
	if ps.dockerfile, err = loadDockerfile(p.dockerfile); err != nil {
		return nil, err
	}
	return ps, nil
}

// judge runs the stages after matching and enrichment, in order: the
// base/own split, the severity and fix filters, ignore rules and VEX, the
// baseline, and the order. It returns the warnings to print on standard error; they are in
// the report's warnings too.
func (ps *policySet) judge(img *source.Image, rep *report.Report, filter report.Filter, sortBy string) ([]string, error) {
	var warnings []string
	w, err := attribute(img, rep, ps.dockerfile)
	if err != nil {
		return nil, err
	}
	if w != "" {
		warnings = append(warnings, w)
		rep.Warnings = append(rep.Warnings, w)
	}
	rec := ps.record
	rep.Policy = &rec
	filter.Apply(rep)
	warnings = append(warnings, policy.Apply(rep, ps.opts)...)
	if sortBy != "" {
		if err := policy.Sort(rep.Vulnerabilities, sortBy); err != nil {
			return nil, err
		}
	}
	return warnings, nil
}
