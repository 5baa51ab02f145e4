package pipeline

import (
	"context"
	"encoding/binary"
	"time"

	"github.com/caliperhq/caliper/llm"
)

// WithTTL makes cached answers expire ttl after they were stored (caliper.yaml
// cache.ttl). Each value is stored behind the time it was written; a value
// written without one counts as expired. A ttl of zero keeps answers forever.
func WithTTL(c llm.Cache, ttl time.Duration, now func() time.Time) llm.Cache {
	if c == nil || ttl <= 0 {
		return c
	}
	if now == nil {
		now = time.Now
	}
	return ttlCache{inner: c, ttl: ttl, now: now}
}

type ttlCache struct {
	inner llm.Cache
	ttl   time.Duration
	now   func() time.Time
}

// ttlMagic marks a value stored with its time.
const ttlMagic = "caliper-ttl1"

func (c ttlCache) Get(ctx context.Context, key string) ([]byte, bool, error) {
	v, ok, err := c.inner.Get(ctx, key)
	if err != nil || !ok {
		return nil, false, err
	}
	head := len(ttlMagic) + 8
	if len(v) < head || string(v[:len(ttlMagic)]) != ttlMagic {
		return nil, false, nil
	}
	written := time.Unix(0, int64(binary.BigEndian.Uint64(v[len(ttlMagic):head])))
	if c.now().Sub(written) > c.ttl {
		return nil, false, nil
	}
	return v[head:], true, nil
}

func (c ttlCache) Put(ctx context.Context, key string, value []byte) error {
	v := make([]byte, 0, len(ttlMagic)+8+len(value))
	v = append(v, ttlMagic...)
	v = binary.BigEndian.AppendUint64(v, uint64(c.now().UnixNano()))
	return c.inner.Put(ctx, key, append(v, value...))
}
