// Package drbg is the kernel's random number generator behind getrandom:
// ChaCha20 (RFC 8439 §2.3) used with fast key erasure, so that the state
// kept after a call cannot reproduce what the call returned. It is seeded
// from the CPU (RDSEED/RDRAND) and from the virtio entropy device, and
// every seed is mixed in, never substituted.
//
// The generator runs in trap context (kernel/sys), so it allocates
// nothing and holds no pointers: a Generator is plain arrays.
//
// Wire it in: var g Generator; g.Mix(seed); g.Read(buf).
package drbg

import "encoding/binary"

// ChaCha20's constants: "expand 32-byte k" (RFC 8439 §2.3).
const (
	c0 = 0x61707865
	c1 = 0x3320646e
	c2 = 0x79622d32
	c3 = 0x6b206574
)

// BlockSize is one ChaCha20 block.
const BlockSize = 64

func quarter(a, b, c, d uint32) (uint32, uint32, uint32, uint32) {
	a += b
	d ^= a
	d = d<<16 | d>>16
	c += d
	b ^= c
	b = b<<12 | b>>20
	a += b
	d ^= a
	d = d<<8 | d>>24
	c += d
	b ^= c
	b = b<<7 | b>>25
	return a, b, c, d
}

// Block computes the ChaCha20 block for key, counter and nonce into out
// (RFC 8439 §2.3.1: 20 rounds, then the input added back).
func Block(out *[BlockSize]byte, key *[8]uint32, counter uint32, nonce *[3]uint32) {
	in := [16]uint32{c0, c1, c2, c3,
		key[0], key[1], key[2], key[3], key[4], key[5], key[6], key[7],
		counter, nonce[0], nonce[1], nonce[2]}
	x := in
	for i := 0; i < 10; i++ {
		x[0], x[4], x[8], x[12] = quarter(x[0], x[4], x[8], x[12])
		x[1], x[5], x[9], x[13] = quarter(x[1], x[5], x[9], x[13])
		x[2], x[6], x[10], x[14] = quarter(x[2], x[6], x[10], x[14])
		x[3], x[7], x[11], x[15] = quarter(x[3], x[7], x[11], x[15])
		x[0], x[5], x[10], x[15] = quarter(x[0], x[5], x[10], x[15])
		x[1], x[6], x[11], x[12] = quarter(x[1], x[6], x[11], x[12])
		x[2], x[7], x[8], x[13] = quarter(x[2], x[7], x[8], x[13])
		x[3], x[4], x[9], x[14] = quarter(x[3], x[4], x[9], x[14])
	}
	for i := range x {
		binary.LittleEndian.PutUint32(out[4*i:], x[i]+in[i])
	}
}

// Generator is a ChaCha20 DRBG with fast key erasure.
type Generator struct {
	key   [8]uint32
	mixes uint32 // nonce word: distinguishes the rekeying of each Mix
	// Seeded counts the seed bytes mixed in so far.
	Seeded uint64
}

// Mix folds seed into the key: each 32-byte chunk is XORed into the
// key, which is then replaced by ChaCha20 output under it, so no seed
// byte can cancel another's contribution in a predictable way.
func (g *Generator) Mix(seed []byte) {
	var blk [BlockSize]byte
	for len(seed) > 0 {
		var chunk [32]byte
		n := copy(chunk[:], seed)
		seed = seed[n:]
		for i := range g.key {
			g.key[i] ^= binary.LittleEndian.Uint32(chunk[4*i:])
		}
		g.mixes++
		nonce := [3]uint32{g.mixes, 0, 0x6d697820} // "mix "
		Block(&blk, &g.key, 0, &nonce)
		for i := range g.key {
			g.key[i] = binary.LittleEndian.Uint32(blk[4*i:])
		}
		g.Seeded += uint64(n)
	}
	clear(blk[:])
}

// Read fills b with ChaCha20 output under the current key (nonce word 0
// = 1), then replaces the key with a block under another nonce (word 0 =
// 0): the key that made the output is gone when Read returns (fast key
// erasure), and the next key shares no block with the output.
func (g *Generator) Read(b []byte) {
	var blk [BlockSize]byte
	nonce := [3]uint32{1, 0, 0}
	for ctr := uint32(0); len(b) > 0; ctr++ {
		Block(&blk, &g.key, ctr, &nonce)
		n := copy(b, blk[:])
		b = b[n:]
		if ctr == ^uint32(0) { // 256 GiB in one call: continue under a fresh nonce
			nonce[1]++
		}
	}
	g.rekey(&blk)
	clear(blk[:])
}

func (g *Generator) rekey(blk *[BlockSize]byte) {
	nonce := [3]uint32{}
	Block(blk, &g.key, 0, &nonce)
	for i := range g.key {
		g.key[i] = binary.LittleEndian.Uint32(blk[4*i:])
	}
}
