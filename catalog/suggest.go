package catalog

import "strings"

// Suggest returns the candidate closest to name by edit distance when it is
// close enough to be a likely typo, else "". Ties go to the first candidate.
func Suggest(name string, candidates []string) string {
	name = strings.ToLower(name)
	best, bestD := "", 0
	// A name that is a distinctive part of a candidate (ttl of
	// timeline_ttl) is a likely abbreviation.
	if len(name) >= 3 {
		for _, c := range candidates {
			lc := strings.ToLower(c)
			if lc != name && (strings.HasSuffix(lc, "_"+name) || strings.HasPrefix(lc, name+"_")) {
				return c
			}
		}
	}
	for _, c := range candidates {
		d := editDistance(name, strings.ToLower(c))
		if best == "" || d < bestD {
			best, bestD = c, d
		}
	}
	if best == "" {
		return ""
	}
	// Allow about one edit per three characters, at least one.
	limit := len(name) / 3
	if limit < 1 {
		limit = 1
	}
	if bestD > limit || bestD >= len(name) {
		return ""
	}
	return best
}

// DidYouMean formats Suggest's answer as a message suffix: " (did you mean
// 'x'?)" or "".
func DidYouMean(name string, candidates []string) string {
	if s := Suggest(name, candidates); s != "" {
		return " (did you mean '" + s + "'?)"
	}
	return ""
}

func editDistance(a, b string) int {
	// Optimal string alignment distance: Levenshtein plus transpositions.
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				// A swap of two neighbours counts as one edit.
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}
