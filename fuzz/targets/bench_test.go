package targets

import "testing"

// BenchmarkTargets measures one check of each target over its seed corpus, per seed: the
// cost the fuzzer pays per execution on valid input, beside FuzzJSONBaseline on the same
// kind of input. Run: go test -run '^$' -bench Targets ./fuzz/targets/
func BenchmarkTargets(b *testing.B) {
	for _, tg := range All() {
		seeds, err := tg.Seeds("")
		if err != nil {
			b.Fatal(err)
		}
		b.Run(tg.Name, func(b *testing.B) {
			size := 0
			for _, s := range seeds {
				size += len(s)
			}
			b.SetBytes(int64(size / len(seeds)))
			i := 0
			for b.Loop() {
				if _, err := tg.Check(seeds[i%len(seeds)]); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}
