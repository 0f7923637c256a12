// Result of parsing peer-supplied RTCP bytes: a value or a reason. Wire input never throws; every
// reason has a stable enum value so the media path can count drops per reason.
#pragma once

#include <cstdint>
#include <optional>
#include <utility>

namespace rtp::rtcp {

enum class ParseError : uint8_t {
  kTruncated,       // fewer bytes than the header or a length field promises
  kBadVersion,      // V != 2 (RFC 3550 §6.4.1)
  kBadLength,       // length field inconsistent with the payload it describes
  kBadPadding,      // P set but padding count is 0 or larger than the packet body
  kPaddingNotLast,  // P set on a packet that is not the last of a compound (RFC 3550 §6.4.1)
  kWrongType,       // packet type / FMT does not match the parser it was handed to
  kBadCount,        // count field disagrees with the items present
  kBadItem,         // malformed SDES item, BYE reason or XR block
  kBadIdentifier,   // APP name / REMB unique identifier mismatch
  kBadChunk,        // TWCC chunk invalid (zero run, reserved symbol, missing delta bytes)
  kCount,           // number of reasons (array size for per-reason counters)
};

const char* toString(ParseError error);

// A value or a ParseError; a small stand-in for std::expected (not in C++20).
template <typename T>
class ParseResult {
 public:
  ParseResult(T value) : value_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  ParseResult(ParseError error) : error_(error) {}    // NOLINT(google-explicit-constructor)

  bool ok() const { return value_.has_value(); }
  explicit operator bool() const { return ok(); }
  ParseError error() const { return error_; }

  const T& value() const { return *value_; }
  const T& operator*() const { return *value_; }
  const T* operator->() const { return &*value_; }

 private:
  std::optional<T> value_;
  ParseError error_ = ParseError::kCount;
};

}  // namespace rtp::rtcp
