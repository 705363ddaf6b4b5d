// gocheck — an independent check of parley's transparency log, written
// against Go's golang.org/x/mod/sumdb/{note,tlog} (Debian's
// golang-golang-x-mod-dev), so that every signature and every Merkle hash it
// accepts was computed by Go's code, not by parley's.
//
//	gocheck log DIR VKEY [CHECKPOINT-FILE]
//	gocheck inclusion DIR VKEY PROOF-FILE ENTRY-FILE
//	gocheck consistency VKEY OLD-CHECKPOINT-FILE NEW-CHECKPOINT-FILE PROOF-FILE
//	gocheck kat OUT-DIR
//
// VKEY is a verifier key string (name+hash+base64) or a file holding one.
// Exit status 0: everything matches; 1: a check failed (the message says
// what differs); 2: usage.
//
// The only thing gocheck does itself is map x/mod's tile coordinates onto
// c2sp.org/tlog-tiles paths (x/mod writes tile/8/L/N and tile/8/data/N,
// c2sp writes tile/L/N and tile/entries/N) and parse the c2sp text formats
// (checkpoint, tlog-proof, 16-bit length-prefixed entry bundles). Hashing,
// proofs, tile contents and tile authentication are tlog's.
package main

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

const height = 8 // c2sp tlog-tiles: tiles of 2^8 hashes

func usage() {
	fmt.Fprintln(os.Stderr, `usage:
  gocheck log DIR VKEY [CHECKPOINT-FILE]
  gocheck inclusion DIR VKEY PROOF-FILE ENTRY-FILE
  gocheck consistency VKEY OLD-CHECKPOINT-FILE NEW-CHECKPOINT-FILE PROOF-FILE
  gocheck kat OUT-DIR`)
	os.Exit(2)
}

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "gocheck: "+format+"\n", args...)
	os.Exit(1)
}

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	args := os.Args[2:]
	var err error
	switch os.Args[1] {
	case "log":
		if len(args) != 2 && len(args) != 3 {
			usage()
		}
		cpFile := ""
		if len(args) == 3 {
			cpFile = args[2]
		}
		err = checkLog(args[0], args[1], cpFile)
	case "inclusion":
		if len(args) != 4 {
			usage()
		}
		err = checkInclusion(args[1], args[2], args[3])
	case "consistency":
		if len(args) != 4 {
			usage()
		}
		err = checkConsistency(args[0], args[1], args[2], args[3])
	case "kat":
		if len(args) != 1 {
			usage()
		}
		err = writeKAT(args[0])
	default:
		usage()
	}
	if err != nil {
		fail("%v", err)
	}
}

// ---- checkpoints -------------------------------------------------------

type checkpoint struct {
	origin string
	size   int64
	root   tlog.Hash
}

// loadVkey accepts a verifier key string or the name of a file holding one.
func loadVkey(arg string) (note.Verifier, error) {
	s := arg
	if !strings.Contains(arg, "+") {
		b, err := os.ReadFile(arg)
		if err != nil {
			return nil, err
		}
		s = strings.TrimSpace(string(b))
	}
	v, err := note.NewVerifier(s)
	if err != nil {
		return nil, fmt.Errorf("verifier key %q: %v", s, err)
	}
	return v, nil
}

// openCheckpoint verifies the log's signature with note.Open and parses the
// c2sp.org/tlog-checkpoint body: origin, decimal size, base64 root hash.
func openCheckpoint(data []byte, v note.Verifier) (checkpoint, error) {
	n, err := note.Open(data, note.VerifierList(v))
	if err != nil {
		return checkpoint{}, fmt.Errorf("checkpoint signature (note.Open): %v", err)
	}
	lines := strings.SplitN(n.Text, "\n", 4)
	if len(lines) < 4 {
		return checkpoint{}, fmt.Errorf("checkpoint has fewer than 3 lines")
	}
	cp := checkpoint{origin: lines[0]}
	if cp.origin != v.Name() {
		return checkpoint{}, fmt.Errorf("checkpoint origin %q is not the key name %q", cp.origin, v.Name())
	}
	cp.size, err = strconv.ParseInt(lines[1], 10, 64)
	if err != nil || cp.size < 0 || strconv.FormatInt(cp.size, 10) != lines[1] {
		return checkpoint{}, fmt.Errorf("checkpoint size %q is not a canonical decimal", lines[1])
	}
	h, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(h) != tlog.HashSize || base64.StdEncoding.EncodeToString(h) != lines[2] {
		return checkpoint{}, fmt.Errorf("checkpoint root %q is not a base64 SHA-256 hash", lines[2])
	}
	copy(cp.root[:], h)
	return cp, nil
}

