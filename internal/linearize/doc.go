// Package linearize checks that a history of lease operations, as the
// DynamoDB table saw them, is linearizable against a sequential model of a
// scope: at most N live holders, fences strictly increasing, an entry
// renewed only by its own acquisition and never moved back, removed by a
// peer only once expired, and a guarded write (lease.Transact) applied only
// while its holder's entry is current.
//
// A History wraps each contender's lease.DynamoDB (Client): every request
// the lease makes on a scope record — acquisition, heartbeat renewal,
// release, the head item of a Transact — is recorded with its call and
// return instants and its outcome. A request whose outcome is unknown (an
// answer lost, a 500 after the write was applied, a client that gave up on
// a request stalled in the network) is recorded as Unknown and, unless the
// history is given a bound on how late a request can land, with an
// infinite return time: it may take effect at any later point, or never.
// Requests DynamoDB answered without applying anything (conflicts,
// throttling, a caller's item refused) are left out.
//
// The check is github.com/anishathalye/porcupine, the usual Go
// linearizability checker (the one MIT 6.824 and etcd-style tests use); a
// history that fails can be written as porcupine's HTML visualisation.
//
// History is safe for concurrent use; the model is pure.
package linearize
