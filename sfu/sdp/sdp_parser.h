// SDP text → SessionDescription (RFC 8866 grammar, WebRTC attributes). Tolerant of "\n" vs
// "\r\n", blank lines and extra spaces; malformed input gives an error with a line number, never
// an exception. Unknown attributes are preserved; known ones that do not parse are errors.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "sfu/sdp/session_description.h"

namespace sfu::sdp {

enum class ParseErrorCode : uint8_t {
  kNone = 0,
  kTooLarge,        // input larger than kMaxSdpSize
  kBadLine,         // not "<letter>=<value>"
  kMissingVersion,  // first line is not v=
  kBadVersion,      // v= other than 0
  kBadOrigin,       // o= without its six fields
  kBadMediaLine,    // m= without kind, port, proto
  kBadAttribute,    // a known attribute with a malformed value
  kTooManyMedia,    // more than kMaxMediaSections m= lines
};
std::string_view toString(ParseErrorCode c);

inline constexpr size_t kMaxSdpSize = 512 * 1024;
inline constexpr size_t kMaxMediaSections = 512;

struct ParseError {
  ParseErrorCode code = ParseErrorCode::kNone;
  size_t line = 0;     // 1-based
  std::string detail;  // e.g. the attribute name
};

struct ParseResult {
  std::optional<SessionDescription> sdp;
  ParseError error;
  bool ok() const { return sdp.has_value(); }
};

ParseResult parse(std::string_view text);

}  // namespace sfu::sdp