func readCheckpoint(path string, v note.Verifier) (checkpoint, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return checkpoint{}, err
	}
	cp, err := openCheckpoint(b, v)
	if err != nil {
		return cp, fmt.Errorf("%s: %v", path, err)
	}
	return cp, nil
}

// RFC 6962 defines the empty tree's hash as SHA-256 of the empty string;
// tlog.TreeHash(0, ...) returns the all-zero hash instead (sumdb never signs
// an empty tree), so size 0 is checked against RFC 6962 directly.
var emptyRoot = tlog.Hash(sha256.Sum256(nil))

// ---- tiles on disk -----------------------------------------------------

// c2spPath maps tlog's tile coordinates to c2sp.org/tlog-tiles paths:
// tlog's Path() is tile/8/L/N[.p/W] (L = "data" for records); c2sp drops the
// height and calls the record level "entries". N and W are encoded by tlog.
func c2spPath(t tlog.Tile) string {
	p := strings.TrimPrefix(t.Path(), fmt.Sprintf("tile/%d/", height))
	if strings.HasPrefix(p, "data/") {
		p = "entries/" + strings.TrimPrefix(p, "data/")
	}
	return "tile/" + p
}

// dirTiles is a tlog.TileReader over a log directory.
type dirTiles struct {
	dir string
	// allowFull: a partial tile that is absent may be served from the full
	// tile with the same N (checking an older checkpoint: tlog-tiles lets a
	// log delete partial tiles once the full tile exists).
	allowFull bool
	read      int
}

func (d *dirTiles) Height() int { return height }

func (d *dirTiles) SaveTiles([]tlog.Tile, [][]byte) {}

func (d *dirTiles) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(tiles))
	for i, t := range tiles {
		b, err := d.readHashTile(t)
		if err != nil {
			return nil, err
		}
		out[i] = b
	}
	return out, nil
}

func (d *dirTiles) readFile(t tlog.Tile) ([]byte, error) {
	d.read++
	return os.ReadFile(filepath.Join(d.dir, c2spPath(t)))
}

func (d *dirTiles) readHashTile(t tlog.Tile) ([]byte, error) {
	b, err := d.readFile(t)
	if errors.Is(err, os.ErrNotExist) && d.allowFull && t.W < 1<<height {
		full := t
		full.W = 1 << height
		if fb, ferr := d.readFile(full); ferr == nil && len(fb) == full.W*tlog.HashSize {
			return fb[:t.W*tlog.HashSize], nil
		}
	}
	if err != nil {
		return nil, fmt.Errorf("tile %s: %v", c2spPath(t), err)
	}
	if len(b) != t.W*tlog.HashSize {
		return nil, fmt.Errorf("tile %s: %d bytes, want %d", c2spPath(t), len(b), t.W*tlog.HashSize)
	}
	return b, nil
}

// readBundle returns the entries of bundle t (t.L == -1).
func (d *dirTiles) readBundle(t tlog.Tile) ([][]byte, error) {
	b, err := d.readFile(t)
	want := t.W
	if errors.Is(err, os.ErrNotExist) && d.allowFull && t.W < 1<<height {
		full := t
		full.W = 1 << height
		if fb, ferr := d.readFile(full); ferr == nil {
			b, err, want = fb, nil, full.W
		}
	}
	if err != nil {
		return nil, fmt.Errorf("bundle %s: %v", c2spPath(t), err)
	}
	var entries [][]byte
	for len(b) > 0 {
		if len(b) < 2 {
			return nil, fmt.Errorf("bundle %s: truncated length prefix after %d entries", c2spPath(t), len(entries))
		}
		n := int(b[0])<<8 | int(b[1])
		if len(b)-2 < n {
			return nil, fmt.Errorf("bundle %s: entry %d truncated (%d of %d bytes)", c2spPath(t), len(entries), len(b)-2, n)
		}
		entries = append(entries, b[2:2+n])
		b = b[2+n:]
	}
	if len(entries) != want {
		return nil, fmt.Errorf("bundle %s: holds %d entries, want %d", c2spPath(t), len(entries), want)
	}
	return entries[:t.W], nil
}

// ---- gocheck log -------------------------------------------------------

