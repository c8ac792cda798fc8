package logcategorizationprocessor // import "github.com/senseops/senseops-collector/processor/logcategorizationprocessor"

// An automaton finds, in one pass over a text, every pattern of a fixed set
// that occurs in it (Aho-Corasick), or, built anchored, every pattern that
// the text starts with (a trie walked from the first byte) or ends with (a
// trie of the reversed patterns walked from the last byte).
//
// It is a DFA over byte classes: every byte that occurs in a pattern has its
// own class and all other bytes share one, so a row of the transition table
// is only as wide as the patterns' alphabet. A folding automaton gives A-Z
// the classes of a-z, which reads the text ignoring ASCII case without
// touching it; its patterns are folded (fold.go). Case-sensitive patterns
// can share a folding automaton: they are entered ASCII-lower-cased and each
// candidate is checked against the exact pattern, which costs nothing until
// a candidate is found.
//
// Each pattern carries an id; a match sets bit id in a caller's bitset.
// Nothing is allocated while matching.
type automaton struct {
	class  [256]uint8
	stride int32 // row width: number of byte classes
	root   int32 // row offset of the start state
	// trans[row+class] is the row offset of the next state, bit-inverted
	// (negative) when that state has outputs. Row 0 is the dead state of an
	// anchored automaton: every transition out of it leads back to it.
	trans []int32
	// The outputs of state s are outs[outStart[s]:outStart[s+1]]; they
	// include the outputs of s's suffix states, so no link is followed while
	// matching.
	outStart []int32
	outs     []acOutput
}

// acPattern is one pattern to build an automaton from.
type acPattern struct {
	text  string // as entered: folded, or ASCII-lower-cased when exact is set; reversed for suffixes
	id    int32
	exact string // for a case-sensitive pattern in a folding automaton: the pattern itself
}

type acOutput struct {
	id    int32
	exact string
}

const (
	deadState = 0
	rootState = 1
)

// newAutomaton builds an automaton. Empty patterns are not allowed (they
// match everything; the caller handles them). fold gives A-Z the classes of
// a-z; patterns must then have no A-Z. Anchored automata find prefixes of the
// text with scanPrefix, or suffixes with scanSuffix if the patterns were
// reversed.
func newAutomaton(patterns []acPattern, fold, anchored bool) *automaton {
	a := &automaton{}

	// Byte classes.
	var used [256]bool
	for _, p := range patterns {
		for i := 0; i < len(p.text); i++ {
			used[p.text[i]] = true
		}
	}
	n := 0
	for b := 0; b < 256; b++ {
		if used[b] && !(fold && isUpperASCII(byte(b))) {
			a.class[b] = uint8(n)
			n++
		}
	}
	other := n
	if n < 256 {
		n++
	}
	for b := 0; b < 256; b++ {
		switch {
		case fold && isUpperASCII(byte(b)) && used[b+'a'-'A']:
			a.class[b] = a.class[b+'a'-'A']
		case fold && isUpperASCII(byte(b)), !used[b]:
			a.class[b] = uint8(other)
		}
	}
	stride := n
	a.stride = int32(stride)

	// Trie: next[s*stride+c] is the child of s on class c, or 0.
	next := make([]int32, 2*stride)
	outs := [][]acOutput{nil, nil}
	for _, p := range patterns {
		s := int32(rootState)
		for j := 0; j < len(p.text); j++ {
			c := int(a.class[p.text[j]])
			if next[int(s)*stride+c] == 0 {
				next[int(s)*stride+c] = int32(len(outs))
				outs = append(outs, nil)
				next = append(next, make([]int32, stride)...)
			}
			s = next[int(s)*stride+c]
		}
		outs[s] = appendOutput(outs[s], acOutput{p.id, p.exact})
	}
	states := len(outs)

	// Breadth-first order over the trie; the failure links below need it,
	// and numbering the states in it keeps the hot, shallow states (where
	// most text bytes lead) together in the table.
	order := []int32{deadState, rootState}
	for k := 1; k < len(order); k++ {
		s := order[k]
		for c := 0; c < stride; c++ {
			if t := next[int(s)*stride+c]; t != 0 {
				order = append(order, t)
			}
		}
	}

	if !anchored {
		// A state's failure state is shallower, so its row is complete (and
		// its outputs merged) before the state is reached.
		fail := make([]int32, states)
		for c := 0; c < stride; c++ {
			t := &next[rootState*stride+c]
			if *t == 0 {
				*t = rootState
			} else {
				fail[*t] = rootState
			}
		}
		for _, s := range order[2:] {
			for c := 0; c < stride; c++ {
				t := next[int(s)*stride+c]
				f := next[int(fail[s])*stride+c]
				if t == 0 { // no trie edge: take the failure state's
					next[int(s)*stride+c] = f
					continue
				}
				fail[t] = f
				for _, o := range outs[f] {
					outs[t] = appendOutput(outs[t], o)
				}
			}
		}
	}

	// Final table in breadth-first numbering: row offsets, negative for
	// states with outputs.
	number := make([]int32, states)
	for k, s := range order {
		number[s] = int32(k)
	}
	a.trans = make([]int32, len(next))
	a.outStart = make([]int32, states+1)
	for k, s := range order {
		for c := 0; c < stride; c++ {
			t := next[int(s)*stride+c]
			v := number[t] * int32(stride)
			if len(outs[t]) > 0 {
				v = ^v
			}
			a.trans[k*stride+c] = v
		}
		a.outs = append(a.outs, outs[s]...)
		a.outStart[k+1] = int32(len(a.outs))
	}
	a.root = rootState * int32(stride)
	return a
}

