package expr

import (
	"math/rand"
	"testing"
)

// TestLikeProgMatchesBacktracking checks the segment matcher against the
// plain backtracking matcher on random strings and patterns over a small
// alphabet (with a multi-byte character) where wildcards interact a lot.
func TestLikeProgMatchesBacktracking(t *testing.T) {
	r := rand.New(rand.NewSource(7))
	alpha := []string{"a", "b", "é", "%", "_"}
	salpha := []string{"a", "b", "é", "c"}
	var prog likeProg
	for k := 0; k < 200000; k++ {
		var p, s []byte
		for i := r.Intn(7); i > 0; i-- {
			p = append(p, alpha[r.Intn(len(alpha))]...)
		}
		for i := r.Intn(9); i > 0; i-- {
			s = append(s, salpha[r.Intn(len(salpha))]...)
		}
		toks, err := compileLikeInto(nil, p, -1)
		if err != nil {
			t.Fatal(err)
		}
		prog.build(toks)
		if got, want := prog.match(s), likeMatch(s, toks); got != want {
			t.Fatalf("%q LIKE %q: got %v, want %v", s, p, got, want)
		}
	}
}
