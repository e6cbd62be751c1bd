package faultproxy

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"strings"
)

// keyAttributes are the key attributes of the tables the proxy stands in
// front of, used to name the item a Put writes (the project's tables key
// on pk and sk).
var keyAttributes = []string{"pk", "sk"}

// request is what the proxy reads from a request's JSON body.
type request struct {
	TableName          string
	Key                map[string]json.RawMessage
	Item               map[string]json.RawMessage
	ClientRequestToken string
	TransactItems      []struct {
		Put                            *keyed
		Update, Delete, ConditionCheck *keyed
	}
}

// keyed is one item of a request: a Put's Item or the others' Key.
type keyed struct {
	TableName string
	Key, Item map[string]json.RawMessage
}

// parse reads body; a body it cannot read gives an empty request (the
// upstream then answers it).
func parse(body []byte) request {
	var r request
	_ = json.Unmarshal(body, &r)
	return r
}

// items returns the names of the items r touches, in request order (one
// per transaction item for a TransactWriteItems).
func (r request) items() []string {
	if len(r.TransactItems) == 0 {
		if r.TableName == "" {
			return nil
		}
		return []string{itemName(keyed{TableName: r.TableName, Key: r.Key, Item: r.Item})}
	}
	names := make([]string, 0, len(r.TransactItems))
	for _, ti := range r.TransactItems {
		for _, k := range []*keyed{ti.Put, ti.Update, ti.Delete, ti.ConditionCheck} {
			if k != nil {
				names = append(names, itemName(*k))
			}
		}
	}
	return names
}

// itemName names an item by its table and key attributes.
func itemName(k keyed) string {
	attrs := k.Key
	if attrs == nil {
		attrs = k.Item
	}
	var b strings.Builder
	b.WriteString(k.TableName)
	for _, a := range keyAttributes {
		b.WriteByte('|')
		b.Write(attrs[a])
	}
	return b.String()
}

// fingerprint hashes body without its ClientRequestToken, in a canonical
// form: the SDK serializes maps in random order, so two sends of the same
// input differ byte for byte.
func fingerprint(body []byte) [32]byte {
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	var v map[string]any
	if err := d.Decode(&v); err != nil {
		return sha256.Sum256(body)
	}
	delete(v, "ClientRequestToken")
	b, _ := json.Marshal(v) // encoding/json sorts map keys
	return sha256.Sum256(b)
}
