package origin

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

// Instruction is one Dockerfile instruction.
type Instruction struct {
	Keyword string // upper case: RUN, COPY, ...
	// Command is a RUN's command (shell form as written, exec form joined
	// by spaces); the arguments for other instructions.
	Command string
	Line    int // the line it starts on
}

// Stage is one FROM and the instructions under it.
type Stage struct {
	Name         string // the AS name, "" when none
	From         string // the image or stage it starts from
	FromLine     int
	Instructions []Instruction
}

// Dockerfile is a parsed Dockerfile.
type Dockerfile struct {
	Path   string
	Stages []Stage
}

// ParseDockerfile parses a Dockerfile with BuildKit's parser; path is used
// in messages and kept.
func ParseDockerfile(path string, r io.Reader) (*Dockerfile, error) {
	res, err := parser.Parse(r)
	if err != nil {
		return nil, fmt.Errorf("dockerfile %s: %w", path, err)
	}
	df := &Dockerfile{Path: path}
	globals := map[string]string{} // ARG defaults before the first FROM
	for _, n := range res.AST.Children {
		kw := strings.ToUpper(n.Value)
		var args []string
		for a := n.Next; a != nil; a = a.Next {
			args = append(args, a.Value)
		}
		if kw == "FROM" {
			st := Stage{FromLine: n.StartLine}
			if len(args) > 0 {
				st.From = os.Expand(args[0], func(k string) string {
					if v, ok := globals[k]; ok {
						return v
					}
					return "${" + k + "}"
				})
			}
			if len(args) >= 3 && strings.EqualFold(args[1], "AS") {
				st.Name = args[2]
			}
			df.Stages = append(df.Stages, st)
			continue
		}
		if len(df.Stages) == 0 {
			if kw == "ARG" {
				for _, a := range args {
					if k, v, ok := strings.Cut(a, "="); ok {
						globals[k] = strings.Trim(v, `"'`)
					}
				}
			}
			continue
		}
		in := Instruction{Keyword: kw, Command: strings.Join(args, " "), Line: n.StartLine}
		if kw == "RUN" && len(n.Heredocs) > 0 {
			in.Command = n.Original[len(n.Value):]
		}
		last := &df.Stages[len(df.Stages)-1]
		last.Instructions = append(last.Instructions, in)
	}
	if len(df.Stages) == 0 {
		return nil, fmt.Errorf("dockerfile %s: no FROM instruction", path)
	}
	return df, nil
}

// chain returns the final stage's instructions, preceded by those of the
// earlier stages it is built FROM, and the stage the chain starts from.
func (df *Dockerfile) chain() ([]Instruction, Stage) {
	i := len(df.Stages) - 1
	var parts [][]Instruction
	seen := map[int]bool{}
	for !seen[i] {
		seen[i] = true
		parts = append(parts, df.Stages[i].Instructions)
		j := df.stage(df.Stages[i].From, i)
		if j < 0 {
			break
		}
		i = j
	}
	var out []Instruction
	for k := len(parts) - 1; k >= 0; k-- {
		out = append(out, parts[k]...)
	}
	return out, df.Stages[i]
}

// stage finds the earlier stage (before index before) that name refers to,
// by AS name or by number; -1 when name is an image.
func (df *Dockerfile) stage(name string, before int) int {
	for j := before - 1; j >= 0; j-- {
		if df.Stages[j].Name != "" && strings.EqualFold(df.Stages[j].Name, name) {
			return j
		}
	}
	if n, err := strconv.Atoi(name); err == nil && n >= 0 && n < before {
		return n
	}
	return -1
}

// FromDockerfile splits by matching the Dockerfile's instructions to the
// history, from the end. It fails when an instruction has no matching
// entry (the image was not built from this Dockerfile, or the history
// was rewritten).
func FromDockerfile(hist []Entry, df *Dockerfile) (*Split, error) {
	instrs, root := df.chain()
	s := &Split{Method: MethodDockerfile, Name: root.From, Lines: map[int]int{},
		Evidence: fmt.Sprintf("%s line %d: FROM %s", df.Path, root.FromLine, root.From)}
	// layer index of each history entry, -1 for empty ones
	layerOf := make([]int, len(hist))
	n := 0
	for i, e := range hist {
		layerOf[i] = -1
		if !e.EmptyLayer {
			layerOf[i] = n
			n++
		}
	}
	h := len(hist) - 1
	for j := len(instrs) - 1; j >= 0; j-- {
		in := instrs[j]
		if h >= 0 && matches(hist[h], in) {
			if l := layerOf[h]; l >= 0 {
				s.Lines[l] = in.Line
			}
			h--
			continue
		}
		if in.Keyword == "ARG" {
			continue
		}
		got := "nothing"
		if h >= 0 {
			got = fmt.Sprintf("%q", strings.TrimSpace(hist[h].CreatedBy))
		}
		return nil, fmt.Errorf("the image history does not follow %s: line %d (%s) meets history entry %s",
			df.Path, in.Line, in.Keyword, got)
	}
	if strings.EqualFold(root.From, "scratch") && h >= 0 {
		return nil, fmt.Errorf("the image history does not follow %s: it starts FROM scratch, yet %d history entries come before its instructions", df.Path, h+1)
	}
	s.BaseLayers = layersIn(hist[:h+1])
	return s, nil
}

// matches reports whether a history entry is what an instruction leaves:
// the same keyword and, for RUN, the same command (whitespace aside).
func matches(e Entry, in Instruction) bool {
	kw, rest := instruction(e.CreatedBy)
	if kw != in.Keyword {
		return false
	}
	if kw != "RUN" {
		return true
	}
	return strings.Join(strings.Fields(rest), " ") == strings.Join(strings.Fields(in.Command), " ")
}