// memHashes is the complete set of stored hashes of a tree, computed by
// tlog.StoredHashesForRecordHash from the record hashes alone.
type memHashes []tlog.Hash

func (m *memHashes) ReadHashes(idx []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(idx))
	for i, x := range idx {
		if x < 0 || x >= int64(len(*m)) {
			return nil, fmt.Errorf("stored hash %d not available", x)
		}
		out[i] = (*m)[x]
	}
	return out, nil
}

func (m *memHashes) add(n int64, h tlog.Hash) error {
	if int64(len(*m)) != tlog.StoredHashIndex(0, n) {
		return fmt.Errorf("internal: %d stored hashes before record %d", len(*m), n)
	}
	hs, err := tlog.StoredHashesForRecordHash(n, h, m)
	if err != nil {
		return err
	}
	*m = append(*m, hs...)
	return nil
}

// clientTiles lists the hash tiles a tile-based client reads for a tree of
// the given size: tlog.NewTiles(8, 0, size) less the narrower partials it
// would have read earlier (only the widest partial per level is current).
func clientTiles(size int64) []tlog.Tile {
	all := tlog.NewTiles(height, 0, size)
	var out []tlog.Tile
	for i, t := range all {
		if t.W < 1<<height && i+1 < len(all) && all[i+1].L == t.L && all[i+1].N == t.N {
			continue
		}
		out = append(out, t)
	}
	return out
}

func checkLog(dir, vkey, cpFile string) error {
	v, err := loadVkey(vkey)
	if err != nil {
		return err
	}
	old := cpFile != ""
	if !old {
		cpFile = filepath.Join(dir, "checkpoint")
	}
	cp, err := readCheckpoint(cpFile, v)
	if err != nil {
		return err
	}
	d := &dirTiles{dir: dir, allowFull: old}
	if cp.size == 0 {
		if cp.root != emptyRoot {
			return fmt.Errorf("size 0 checkpoint root %s is not SHA-256(\"\") %s", cp.root, emptyRoot)
		}
		fmt.Printf("log ok: 0 entries, root is RFC 6962 empty hash\n")
		return nil
	}

	// 1. Every entry bundle, and Go's record hashes of the entries.
	var mem memHashes
	nb := (cp.size + 1<<height - 1) >> height
	for b := int64(0); b < nb; b++ {
		w := cp.size - b<<height
		if w > 1<<height {
			w = 1 << height
		}
		t := tlog.Tile{H: height, L: -1, N: b, W: int(w)}
		entries, err := d.readBundle(t)
		if err != nil {
			return err
		}
		for i, e := range entries {
			if err := mem.add(b<<height+int64(i), tlog.RecordHash(e)); err != nil {
				return err
			}
		}
	}

	// 2. Go's tree hash of the entries against the checkpoint.
	th, err := tlog.TreeHash(cp.size, &mem)
	if err != nil {
		return err
	}
	if th != cp.root {
		return fmt.Errorf("checkpoint root %s != Go's tree hash %s of the %d entries", cp.root, th, cp.size)
	}

	// 3. Every tile a client reads equals tlog.ReadTileData from Go's hashes.
	tiles := clientTiles(cp.size)
	for _, t := range tiles {
		want, err := tlog.ReadTileData(t, &mem)
		if err != nil {
			return err
		}
		got, err := d.readHashTile(t)
		if err != nil {
			return err
		}
		if !bytes.Equal(got, want) {
			for i := 0; i < t.W; i++ {
				if !bytes.Equal(got[i*32:i*32+32], want[i*32:i*32+32]) {
					return fmt.Errorf("tile %s: hash %d is %x, Go computes %x", c2spPath(t), i, got[i*32:i*32+32], want[i*32:i*32+32])
				}
			}
		}
	}

	// 4. Go's tile client: authenticate the tiles against the checkpoint
	// (tlog.TileHashReader), read every record hash through it and compare
	// with the entries' hashes, and check a few record proofs it builds.
	tr := tlog.TileHashReader(tlog.Tree{N: cp.size, Hash: cp.root}, d)
	th2, err := tlog.TreeHash(cp.size, tr)
	if err != nil {
		return fmt.Errorf("tlog.TileHashReader: %v", err)
	}
	if th2 != cp.root {
		return fmt.Errorf("tree hash through the tiles %s != checkpoint root %s", th2, cp.root)
	}
	idx := make([]int64, cp.size)
	for i := range idx {
		idx[i] = tlog.StoredHashIndex(0, int64(i))
	}
	hs, err := tr.ReadHashes(idx)
	if err != nil {
		return fmt.Errorf("tlog.TileHashReader: %v", err)
	}
	for i, h := range hs {
		if h != mem[idx[i]] {
			return fmt.Errorf("level-0 tile hash of record %d is %s, Go's RecordHash of the entry is %s", i, h, mem[idx[i]])
		}
	}
	for _, n := range []int64{0, cp.size / 2, cp.size - 1} {
		p, err := tlog.ProveRecord(cp.size, n, tr)
		if err != nil {
			return fmt.Errorf("tlog.ProveRecord(%d, %d) over the tiles: %v", cp.size, n, err)
		}
		if err := tlog.CheckRecord(p, cp.size, cp.root, n, mem[idx[n]]); err != nil {
			return fmt.Errorf("tlog.CheckRecord(%d, %d) over the tiles: %v", cp.size, n, err)
		}
	}
	fmt.Printf("log ok: %d entries, %d bundles and %d tiles equal Go's, root matches\n", cp.size, nb, len(tiles))
	return nil
}

