package portal

import "testing"

func TestCheckName(t *testing.T) {
	cases := []struct {
		in      string
		cs      bool
		valid   bool
		account string
		invalid string
	}{
		{"alice", false, true, "alice@example.com", ""},
		{"Alice@Example.COM", false, true, "alice@example.com", ""},
		{"a.b-c_d9", false, true, "a.b-c_d9@example.com", ""},
		{"", false, false, "", ""},
		{"@example.com", false, false, "", ""},
		{string(make([]byte, 65)), false, false, "", "\x00"},
		{"a b!c d!", false, false, "", " !"},
		{"émile", false, false, "", "é"},
		{"alice@other.org", false, false, "", ""},
		{"a@b@example.com", false, false, "", "@"},
		{"Alice", true, true, "Alice@example.com", ""},
	}
	for _, c := range cases {
		got := CheckName(c.in, "Example.com", c.cs)
		if got.Valid != c.valid || got.Account != c.account || got.Invalid != c.invalid || got.Reason == "" {
			t.Errorf("CheckName(%q, cs=%v) = %+v; want valid=%v account=%q invalid=%q", c.in, c.cs, got, c.valid, c.account, c.invalid)
		}
	}
	long := make([]byte, 64)
	for i := range long {
		long[i] = 'x'
	}
	if !CheckName(string(long), "example.com", false).Valid || CheckName(string(long)+"x", "example.com", false).Valid {
		t.Error("the local part limit is 64 characters")
	}
}
