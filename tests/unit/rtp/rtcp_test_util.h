// Helpers for the RTCP tests: hex byte literals and parse-as-type through the common header.
#pragma once

#include <cctype>
#include <cstdint>
#include <string_view>
#include <vector>

#include "rtp/rtcp/common_header.h"
#include "rtp/rtcp/parse_result.h"

namespace rtp::rtcp::testing {

using Bytes = std::vector<uint8_t>;

// "80 c8 00 06" or "80c80006": whitespace ignored, two hex digits per byte.
inline Bytes hex(std::string_view text) {
  Bytes out;
  int high = -1;
  for (char c : text) {
    if (std::isspace(static_cast<unsigned char>(c))) continue;
    const int v = std::isdigit(static_cast<unsigned char>(c))
                      ? c - '0'
                      : std::tolower(static_cast<unsigned char>(c)) - 'a' + 10;
    if (high < 0) {
      high = v;
    } else {
      out.push_back(static_cast<uint8_t>(high * 16 + v));
      high = -1;
    }
  }
  return out;
}

inline Bytes concat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto& part : parts) out.insert(out.end(), part.begin(), part.end());
  return out;
}

// Drops the last n bytes.
inline Bytes cut(Bytes bytes, size_t n) {
  bytes.resize(bytes.size() - n);
  return bytes;
}

// Parses `bytes` as one packet, then as View.
template <typename View>
ParseResult<View> parseAs(const Bytes& bytes) {
  auto packet = parsePacket(bytes);
  if (!packet) return packet.error();
  if (packet->packet.size() != bytes.size()) return ParseError::kBadLength;  // trailing bytes
  return View::parse(*packet);
}
// Views point into the bytes: parsing a temporary would dangle.
template <typename View>
ParseResult<View> parseAs(Bytes&& bytes) = delete;

// Encodes a message description into a fresh buffer (size() bytes).
template <typename Message>
Bytes build(const Message& message) {
  Bytes out(message.size());
  if (!out.empty()) message.write(out.data());
  return out;
}

}  // namespace rtp::rtcp::testing
