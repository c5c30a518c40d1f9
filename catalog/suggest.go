package catalog

import "strings"

// Suggest returns the candidate closest to name by edit distance when it is
// close enough to be a likely typo, else "". Ties go to the first candidate.
func Suggest(name string, candidates []string) string {
	name = strings.ToLower(name)
	best, bestD := "", 0
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
	if bestD > limit {
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
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
