package expr

import "cmp"

// Comparison kernels, one loop per operator so the comparison is a single
// machine instruction per row; 8 results are packed into each output byte.
// They are written out (not generated at build time); keep them uniform.

func b2u(b bool) byte {
	var x byte
	if b {
		x = 1
	}
	return x
}

func eqCC[T cmp.Ordered](x, y []T, out []byte) {
	n := len(x)
	y = y[:n]
	i := 0
	for ; i+8 <= n; i += 8 {
		a := x[i : i+8 : i+8]
		b := y[i : i+8 : i+8]
		out[i>>3] = b2u(a[0] == b[0]) |
			b2u(a[1] == b[1])<<1 |
			b2u(a[2] == b[2])<<2 |
			b2u(a[3] == b[3])<<3 |
			b2u(a[4] == b[4])<<4 |
			b2u(a[5] == b[5])<<5 |
			b2u(a[6] == b[6])<<6 |
			b2u(a[7] == b[7])<<7
	}
	if i < n {
		var w byte
		for j := i; j < n; j++ {
			w |= b2u(x[j] == y[j]) << uint(j-i)
		}
		out[i>>3] = w
	}
}

func eqCS[T cmp.Ordered](x []T, s T, out []byte) {
	n := len(x)
	i := 0
	for ; i+8 <= n; i += 8 {
		a := x[i : i+8 : i+8]
		out[i>>3] = b2u(a[0] == s) |
			b2u(a[1] == s)<<1 |
			b2u(a[2] == s)<<2 |
			b2u(a[3] == s)<<3 |
			b2u(a[4] == s)<<4 |
			b2u(a[5] == s)<<5 |
			b2u(a[6] == s)<<6 |
			b2u(a[7] == s)<<7
	}
	if i < n {
		var w byte
		for j := i; j < n; j++ {
			w |= b2u(x[j] == s) << uint(j-i)
		}
		out[i>>3] = w
	}
}

func neCC[T cmp.Ordered](x, y []T, out []byte) {
	n := len(x)
	y = y[:n]
	i := 0
	for ; i+8 <= n; i += 8 {
		a := x[i : i+8 : i+8]
		b := y[i : i+8 : i+8]
		out[i>>3] = b2u(a[0] != b[0]) |
			b2u(a[1] != b[1])<<1 |
			b2u(a[2] != b[2])<<2 |
			b2u(a[3] != b[3])<<3 |
			b2u(a[4] != b[4])<<4 |
			b2u(a[5] != b[5])<<5 |
			b2u(a[6] != b[6])<<6 |
			b2u(a[7] != b[7])<<7
	}
	if i < n {
		var w byte
		for j := i; j < n; j++ {
			w |= b2u(x[j] != y[j]) << uint(j-i)
		}
		out[i>>3] = w
	}
}

func neCS[T cmp.Ordered](x []T, s T, out []byte) {
	n := len(x)
	i := 0
	for ; i+8 <= n; i += 8 {
		a := x[i : i+8 : i+8]
		out[i>>3] = b2u(a[0] != s) |
			b2u(a[1] != s)<<1 |
			b2u(a[2] != s)<<2 |
			b2u(a[3] != s)<<3 |
			b2u(a[4] != s)<<4 |
			b2u(a[5] != s)<<5 |
			b2u(a[6] != s)<<6 |
			b2u(a[7] != s)<<7
	}
	if i < n {
		var w byte
		for j := i; j < n; j++ {
			w |= b2u(x[j] != s) << uint(j-i)
		}
		out[i>>3] = w
	}
}

func ltCC[T cmp.Ordered](x, y []T, out []byte) {
	n := len(x)
	y = y[:n]
	i := 0
	for ; i+8 <= n; i += 8 {
		a := x[i : i+8 : i+8]
		b := y[i : i+8 : i+8]
		out[i>>3] = b2u(a[0] < b[0]) |
			b2u(a[1] < b[1])<<1 |
			b2u(a[2] < b[2])<<2 |
			b2u(a[3] < b[3])<<3 |
			b2u(a[4] < b[4])<<4 |
			b2u(a[5] < b[5])<<5 |
			b2u(a[6] < b[6])<<6 |
			b2u(a[7] < b[7])<<7
	}
	if i < n {
		var w byte
		for j := i; j < n; j++ {
			w |= b2u(x[j] < y[j]) << uint(j-i)
		}
		out[i>>3] = w
	}
}

func ltCS[T cmp.Ordered](x []T, s T, out []byte) {
	n := len(x)
	i := 0
	for ; i+8 <= n; i += 8 {
		a := x[i : i+8 : i+8]
		out[i>>3] = b2u(a[0] < s) |
			b2u(a[1] < s)<<1 |
			b2u(a[2] < s)<<2 |
			b2u(a[3] < s)<<3 |
			b2u(a[4] < s)<<4 |
			b2u(a[5] < s)<<5 |
			b2u(a[6] < s)<<6 |
			b2u(a[7] < s)<<7
	}
	if i < n {
		var w byte
		for j := i; j < n; j++ {
			w |= b2u(x[j] < s) << uint(j-i)
		}
		out[i>>3] = w
	}
}

