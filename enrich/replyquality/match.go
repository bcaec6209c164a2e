package replyquality

// A multi-pattern matcher (Aho–Corasick, compiled to a DFA over the bytes
// that occur in the phrases): one pass over a normalised reply finds which
// phrase lists occur in it, instead of one strings.Contains per phrase.

// list ids, bits of a listMask.
const (
	lApology = iota
	lCannedApology
	lAck
	lOwnership
	lOwnershipNot
	lNextStep
	lNextStepStrong
	lQuestionNot
	lBlame
	lDM
	lPhone
	lEmail
	lWeb
	lStore
	nLists
)

type listMask uint16

func (m listMask) has(l int) bool { return m&(1<<l) != 0 }

type matcher struct {
	class   [256]uint8
	nClass  int
	next    []int32 // state*nClass + class → state
	outputs []listMask
}

func newMatcher(lists [nLists][]string) *matcher {
	m := &matcher{}
	// byte classes: 0 for bytes that occur in no phrase
	for _, l := range lists {
		for _, p := range l {
			for i := 0; i < len(p); i++ {
				if m.class[p[i]] == 0 {
					m.nClass++
					m.class[p[i]] = uint8(m.nClass)
				}
			}
		}
	}
	m.nClass++
	nc := m.nClass
	// trie
	goto_ := []map[uint8]int32{{}}
	outs := []listMask{0}
	for li, l := range lists {
		for _, p := range l {
			s := int32(0)
			for i := 0; i < len(p); i++ {
				c := m.class[p[i]]
				t, ok := goto_[s][c]
				if !ok {
					t = int32(len(goto_))
					goto_ = append(goto_, map[uint8]int32{})
					outs = append(outs, 0)
					goto_[s][c] = t
				}
				s = t
			}
			outs[s] |= 1 << li
		}
	}
	n := len(goto_)
	m.next = make([]int32, n*nc)
	m.outputs = outs
	fail := make([]int32, n)
	// BFS: build the DFA
	queue := make([]int32, 0, n)
	for c := 0; c < nc; c++ {
		if t, ok := goto_[0][uint8(c)]; ok {
			m.next[c] = t
			fail[t] = 0
			queue = append(queue, t)
		}
	}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		m.outputs[s] |= m.outputs[fail[s]]
		for c := 0; c < nc; c++ {
			if t, ok := goto_[s][uint8(c)]; ok {
				fail[t] = m.next[int(fail[s])*nc+c]
				m.next[int(s)*nc+c] = t
				queue = append(queue, t)
			} else {
				m.next[int(s)*nc+c] = m.next[int(fail[s])*nc+c]
			}
		}
	}
	return m
}

// scan returns the lists with a phrase in s.
func (m *matcher) scan(s string) listMask {
	var found listMask
	st := int32(0)
	nc := m.nClass
	for i := 0; i < len(s); i++ {
		st = m.next[int(st)*nc+int(m.class[s[i]])]
		found |= m.outputs[st]
	}
	return found
}
