package wire

// Limits bound what a decoder accepts, so that hostile input costs bounded time and memory.
// A zero field takes its default.
type Limits struct {
	MaxBytes  int // whole document size
	MaxDepth  int // nesting of objects and arrays
	MaxString int // bytes of one decoded string
	MaxArray  int // elements of one array, members of one object
}

// DefaultLimits are generous for every legitimate Mesh message (a signed profile is a few KiB)
// while keeping a hostile document from costing more than a few MiB.
var DefaultLimits = Limits{
	MaxBytes:  1 << 20,
	MaxDepth:  64,
	MaxString: 512 << 10,
	MaxArray:  4096,
}

// orDefault fills zero fields from DefaultLimits.
func (l Limits) orDefault() Limits {
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultLimits.MaxBytes
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = DefaultLimits.MaxDepth
	}
	if l.MaxString <= 0 {
		l.MaxString = DefaultLimits.MaxString
	}
	if l.MaxArray <= 0 {
		l.MaxArray = DefaultLimits.MaxArray
	}
	return l
}
