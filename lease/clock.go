package lease

import "time"

// micros converts t to microseconds since the Unix epoch, the unit of every
// instant stored in the table.
func micros(t time.Time) int64 { return t.UnixMicro() }

// fromMicros is the inverse of micros.
func fromMicros(us int64) time.Time { return time.UnixMicro(us) }
