package datasets

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
)

// HashID returns the id of a case whose row gives none: the first 16 hex digits
// of the SHA-256 of the input's canonical JSON (encoding/json, which sorts map
// keys). The same input has the same id across runs and file formats, as long
// as it is normalised to JSON types first, as rows are.
func HashID(input any) (string, error) {
	b, err := json.Marshal(input)
	if err != nil {
		return "", fmt.Errorf("hashing the input into a case id: %w", err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8]), nil
}

// idString formats an explicit id: a string as it is, a number in plain
// decimal without an exponent (12, 1.5, 10000000000000000000). ok is false for
// an empty id, which means "no id". Other types are an error.
func idString(v any) (id string, ok bool, err error) {
	switch x := v.(type) {
	case nil:
		return "", false, nil
	case string:
		return x, x != "", nil
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return "", false, fmt.Errorf("id %v is not a usable number", x)
		}
		return strconv.FormatFloat(x, 'f', -1, 64), true, nil
	}
	return "", false, fmt.Errorf("id must be a string or a number, not %s", jsonType(v))
}

// jsonType names the JSON type of a normalised value, for messages.
func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case float64:
		return "a number"
	case bool:
		return "a boolean"
	case []any:
		return "a list"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}
