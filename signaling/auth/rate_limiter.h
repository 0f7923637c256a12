// Per-key token buckets: `rate` tokens per second refill up to `burst`; each request takes one.
// A refused request learns how long until a token is back (Retry-After). Memory is bounded: a key
// whose bucket has refilled completely carries no information and is dropped from the idle end,
// and past `max_keys` the least recently used key is evicted.
#pragma once

#include <chrono>
#include <cstddef>
#include <list>
#include <string>
#include <string_view>
#include <unordered_map>

namespace signaling::auth {

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  struct Options {
    double rate_per_s = 1.0;
    double burst = 5.0;
    size_t max_keys = 100000;
  };

  struct Decision {
    bool allowed = true;
    double retry_after_s = 0;  // > 0 when refused
    // Whole seconds for a Retry-After header (at least 1 when refused).
    int retryAfterSeconds() const;
  };

  // Presets of DESIGN.md: REST initiate 10/min burst 5; socket events 50/s burst 100.
  static Options initiatePreset() { return {10.0 / 60.0, 5.0, 100000}; }
  static Options socketEventPreset() { return {50.0, 100.0, 100000}; }

  explicit RateLimiter(Options options);

  Decision take(std::string_view key, Clock::time_point now, double cost = 1.0);
  void forget(std::string_view key);
  size_t size() const { return index_.size(); }

 private:
  struct Bucket {
    std::string key;
    double tokens;
    Clock::time_point last;
  };
  using List = std::list<Bucket>;  // most recently used at the front

  void sweep(Clock::time_point now);

  Options options_;
  List lru_;
  std::unordered_map<std::string_view, List::iterator> index_;  // views into lru_ keys
};

}  // namespace signaling::auth
