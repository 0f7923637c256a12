// Data Channel Establishment Protocol (RFC 8832) messages and the WebRTC SCTP payload protocol
// identifiers (RFC 8831 §8, RFC 8832 §8.1). Pure parse/build over byte spans.
//
// DATA_CHANNEL_OPEN (RFC 8832 §5.1):
//   0                   1                   2                   3
//   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |  Message Type |  Channel Type |            Priority           |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |                    Reliability Parameter                      |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |         Label Length          |       Protocol Length         |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  \                             Label                             /
//  \                            Protocol                           /
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// DATA_CHANNEL_ACK (RFC 8832 §5.2): a single byte, Message Type 0x02.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sfu::sctp {

// SCTP PPIDs (RFC 8831 §8, RFC 8832 §8.1).
enum class Ppid : uint32_t {
  kDcep = 50,
  kString = 51,
  kBinaryPartialDeprecated = 52,
  kBinary = 53,
  kStringPartialDeprecated = 54,
  kStringEmpty = 56,  // an empty string message, sent as one 0x00 byte (RFC 8831 §6.6)
  kBinaryEmpty = 57,  // an empty binary message, sent as one 0x00 byte
};

enum class DcepMessageType : uint8_t { kAck = 0x02, kOpen = 0x03 };

// RFC 8832 §5.1 channel types (0x80 bit = unordered).
enum class ChannelType : uint8_t {
  kReliable = 0x00,
  kReliableUnordered = 0x80,
  kPartialReliableRexmit = 0x01,
  kPartialReliableRexmitUnordered = 0x81,
  kPartialReliableTimed = 0x02,
  kPartialReliableTimedUnordered = 0x82,
};

constexpr bool isUnordered(ChannelType type) { return (static_cast<uint8_t>(type) & 0x80) != 0; }

struct DcepOpen {
  ChannelType channelType = ChannelType::kReliable;
  uint16_t priority = 0;
  uint32_t reliabilityParameter = 0;  // max retransmits or lifetime (ms); 0 for reliable
  std::string label;
  std::string protocol;
};

enum class DcepError : uint8_t {
  kEmpty,
  kUnknownMessageType,
  kTruncatedHeader,  // OPEN shorter than its 12-byte fixed part
  kBadLength,        // label/protocol lengths exceed the message
  kUnknownChannelType,
  kTrailingBytes,  // ACK longer than 1 byte
};

std::string_view dcepErrorName(DcepError error);

struct DcepParseResult {
  std::optional<DcepMessageType> type;  // set on success
  DcepOpen open;                        // for kOpen
  DcepError error = DcepError::kEmpty;  // meaningful when !type
};

DcepParseResult parseDcep(std::span<const uint8_t> message);
std::vector<uint8_t> buildDcepOpen(const DcepOpen& open);
std::vector<uint8_t> buildDcepAck();

}  // namespace sfu::sctp