// ---- gocheck inclusion -------------------------------------------------

// parseProof parses a c2sp.org/tlog-proof@v1 file.
func parseProof(data []byte) (index int64, proof []tlog.Hash, cp []byte, err error) {
	s := string(data)
	next := func() (string, bool) {
		i := strings.IndexByte(s, '\n')
		if i < 0 {
			return "", false
		}
		line := s[:i]
		s = s[i+1:]
		return line, true
	}
	line, ok := next()
	if !ok || line != "c2sp.org/tlog-proof@v1" {
		return 0, nil, nil, fmt.Errorf("proof: first line is not c2sp.org/tlog-proof@v1")
	}
	line, ok = next()
	if ok && strings.HasPrefix(line, "extra ") {
		if _, e := base64.StdEncoding.DecodeString(line[6:]); e != nil {
			return 0, nil, nil, fmt.Errorf("proof: bad extra line")
		}
		line, ok = next()
	}
	if !ok || !strings.HasPrefix(line, "index ") {
		return 0, nil, nil, fmt.Errorf("proof: no index line")
	}
	index, err = strconv.ParseInt(line[6:], 10, 64)
	if err != nil || index < 0 || strconv.FormatInt(index, 10) != line[6:] {
		return 0, nil, nil, fmt.Errorf("proof: bad index %q", line[6:])
	}
	for {
		line, ok = next()
		if !ok {
			return 0, nil, nil, fmt.Errorf("proof: no blank line before the checkpoint")
		}
		if line == "" {
			break
		}
		h, e := tlog.ParseHash(line)
		if e != nil {
			return 0, nil, nil, fmt.Errorf("proof: bad hash line %q", line)
		}
		proof = append(proof, h)
	}
	return index, proof, []byte(s), nil
}

func checkInclusion(vkey, proofFile, entryFile string) error {
	v, err := loadVkey(vkey)
	if err != nil {
		return err
	}
	data, err := os.ReadFile(proofFile)
	if err != nil {
		return err
	}
	entry, err := os.ReadFile(entryFile)
	if err != nil {
		return err
	}
	index, proof, cpText, err := parseProof(data)
	if err != nil {
		return fmt.Errorf("%s: %v", proofFile, err)
	}
	cp, err := openCheckpoint(cpText, v)
	if err != nil {
		return fmt.Errorf("%s: %v", proofFile, err)
	}
	if err := tlog.CheckRecord(tlog.RecordProof(proof), cp.size, cp.root, index, tlog.RecordHash(entry)); err != nil {
		return fmt.Errorf("tlog.CheckRecord(index %d, size %d, %d hashes): %v", index, cp.size, len(proof), err)
	}
	fmt.Printf("inclusion ok: entry %d of %d\n", index, cp.size)
	return nil
}

// ---- gocheck consistency -----------------------------------------------

