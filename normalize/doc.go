// Package normalize is the pure logic of normalizing one press item with
// the model: the prompt (BuildPrompt), the parsing and validation of the
// model's answer (ParseAnswer), the canonical reference lists the prompt
// carries and the answer is checked against (Canonical), and the record
// written for each item (Record: OK, Fallback or Failed).
//
// The items themselves, the event and the S3 keys are package item's;
// the distributed run that reads the items, calls the model and writes
// the records is package pipeline's. This package performs no I/O, keeps
// no global mutable state (the embedded default lists are read once) and
// takes time as an argument: every function is safe for concurrent use.
package normalize
