// treebench — the Go reference for tree_leaves_per_s: builds the tree of n
// entries with golang.org/x/mod/sumdb/tlog, the way the Go checksum database
// does: tlog.StoredHashes for each record into an in-memory hash store, then
// tlog.TreeHash. The entries are byte for byte those of bench_tlog's
// plain_entry, so the two roots must match (bench/run.sh checks).
//
// Usage: treebench N   prints go_tree_seconds= and go_tree_root= (hex).
package main

import (
	"encoding/hex"
	"fmt"
	"os"
	"strconv"
	"time"

	"golang.org/x/mod/sumdb/tlog"
)

const (
	plainLen    = 64
	plainDigits = 19 // offset of the first digit
)

// plainEntryInit and plainEntry mirror bench_tlog.c: "parley bench entry ", the
// index in 20 zero-padded digits, '\n', 'x' padding, and a final '\n'. Only the
// digits change per entry.
func plainEntryInit(out []byte) {
	for k := range out {
		out[k] = 'x'
	}
	copy(out, "parley bench entry ")
	out[plainDigits+20] = '\n'
	out[plainLen-1] = '\n'
}

func plainEntry(i int64, out []byte) {
	for k := plainDigits + 19; k >= plainDigits; k-- {
		out[k] = byte('0' + i%10)
		i /= 10
	}
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: treebench N")
		os.Exit(2)
	}
	n, err := strconv.ParseInt(os.Args[1], 10, 64)
	if err != nil || n <= 0 {
		fmt.Fprintln(os.Stderr, "treebench: bad N")
		os.Exit(2)
	}
	// The store is preallocated, so growth is not part of the measurement.
	hashes := make([]tlog.Hash, 0, tlog.StoredHashCount(n))
	reader := tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(idx))
		for i, x := range idx {
			out[i] = hashes[x]
		}
		return out, nil
	})
	e := make([]byte, plainLen)
	plainEntryInit(e)
	t0 := time.Now()
	for i := int64(0); i < n; i++ {
		plainEntry(i, e)
		hs, err := tlog.StoredHashes(i, e, reader)
		if err != nil {
			fmt.Fprintln(os.Stderr, "treebench:", err)
			os.Exit(1)
		}
		hashes = append(hashes, hs...)
	}
	root, err := tlog.TreeHash(n, reader)
	dt := time.Since(t0)
	if err != nil {
		fmt.Fprintln(os.Stderr, "treebench:", err)
		os.Exit(1)
	}
	fmt.Printf("go_tree_seconds=%.6f\ngo_tree_root=%s\n", dt.Seconds(), hex.EncodeToString(root[:]))
}
