package apigwtest

import (
	"sync"
	"time"
)

// maxCacheEntries bounds an authorizer cache.
const maxCacheEntries = 10000

// answerCache is an authorizer cache as API Gateway keeps one per
// authorizer: the whole answer per identity-source values, until its TTL
// ends. A Gateway caches REST answers, an HTTPGateway HTTP API ones.
type answerCache[A any] struct {
	mu      sync.Mutex
	entries map[string]cacheEntry[A]
}

type cacheEntry[A any] struct {
	answer  A
	expires time.Time
}

// get returns key's answer if it has not expired at now.
func (c *answerCache[A]) get(key string, now time.Time) (A, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, hit := c.entries[key]
	if hit && !now.Before(e.expires) {
		delete(c.entries, key)
		hit = false
	}
	return e.answer, hit
}

// store caches an answer, dropping expired ones, and everything, should
// the cache still be full.
func (c *answerCache[A]) store(key string, a A, now, expires time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil {
		c.entries = map[string]cacheEntry[A]{}
	}
	if len(c.entries) >= maxCacheEntries {
		for k, e := range c.entries {
			if !now.Before(e.expires) {
				delete(c.entries, k)
			}
		}
		if len(c.entries) >= maxCacheEntries {
			clear(c.entries)
		}
	}
	c.entries[key] = cacheEntry[A]{answer: a, expires: expires}
}

// flush empties the cache.
func (c *answerCache[A]) flush() {
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.entries)
}
