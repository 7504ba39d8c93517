package memo_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/meshconform/meshconform/reference/internal/memo"
)

func TestTableRemembersAndStaysBounded(t *testing.T) {
	tb := memo.New[string, int](3)
	for i := range 3 {
		tb.Put(fmt.Sprint(i), i)
	}
	if v, ok := tb.Get("1"); !ok || v != 1 {
		t.Fatalf("Get(1) = %d, %v; want 1, true", v, ok)
	}
	tb.Put("1", 10) // replacing an entry never empties the table
	if n := tb.Len(); n != 3 {
		t.Fatalf("after replacing: %d entries, want 3", n)
	}
	tb.Put("3", 3) // a fourth key empties it first
	if n := tb.Len(); n != 1 {
		t.Fatalf("after overflowing: %d entries, want 1", n)
	}
	if _, ok := tb.Get("0"); ok {
		t.Fatal("an entry survived the emptying")
	}
	if v, ok := tb.Get("3"); !ok || v != 3 {
		t.Fatalf("Get(3) = %d, %v; want 3, true", v, ok)
	}
}

func TestTableConcurrentUse(t *testing.T) {
	tb := memo.New[int, int](64)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 1000 {
				tb.Put(g*1000+i, i)
				if v, ok := tb.Get(g*1000 + i); ok && v != i {
					t.Errorf("key %d: got %d", g*1000+i, v)
				}
			}
		}()
	}
	wg.Wait()
	if n := tb.Len(); n > 64 {
		t.Fatalf("%d entries, bound 64", n)
	}
}
