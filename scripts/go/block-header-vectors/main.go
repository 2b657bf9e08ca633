// Prints test vectors for Fabric's block header hash: SHA-256 over the DER encoding, by Go's
// encoding/asn1, of SEQUENCE { INTEGER number, OCTET STRING previousHash, OCTET STRING dataHash },
// the structure Fabric's protoutil.BlockHeaderBytes marshals. The gateway's proof endpoint computes
// the same hash in TypeScript (gateway-api/src/ledger/block-header.ts); its test checks these.
// Run: (cd scripts/go/block-header-vectors && go run .) > gateway-api/src/ledger/block-header.vectors.json
package main

import (
	"crypto/sha256"
	"encoding/asn1"
	"encoding/hex"
	"encoding/json"
	"math/big"
	"os"
)

type header struct {
	Number       *big.Int
	PreviousHash []byte
	DataHash     []byte
}

type vector struct {
	Number       string `json:"number"`
	PreviousHash string `json:"previousHash"`
	DataHash     string `json:"dataHash"`
	Hash         string `json:"hash"`
}

func digest(s string) []byte {
	d := sha256.Sum256([]byte(s))
	return d[:]
}

func main() {
	numbers := []string{"0", "1", "7", "127", "128", "255", "256", "65535", "65536", "2147483648", "9007199254740991", "18446744073709551615"}
	var out []vector
	for i, n := range numbers {
		num, _ := new(big.Int).SetString(n, 10)
		prev := digest("prev-" + n)
		if i == 0 {
			prev = nil // the genesis block has no previous hash
		}
		data := digest("data-" + n)
		der, err := asn1.Marshal(header{Number: num, PreviousHash: prev, DataHash: data})
		if err != nil {
			panic(err)
		}
		h := sha256.Sum256(der)
		out = append(out, vector{Number: n, PreviousHash: hex.EncodeToString(prev), DataHash: hex.EncodeToString(data), Hash: hex.EncodeToString(h[:])})
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		panic(err)
	}
}