func leCC[T cmp.Ordered](x, y []T, out []byte) {
	n := len(x)
	y = y[:n]
	i := 0
	for ; i+8 <= n; i += 8 {
		a := x[i : i+8 : i+8]
		b := y[i : i+8 : i+8]
		out[i>>3] = b2u(a[0] <= b[0]) |
			b2u(a[1] <= b[1])<<1 |
			b2u(a[2] <= b[2])<<2 |
			b2u(a[3] <= b[3])<<3 |
			b2u(a[4] <= b[4])<<4 |
			b2u(a[5] <= b[5])<<5 |
			b2u(a[6] <= b[6])<<6 |
			b2u(a[7] <= b[7])<<7
	}
	if i < n {
		var w byte
		for j := i; j < n; j++ {
			w |= b2u(x[j] <= y[j]) << uint(j-i)
		}
		out[i>>3] = w
	}
}

func leCS[T cmp.Ordered](x []T, s T, out []byte) {
	n := len(x)
	i := 0
	for ; i+8 <= n; i += 8 {
		a := x[i : i+8 : i+8]
		out[i>>3] = b2u(a[0] <= s) |
			b2u(a[1] <= s)<<1 |
			b2u(a[2] <= s)<<2 |
			b2u(a[3] <= s)<<3 |
			b2u(a[4] <= s)<<4 |
			b2u(a[5] <= s)<<5 |
			b2u(a[6] <= s)<<6 |
			b2u(a[7] <= s)<<7
	}
	if i < n {
		var w byte
		for j := i; j < n; j++ {
			w |= b2u(x[j] <= s) << uint(j-i)
		}
		out[i>>3] = w
	}
}

func gtCC[T cmp.Ordered](x, y []T, out []byte) {
	n := len(x)
	y = y[:n]
	i := 0
	for ; i+8 <= n; i += 8 {
		a := x[i : i+8 : i+8]
		b := y[i : i+8 : i+8]
		out[i>>3] = b2u(a[0] > b[0]) |
			b2u(a[1] > b[1])<<1 |
			b2u(a[2] > b[2])<<2 |
			b2u(a[3] > b[3])<<3 |
			b2u(a[4] > b[4])<<4 |
			b2u(a[5] > b[5])<<5 |
			b2u(a[6] > b[6])<<6 |
			b2u(a[7] > b[7])<<7
	}
	if i < n {
		var w byte
		for j := i; j < n; j++ {
			w |= b2u(x[j] > y[j]) << uint(j-i)
		}
		out[i>>3] = w
	}
}

func gtCS[T cmp.Ordered](x []T, s T, out []byte) {
	n := len(x)
	i := 0
	for ; i+8 <= n; i += 8 {
		a := x[i : i+8 : i+8]
		out[i>>3] = b2u(a[0] > s) |
			b2u(a[1] > s)<<1 |
			b2u(a[2] > s)<<2 |
			b2u(a[3] > s)<<3 |
			b2u(a[4] > s)<<4 |
			b2u(a[5] > s)<<5 |
			b2u(a[6] > s)<<6 |
			b2u(a[7] > s)<<7
	}
	if i < n {
		var w byte
		for j := i; j < n; j++ {
			w |= b2u(x[j] > s) << uint(j-i)
		}
		out[i>>3] = w
	}
}

func geCC[T cmp.Ordered](x, y []T, out []byte) {
	n := len(x)
	y = y[:n]
	i := 0
	for ; i+8 <= n; i += 8 {
		a := x[i : i+8 : i+8]
		b := y[i : i+8 : i+8]
		out[i>>3] = b2u(a[0] >= b[0]) |
			b2u(a[1] >= b[1])<<1 |
			b2u(a[2] >= b[2])<<2 |
			b2u(a[3] >= b[3])<<3 |
			b2u(a[4] >= b[4])<<4 |
			b2u(a[5] >= b[5])<<5 |
			b2u(a[6] >= b[6])<<6 |
			b2u(a[7] >= b[7])<<7
	}
	if i < n {
		var w byte
		for j := i; j < n; j++ {
			w |= b2u(x[j] >= y[j]) << uint(j-i)
		}
		out[i>>3] = w
	}
}

func geCS[T cmp.Ordered](x []T, s T, out []byte) {
	n := len(x)
	i := 0
	for ; i+8 <= n; i += 8 {
		a := x[i : i+8 : i+8]
		out[i>>3] = b2u(a[0] >= s) |
			b2u(a[1] >= s)<<1 |
			b2u(a[2] >= s)<<2 |
			b2u(a[3] >= s)<<3 |
			b2u(a[4] >= s)<<4 |
			b2u(a[5] >= s)<<5 |
			b2u(a[6] >= s)<<6 |
			b2u(a[7] >= s)<<7
	}
	if i < n {
		var w byte
		for j := i; j < n; j++ {
			w |= b2u(x[j] >= s) << uint(j-i)
		}
		out[i>>3] = w
	}
}
