#include "signaling/auth/rate_limiter.h"

#include <algorithm>
#include <cmath>

namespace signaling::auth {

int RateLimiter::Decision::retryAfterSeconds() const {
  if (allowed) return 0;
  return std::max(1, static_cast<int>(std::ceil(retry_after_s)));
}

RateLimiter::RateLimiter(Options options) : options_(options) {
  if (options_.rate_per_s <= 0) options_.rate_per_s = 1e-9;
  if (options_.burst < 1) options_.burst = 1;
  if (options_.max_keys < 1) options_.max_keys = 1;
}

RateLimiter::Decision RateLimiter::take(std::string_view key, Clock::time_point now, double cost) {
  sweep(now);
  auto it = index_.find(key);
  List::iterator b;
  if (it == index_.end()) {
    if (index_.size() >= options_.max_keys) {
      index_.erase(std::string_view(lru_.back().key));
      lru_.pop_back();
    }
    lru_.push_front(Bucket{std::string(key), options_.burst, now});
    b = lru_.begin();
    index_.emplace(std::string_view(b->key), b);
  } else {
    b = it->second;
    lru_.splice(lru_.begin(), lru_, b);
    double elapsed = std::chrono::duration<double>(now - b->last).count();
    if (elapsed > 0) {
      b->tokens = std::min(options_.burst, b->tokens + elapsed * options_.rate_per_s);
      b->last = now;
    }
  }
  if (b->tokens + 1e-9 >= cost) {  // epsilon: refill arithmetic is not exact
    b->tokens = std::max(0.0, b->tokens - cost);
    return {true, 0};
  }
  return {false, (cost - b->tokens) / options_.rate_per_s};
}

void RateLimiter::forget(std::string_view key) {
  auto it = index_.find(key);
  if (it == index_.end()) return;
  auto b = it->second;
  index_.erase(it);
  lru_.erase(b);
}

void RateLimiter::sweep(Clock::time_point now) {
  // A bucket that would be full by now is the same as no bucket. Walk from the least recently used
  // end and stop at the first one still in debt: amortized O(1) per take.
  while (!lru_.empty()) {
    const Bucket& b = lru_.back();
    double elapsed = std::chrono::duration<double>(now - b.last).count();
    if (b.tokens + elapsed * options_.rate_per_s < options_.burst) break;
    index_.erase(std::string_view(b.key));
    lru_.pop_back();
  }
}

}  // namespace signaling::auth
