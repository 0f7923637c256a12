// Engine.IO v4 packets and payloads (https://socket.io/docs/v4/engine-io-protocol/).
//
// A packet is one ASCII type digit followed by its data:
//
//   +------+----------------------+
//   | type | data (UTF-8 text)    |      e.g. "4hello", "2", "2probe", "0{...open json...}"
//   +------+----------------------+
//
// Over HTTP long-polling several packets travel in one body, separated by the record separator
// 0x1e ("Payload" in the protocol text). A binary packet in a polling payload is "b" + base64; over
// WebSocket it is a binary frame. This server never sends binary and drops what it receives.
// Pure: no I/O. Decoding never throws.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace signaling::sio {

enum class EnginePacketType : uint8_t {
  kOpen = 0,
  kClose = 1,
  kPing = 2,
  kPong = 3,
  kMessage = 4,
  kUpgrade = 5,
  kNoop = 6,
};

struct EnginePacket {
  EnginePacketType type = EnginePacketType::kNoop;
  std::string data;     // text after the type digit (base64 text for binary packets)
  bool binary = false;  // "b..." in a polling payload, or a WebSocket binary frame

  bool operator==(const EnginePacket&) const = default;
};

enum class EngineDecodeError : uint8_t {
  kNone,
  kEmpty,        // zero-length packet
  kUnknownType,  // first character is not 0..6 (or 'b')
  kTooManyPackets,
};

struct EngineDecodeResult {
  std::optional<EnginePacket> packet;
  EngineDecodeError error = EngineDecodeError::kNone;
};

struct EnginePayloadResult {
  std::optional<std::vector<EnginePacket>> packets;
  EngineDecodeError error = EngineDecodeError::kNone;
};

inline constexpr char kRecordSeparator = '\x1e';

// One packet: a WebSocket text frame, or one record of a polling payload.
EngineDecodeResult decodeEnginePacket(std::string_view text);

// A polling request body: records separated by 0x1e. Fails as a whole on any bad record.
EnginePayloadResult decodeEnginePayload(std::string_view body, size_t max_packets = 1024);

std::string encodeEnginePacket(EnginePacketType type, std::string_view data = {});

// Joins already encoded packets with the record separator.
std::string encodeEnginePayload(const std::vector<std::string>& encoded_packets);

struct EngineOpenInfo {
  std::string sid;
  std::vector<std::string> upgrades;
  uint32_t ping_interval_ms = 25000;
  uint32_t ping_timeout_ms = 20000;
  uint32_t max_payload = 1000000;
};

// "0{"sid":...,"upgrades":[...],"pingInterval":...,"pingTimeout":...,"maxPayload":...}"
std::string encodeEngineOpen(const EngineOpenInfo& info);

std::string_view toString(EngineDecodeError error);

}  // namespace signaling::sio
