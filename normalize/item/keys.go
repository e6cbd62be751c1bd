package item

import (
	"fmt"
	"time"
)

// S3 key prefixes: raw items, records, and the overrides of the canonical
// lists in the config bucket.
const (
	IngestedPrefix   = "ingested/"
	NormalizedPrefix = "normalized/"
	CanonicalPrefix  = "canonical/"
)

// InputKey returns "ingested/<client_id>/<YYYY>/<MM>/<DD>/items.json", the
// raw items of one UTC day.
func InputKey(clientID string, day time.Time) (string, error) {
	prefix, err := dayPrefix(IngestedPrefix, clientID, day)
	if err != nil {
		return "", err
	}
	return prefix + "items.json", nil
}

// DayKey returns "normalized/<client_id>/<YYYY>/<MM>/<DD>/items.json", the
// normalized records of one UTC day.
func DayKey(clientID string, day time.Time) (string, error) {
	prefix, err := dayPrefix(NormalizedPrefix, clientID, day)
	if err != nil {
		return "", err
	}
	return prefix + "items.json", nil
}

// ItemKey returns
// "normalized/<client_id>/<YYYY>/<MM>/<DD>/items/<item_id>.json", the record
// of one item.
func ItemKey(clientID string, day time.Time, itemID string) (string, error) {
	prefix, err := ItemPrefix(clientID, day)
	if err != nil {
		return "", err
	}
	if err := CheckItemID(itemID); err != nil {
		return "", fmt.Errorf("%w: %w", ErrInvalidKey, err)
	}
	return prefix + itemID + ".json", nil
}

// ItemPrefix returns "normalized/<client_id>/<YYYY>/<MM>/<DD>/items/", under
// which ItemKey places the records of one day, for listing.
func ItemPrefix(clientID string, day time.Time) (string, error) {
	prefix, err := dayPrefix(NormalizedPrefix, clientID, day)
	if err != nil {
		return "", err
	}
	return prefix + "items/", nil
}

// dayPrefix validates the client id and the day (taken in UTC, years
// MinYear..9999) and returns "<root><client_id>/<YYYY>/<MM>/<DD>/".
func dayPrefix(root, clientID string, day time.Time) (string, error) {
	if err := CheckClientID(clientID); err != nil {
		return "", fmt.Errorf("%w: %w", ErrInvalidKey, err)
	}
	day = day.UTC()
	if day.Year() < MinYear || day.Year() > 9999 {
		return "", fmt.Errorf("%w: day %s is outside years %d-9999", ErrInvalidKey, day.Format(dateLayout), MinYear)
	}
	return root + clientID + day.Format("/2006/01/02/"), nil
}
