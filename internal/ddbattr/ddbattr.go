// Package ddbattr names the key of the coordination table and builds and
// reads the DynamoDB attribute values its items are made of (leases,
// budget rows, claims). Its functions are pure and safe for concurrent use.
package ddbattr

import (
	"crypto/rand"
	"encoding/hex"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Attribute names of the coordination table's key and garbage-collection
// attribute. Package lease documents every item type.
const (
	PK = "pk"
	SK = "sk"
	GC = "gc_at" // TTL attribute, epoch seconds; garbage collection only
)

// Key is the primary key of the item (pk, sk).
func Key(pk, sk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{PK: S(pk), SK: S(sk)}
}

// S is a string attribute value.
func S(s string) types.AttributeValue { return &types.AttributeValueMemberS{Value: s} }

// N is a number attribute value.
func N(n int64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(n, 10)}
}

// F is a number attribute value holding a float.
func F(f float64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: strconv.FormatFloat(f, 'g', -1, 64)}
}

// GetS returns item's string attribute k, or "" when it is absent or not a
// string.
func GetS(item map[string]types.AttributeValue, k string) string {
	if v, ok := item[k].(*types.AttributeValueMemberS); ok {
		return v.Value
	}
	return ""
}

// GetN returns item's number attribute k as an integer, or 0 when it is
// absent or not a number.
func GetN(item map[string]types.AttributeValue, k string) int64 {
	if v, ok := item[k].(*types.AttributeValueMemberN); ok {
		n, _ := strconv.ParseInt(v.Value, 10, 64)
		return n
	}
	return 0
}

// Token returns n random bytes in hex: a ClientRequestToken (16 bytes), a
// marker's name, the random part of a holder id.
func Token(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails
	return hex.EncodeToString(b)
}
