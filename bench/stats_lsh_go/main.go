// Baseline for bench/run_stats_bench.sh: the same near-duplicate job as synthmod-stats (word
// 5-grams of the normalised text, 128 permutations, Jaccard threshold 0.8) with Debian's
// golang-github-ekzhu-minhash-lsh (classic MinHash + LSH with its own optimal bands),
// candidates verified by exact Jaccard so both tools report the same kind of pairs.
//
// Normalisation here is the ASCII subset of DESIGN section 9 (lowercase, ASCII punctuation
// deleted, whitespace collapsed), which equals the full rule on the ASCII bench corpus.
//
// usage: stats_lsh_go IN.csv PAIRS.csv
package main

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	minhashlsh "github.com/ekzhu/minhash-lsh"
)

const (
	ngram     = 5
	numHash   = 128
	threshold = 0.8
	seed      = 42
)

func normalise(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case strings.IndexByte("!\"#%&'()*,-./:;?@[\\]_{}", c) >= 0:
			// ASCII punctuation (Unicode category P*) is deleted
		case c >= 'A' && c <= 'Z':
			b.WriteByte(c + 32)
		default:
			b.WriteByte(c)
		}
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

func shingles(t string) []string {
	if t == "" {
		return nil
	}
	w := strings.Split(t, " ")
	if len(w) < ngram {
		return []string{t}
	}
	out := make([]string, 0, len(w)-ngram+1)
	for i := 0; i+ngram <= len(w); i++ {
		out = append(out, strings.Join(w[i:i+ngram], " "))
	}
	return out
}

func set(s []string) map[string]struct{} {
	m := make(map[string]struct{}, len(s))
	for _, x := range s {
		m[x] = struct{}{}
	}
	return m
}

func main() {
	start := time.Now()
	f, err := os.Open(os.Args[1])
	if err != nil {
		panic(err)
	}
	r := csv.NewReader(bufio.NewReaderSize(f, 1<<20))
	header, err := r.Read()
	if err != nil {
		panic(err)
	}
	col := -1
	for i, h := range header {
		if strings.TrimPrefix(h, "\ufeff") == "content" {
			col = i
		}
	}
	var texts []string
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			panic(err)
		}
		texts = append(texts, normalise(rec[col]))
	}
	read := time.Since(start)

	lsh := minhashlsh.NewMinhashLSH64(numHash, threshold)
	sigs := make([][]uint64, len(texts))
	for i, t := range texts {
		sh := shingles(t)
		if len(sh) == 0 {
			continue
		}
		m := minhashlsh.NewMinhash(seed, numHash)
		for _, s := range sh {
			m.Push([]byte(s))
		}
		sigs[i] = m.Signature()
		lsh.Add(i, sigs[i])
	}
	lsh.Index()
	type pair struct {
		i, j int
		jac  float64
	}
	var pairs []pair
	candidates := 0
	for i, sig := range sigs {
		if sig == nil {
			continue
		}
		var a map[string]struct{}
		for _, k := range lsh.Query(sig) {
			j := k.(int)
			if j <= i {
				continue
			}
			candidates++
			if a == nil {
				a = set(shingles(texts[i]))
			}
			b := set(shingles(texts[j]))
			inter := 0
			for x := range b {
				if _, ok := a[x]; ok {
					inter++
				}
			}
			jac := float64(inter) / float64(len(a)+len(b)-inter)
			if jac >= threshold {
				pairs = append(pairs, pair{i, j, jac})
			}
		}
	}
	sort.Slice(pairs, func(x, y int) bool {
		if pairs[x].i != pairs[y].i {
			return pairs[x].i < pairs[y].i
		}
		return pairs[x].j < pairs[y].j
	})
	out, err := os.Create(os.Args[2])
	if err != nil {
		panic(err)
	}
	w := bufio.NewWriter(out)
	fmt.Fprintln(w, "row_i,row_j,jaccard")
	for _, p := range pairs {
		fmt.Fprintf(w, "%d,%d,%.6f\n", p.i, p.j, p.jac)
	}
	w.Flush()
	out.Close()
	k, l := lsh.Params()
	fmt.Fprintf(os.Stderr, "stats_lsh_go: %d rows, read %.2f s, total %.2f s, k=%d rows x l=%d bands, %d candidates, %d pairs\n",
		len(texts), read.Seconds(), time.Since(start).Seconds(), k, l, candidates, len(pairs))
}
