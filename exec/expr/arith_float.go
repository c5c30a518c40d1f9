package expr

// Float64 arithmetic kernels, one loop per operator and operand shape so
// each is a tight loop the compiler can unroll; picked at compile time.
// x + s and s + x (and *) share the column-scalar form.

func fAddCC(x, y, r []float64) {
	x, y = x[:len(r)], y[:len(r)]
	for i := range r {
		r[i] = x[i] + y[i]
	}
}

func fAddCS(x []float64, s float64, r []float64) {
	x = x[:len(r)]
	for i := range r {
		r[i] = x[i] + s
	}
}

func fSubCC(x, y, r []float64) {
	x, y = x[:len(r)], y[:len(r)]
	for i := range r {
		r[i] = x[i] - y[i]
	}
}

func fSubCS(x []float64, s float64, r []float64) {
	x = x[:len(r)]
	for i := range r {
		r[i] = x[i] - s
	}
}

func fSubSC(s float64, y, r []float64) {
	y = y[:len(r)]
	for i := range r {
		r[i] = s - y[i]
	}
}

func fMulCC(x, y, r []float64) {
	x, y = x[:len(r)], y[:len(r)]
	for i := range r {
		r[i] = x[i] * y[i]
	}
}

func fMulCS(x []float64, s float64, r []float64) {
	x = x[:len(r)]
	for i := range r {
		r[i] = x[i] * s
	}
}

func fDivCC(x, y, r []float64) {
	x, y = x[:len(r)], y[:len(r)]
	for i := range r {
		r[i] = x[i] / y[i]
	}
}

func fDivCS(x []float64, s float64, r []float64) {
	x = x[:len(r)]
	for i := range r {
		r[i] = x[i] / s
	}
}

func fDivSC(s float64, y, r []float64) {
	y = y[:len(r)]
	for i := range r {
		r[i] = s / y[i]
	}
}

func fModCC(x, y, r []float64) {
	x, y = x[:len(r)], y[:len(r)]
	for i := range r {
		r[i] = fmod(x[i], y[i])
	}
}

func fModCS(x []float64, s float64, r []float64) {
	x = x[:len(r)]
	for i := range r {
		r[i] = fmod(x[i], s)
	}
}

func fModSC(s float64, y, r []float64) {
	y = y[:len(r)]
	for i := range r {
		r[i] = fmod(s, y[i])
	}
}