func checkConsistency(vkey, oldFile, newFile, proofFile string) error {
	v, err := loadVkey(vkey)
	if err != nil {
		return err
	}
	oldCp, err := readCheckpoint(oldFile, v)
	if err != nil {
		return err
	}
	newCp, err := readCheckpoint(newFile, v)
	if err != nil {
		return err
	}
	data, err := os.ReadFile(proofFile)
	if err != nil {
		return err
	}
	var proof tlog.TreeProof
	for _, line := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
		if line == "" && len(data) <= 1 {
			break
		}
		h, err := tlog.ParseHash(line)
		if err != nil {
			return fmt.Errorf("%s: bad hash line %q", proofFile, line)
		}
		proof = append(proof, h)
	}
	if oldCp.size > newCp.size {
		return fmt.Errorf("old size %d > new size %d", oldCp.size, newCp.size)
	}
	if oldCp.size == 0 {
		// tlog.CheckTree needs a non-empty old tree; the empty tree is a
		// prefix of every tree and its proof is empty (RFC 9162 2.1.4).
		if len(proof) != 0 || oldCp.root != emptyRoot {
			return fmt.Errorf("consistency from size 0: want an empty proof and the empty root")
		}
	} else if err := tlog.CheckTree(proof, newCp.size, newCp.root, oldCp.size, oldCp.root); err != nil {
		return fmt.Errorf("tlog.CheckTree(%d -> %d, %d hashes): %v", oldCp.size, newCp.size, len(proof), err)
	}
	fmt.Printf("consistency ok: %d -> %d\n", oldCp.size, newCp.size)
	return nil
}

// ---- gocheck kat -------------------------------------------------------

func hx(b []byte) string {
	if len(b) == 0 {
		return "-"
	}
	return hex.EncodeToString(b)
}

func hashList(hs []tlog.Hash) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d", len(hs))
	for _, h := range hs {
		b.WriteString(" " + hex.EncodeToString(h[:]))
	}
	return b.String()
}

func katEntry(i int64) []byte { return []byte(fmt.Sprintf("entry-%d", i)) }