func isUpperASCII(b byte) bool { return 'A' <= b && b <= 'Z' }

func appendOutput(s []acOutput, o acOutput) []acOutput {
	for _, x := range s {
		if x == o {
			return s
		}
	}
	return append(s, o)
}

func appendUnique(s []int32, v int32) []int32 {
	for _, x := range s {
		if x == v {
			return s
		}
	}
	return append(s, v)
}

// Where a candidate starts, for checking exact patterns.
const (
	atEnd   = iota // the candidate ends at the current byte (scan)
	atStart        // the candidate starts the text (scanPrefix)
	atHere         // the candidate starts at the current byte (scanSuffix)
)

// emit sets the bits of the outputs of row, the state reached at text[i].
// folded says text is a folded copy, where exact patterns cannot be checked
// (and need not be: they were checked on the original).
func emit[T string | []byte](a *automaton, row int32, text T, i int, where int, folded bool, marks []uint64) {
	s := row / a.stride
	for _, o := range a.outs[a.outStart[s]:a.outStart[s+1]] {
		if o.exact != "" {
			if folded {
				continue
			}
			start := 0
			switch where {
			case atEnd:
				start = i + 1 - len(o.exact)
			case atHere:
				start = i
			}
			if start < 0 || start+len(o.exact) > len(text) || string(text[start:start+len(o.exact)]) != o.exact {
				continue
			}
		}
		marks[o.id>>6] |= 1 << (uint(o.id) & 63)
	}
}

// scan marks every pattern that occurs in text. It returns the OR of the
// bytes read, so bit 7 tells whether the text has non-ASCII bytes.
func scan[T string | []byte](a *automaton, text T, folded bool, marks []uint64) byte {
	trans, class := a.trans, &a.class // locals stay in registers
	var seen byte
	row := a.root
	for i := 0; i < len(text); i++ {
		c := text[i]
		seen |= c
		v := trans[row+int32(class[c])]
		if v < 0 {
			v = ^v
			emit(a, v, text, i, atEnd, folded, marks)
		}
		row = v
	}
	return seen
}

// scanPrefix marks every pattern that text starts with; a must be anchored.
// It returns the OR of the bytes read.
func scanPrefix[T string | []byte](a *automaton, text T, folded bool, marks []uint64) byte {
	trans, class := a.trans, &a.class
	var seen byte
	row := a.root
	for i := 0; i < len(text); i++ {
		c := text[i]
		seen |= c
		v := trans[row+int32(class[c])]
		if v < 0 {
			v = ^v
			emit(a, v, text, i, atStart, folded, marks)
		} else if v == deadState {
			break
		}
		row = v
	}
	return seen
}

// scanSuffix marks every pattern whose reverse text ends with; a must be
// anchored and built from reversed patterns. It returns the OR of the bytes
// read.
func scanSuffix[T string | []byte](a *automaton, text T, folded bool, marks []uint64) byte {
	trans, class := a.trans, &a.class
	var seen byte
	row := a.root
	for i := len(text) - 1; i >= 0; i-- {
		c := text[i]
		seen |= c
		v := trans[row+int32(class[c])]
		if v < 0 {
			v = ^v
			emit(a, v, text, i, atHere, folded, marks)
		} else if v == deadState {
			break
		}
		row = v
	}
	return seen
}

// reverse returns s with its bytes in reverse order.
func reverse(s string) string {
	b := make([]byte, len(s))
	for i := 0; i < len(s); i++ {
		b[len(s)-1-i] = s[i]
	}
	return string(b)
}

// lowerASCII returns s with A-Z lower-cased and nothing else changed.
func lowerASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if isUpperASCII(c) {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
