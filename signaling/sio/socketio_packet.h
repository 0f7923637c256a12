// Socket.IO v5 packets (https://socket.io/docs/v4/socket-io-protocol/), carried in Engine.IO
// message packets. The text form:
//
//   <type>[<attachments>-][<namespace>,][<ack id>][<JSON payload>]
//
//   type         one digit 0..6 (CONNECT, DISCONNECT, EVENT, ACK, CONNECT_ERROR, BINARY_EVENT,
//                BINARY_ACK)
//   attachments  only for the binary types: decimal count then '-'
//   namespace    only when not "/": starts with '/', ends with ','
//   ack id       decimal digits (EVENT and ACK)
//   payload      CONNECT: object or none; DISCONNECT: none; EVENT: non-empty array whose first
//                element is the event name (not a reserved name); ACK: array;
//                CONNECT_ERROR: object or string
//
// e.g. "0{"token":"x"}", "40{"sid":"..."}" (inside Engine.IO: "40..."), "2["chat",{"a":1}]",
// "212["ask",1]" (ack id 12), "312[{"ok":true}]", "4{"message":"bad token"}".
// Pure: no I/O. Decoding never throws.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace signaling::sio {

enum class SioPacketType : uint8_t {
  kConnect = 0,
  kDisconnect = 1,
  kEvent = 2,
  kAck = 3,
  kConnectError = 4,
  kBinaryEvent = 5,
  kBinaryAck = 6,
};

struct SioPacket {
  SioPacketType type = SioPacketType::kEvent;
  std::string nsp = "/";
  std::optional<uint64_t> id;
  std::optional<nlohmann::json> data;  // absent when the packet carries no payload
  uint32_t attachments = 0;            // binary types only

  bool operator==(const SioPacket&) const = default;
};

enum class SioDecodeError : uint8_t {
  kNone,
  kEmpty,
  kUnknownType,
  kBadAttachments,
  kBadNamespace,
  kBadId,
  kBadJson,
  kInvalidPayload,  // well-formed JSON of the wrong shape for the packet type
};

struct SioDecodeResult {
  std::optional<SioPacket> packet;
  SioDecodeError error = SioDecodeError::kNone;
};

SioDecodeResult decodeSioPacket(std::string_view text);

// Serialises a packet (the inverse of decodeSioPacket for valid packets).
std::string encodeSioPacket(const SioPacket& packet);

// Convenience builders for the packets the server sends (namespace "/").
std::string encodeSioConnect(std::string_view sid);
std::string encodeSioConnectError(std::string_view message, const nlohmann::json& data = nullptr);
std::string encodeSioEvent(std::string_view event, const nlohmann::json& data);
std::string encodeSioAck(uint64_t id, const nlohmann::json& data);
std::string encodeSioDisconnect();

// JSON text without throwing on invalid UTF-8 (replaced by U+FFFD).
std::string dumpJson(const nlohmann::json& value);

// Peer JSON is nested at most this deep: serialising and comparing JSON recurse, so a 1 MB
// "[[[[...]]]]" must never get into the server.
inline constexpr int kMaxJsonDepth = 64;

// Parses JSON from a peer without throwing: a discarded value (is_discarded()) when the text is
// not JSON or nests deeper than max_depth.
nlohmann::json parseJsonBounded(std::string_view text, int max_depth = kMaxJsonDepth);

// Event names a client may not use (the reference parser refuses them too).
bool isReservedEventName(std::string_view name);

std::string_view toString(SioDecodeError error);

}  // namespace signaling::sio
