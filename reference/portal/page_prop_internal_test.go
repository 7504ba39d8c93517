package portal

import (
	"slices"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/meshconform/meshconform/reference/mesh"
)

// TestPagingVisitsEveryMatchOnce: following PageKeys from a first window visits every item
// the time bounds admit exactly once, in order, and no page breaks MaxEntries or MaxBytes (but
// for an item larger than MaxBytes, which goes out alone). pick reads candidates lazily; the
// property holds it to what the window means.
func TestPagingVisitsEveryMatchOnce(t *testing.T) {
	p := &Portal{secret: []byte("0123456789abcdef0123456789abcdef")}
	base := time.Unix(1_800_000_000, 0).UTC()
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(0, 40).Draw(t, "n")
		var items []item
		seq := uint64(0)
		for i := range n {
			seq += uint64(rapid.IntRange(1, 3).Draw(t, "gap"))
			at := base.Add(time.Duration(rapid.IntRange(0, 100).Draw(t, "t")) * time.Second)
			size := rapid.IntRange(1, 50).Draw(t, "size")
			items = append(items, item{seq: seq, time: at, size: size, stored: []byte{byte(i)}})
		}
		sc := &mesh.SearchConstraints{}
		if rapid.Bool().Draw(t, "maxEntries") {
			sc.MaxEntries = mesh.Int(int32(rapid.IntRange(1, 5).Draw(t, "me")))
		}
		if rapid.Bool().Draw(t, "maxBytes") {
			sc.MaxBytes = mesh.Int(int32(rapid.IntRange(1, 120).Draw(t, "mb")))
		}
		if rapid.Bool().Draw(t, "notBefore") {
			sc.NotBefore = mesh.Time(base.Add(time.Duration(rapid.IntRange(0, 100).Draw(t, "nb")) * time.Second))
		}
		if rapid.Bool().Draw(t, "before") {
			sc.Before = mesh.Time(base.Add(time.Duration(rapid.IntRange(0, 100).Draw(t, "b")) * time.Second))
		}
		var want []uint64
		for _, it := range items {
			if (sc.NotBefore == nil || !it.time.Before(*sc.NotBefore)) && (sc.Before == nil || it.time.Before(*sc.Before)) {
				want = append(want, it.seq)
			}
		}
		var got []uint64
		w, err := p.newWindow("q", sc)
		if err != nil {
			t.Fatal(err)
		}
		for page := 0; ; page++ {
			if page > len(items)+1 {
				t.Fatalf("still paging after %d pages", page)
			}
			sel, pk := p.selectItems(w, items)
			size := 0
			for _, it := range sel {
				got = append(got, it.seq)
				size += it.size
			}
			if len(sel) > w.maxEntries {
				t.Fatalf("page %d: %d entries, MaxEntries %d", page, len(sel), w.maxEntries)
			}
			if size > w.maxBytes && len(sel) > 1 {
				t.Fatalf("page %d: %d bytes in %d entries, MaxBytes %d", page, size, len(sel), w.maxBytes)
			}
			if pk == "" {
				break
			}
			if len(sel) == 0 {
				t.Fatalf("page %d: empty, yet a PageKey", page)
			}
			next := &mesh.SearchConstraints{PageKey: pk, MaxEntries: sc.MaxEntries, MaxBytes: sc.MaxBytes}
			if w, err = p.newWindow("q", next); err != nil {
				t.Fatalf("page %d: the PageKey does not open the next page: %v", page, err)
			}
		}
		if !slices.Equal(got, want) {
			t.Fatalf("pages gave %v, want %v", got, want)
		}
	})
}