// katTree returns the stored hashes of the tree of entries "entry-<i>", i < n.
func katTree(n int64) (*memHashes, error) {
	m := &memHashes{}
	for i := int64(0); i < n; i++ {
		if err := m.add(i, tlog.RecordHash(katEntry(i))); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// katSigner derives an Ed25519 signed-note key from a fixed seed.
func katSigner(name, seedText string) (skey, vkey string, err error) {
	seed := sha256.Sum256([]byte(seedText))
	priv := ed25519.NewKeyFromSeed(seed[:])
	vkey, err = note.NewEd25519VerifierKey(name, priv.Public().(ed25519.PublicKey))
	if err != nil {
		return "", "", err
	}
	hash := strings.SplitN(vkey, "+", 3)[1]
	skey = fmt.Sprintf("PRIVATE+KEY+%s+%s+%s", name, hash, base64.StdEncoding.EncodeToString(append([]byte{1}, seed[:]...)))
	return skey, vkey, nil
}

func writeKAT(outDir string) error {
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return err
	}
	const header = "# Generated by `gocheck kat` from golang.org/x/mod/sumdb/{tlog,note} (x/mod 0.7.0, Go 1.19).\n" +
		"# Do not edit; tests/unit/test_kat.c checks parley against these lines. Hashes are hex, '-' is empty.\n"
	files := map[string]*strings.Builder{}
	out := func(name, format string, args ...interface{}) {
		b := files[name]
		if b == nil {
			b = &strings.Builder{}
			b.WriteString(header)
			files[name] = b
		}
		fmt.Fprintf(b, format+"\n", args...)
	}

	// hashes.txt: record <entry> <RecordHash>; node <left> <right> <NodeHash>
	all := make([]byte, 256)
	for i := range all {
		all[i] = byte(i)
	}
	records := [][]byte{{}, []byte("a"), []byte("b"), []byte("entry-0"), {0}, all, bytes.Repeat([]byte{0xa5}, 1000)}
	for _, r := range records {
		h := tlog.RecordHash(r)
		out("hashes.txt", "record %s %s", hx(r), hx(h[:]))
	}
	ha, hb := tlog.RecordHash([]byte("a")), tlog.RecordHash([]byte("b"))
	var zero, ones tlog.Hash
	for i := range ones {
		ones[i] = 0xff
	}
	for _, p := range [][2]tlog.Hash{{ha, hb}, {hb, ha}, {zero, zero}, {zero, ones}} {
		h := tlog.NodeHash(p[0], p[1])
		out("hashes.txt", "node %s %s %s", hx(p[0][:]), hx(p[1][:]), hx(h[:]))
	}

	// trees.txt: tree <size> <TreeHash> of entries "entry-<i>".
	// Note: tlog.TreeHash(0) is the all-zero hash (RFC 6962 says SHA-256("")).
	const maxN = 65537
	m, err := katTree(maxN)
	if err != nil {
		return err
	}
	// (Every size the proofs below use is listed, so the C test checks
	// them against Go's roots.)
	for _, n := range []int64{0, 1, 2, 3, 4, 7, 8, 255, 256, 257, 512, 999, 1000, 65535, 65536, 65537} {
		h, err := tlog.TreeHash(n, m)
		if err != nil {
			return err
		}
		out("trees.txt", "tree %d %s", n, hx(h[:]))
	}

	// proofs.txt: inclusion <size> <index> <count> <hashes...>;
	// consistency <old> <new> <count> <hashes...>
	for _, c := range [][2]int64{{1, 0}, {2, 0}, {2, 1}, {3, 2}, {7, 3}, {8, 7}, {255, 0}, {256, 255},
		{257, 256}, {257, 128}, {1000, 0}, {1000, 511}, {1000, 512}, {1000, 999}, {65537, 65536}, {65537, 4242}} {
		p, err := tlog.ProveRecord(c[0], c[1], m)
		if err != nil {
			return err
		}
		out("proofs.txt", "inclusion %d %d %s", c[0], c[1], hashList(p))
	}
	for _, c := range [][2]int64{{1, 1}, {1, 2}, {1, 1000}, {2, 3}, {3, 7}, {4, 7}, {7, 8}, {255, 256}, {256, 257},
		{257, 1000}, {512, 1000}, {999, 1000}, {1000, 1000}, {1000, 65537}, {65536, 65537}} {
		p, err := tlog.ProveTree(c[1], c[0], m)
		if err != nil {
			return err
		}
		out("proofs.txt", "consistency %d %d %s", c[0], c[1], hashList(p))
	}

	// tiles.txt: tile <size> <level|entries> <N> <W> <SHA-256 of the c2sp file>
	// for every tile and bundle of a log of entries "entry-<i>" at that size.
	for _, n := range []int64{1, 2, 255, 256, 257, 1000, 65537} {
		for b := int64(0); b<<height < n; b++ {
			w := n - b<<height
			if w > 1<<height {
				w = 1 << height
			}
			var bundle []byte
			for i := b << height; i < b<<height+w; i++ {
				e := katEntry(i)
				bundle = append(bundle, byte(len(e)>>8), byte(len(e)))
				bundle = append(bundle, e...)
			}
			sum := sha256.Sum256(bundle)
			out("tiles.txt", "tile %d entries %d %d %s", n, b, w, hx(sum[:]))
		}
		for _, t := range clientTiles(n) {
			data, err := tlog.ReadTileData(t, m)
			if err != nil {
				return err
			}
			sum := sha256.Sum256(data)
			out("tiles.txt", "tile %d %d %d %d %s", n, t.L, t.N, t.W, hx(sum[:]))
		}
	}

	// note.txt: keys from fixed seeds and notes signed by note.Sign.
	// skey/vkey <name> <string>; text <base64>; signed <base64 of the note>.
	type key struct {
		name, skey, vkey string
		s                note.Signer
	}
	var keys []key
	for _, k := range [][2]string{{"kat.example/log", "parley kat seed 1"}, {"witness.example", "parley kat seed 2"}} {
		skey, vkey, err := katSigner(k[0], k[1])
		if err != nil {
			return err
		}
		s, err := note.NewSigner(skey)
		if err != nil {
			return err
		}
		keys = append(keys, key{k[0], skey, vkey, s})
		out("note.txt", "skey %s", skey)
		out("note.txt", "vkey %s", vkey)
	}
	root, _ := tlog.TreeHash(1000, m)
	texts := []string{
		fmt.Sprintf("kat.example/log\n1000\n%s\n", root),
		"kat.example/log\n0\n" + emptyRoot.String() + "\n",
		"héllo — wörld ✓\nsecond line\n\nafter a blank line\n",
	}
	for i, text := range texts {
		signers := []note.Signer{keys[0].s}
		if i == 2 {
			signers = append(signers, keys[1].s)
		}
		msg, err := note.Sign(&note.Note{Text: text}, signers...)
		if err != nil {
			return err
		}
		out("note.txt", "text %s", base64.StdEncoding.EncodeToString([]byte(text)))
		out("note.txt", "signed %d %s", len(signers), base64.StdEncoding.EncodeToString(msg))
	}

	for name, b := range files {
		if err := os.WriteFile(filepath.Join(outDir, name), []byte(b.String()), 0o644); err != nil {
			return err
		}
	}
	return nil
}
