#include "signaling/sio/engineio_packet.h"

#include <nlohmann/json.hpp>

namespace signaling::sio {

EngineDecodeResult decodeEnginePacket(std::string_view text) {
  if (text.empty()) return {std::nullopt, EngineDecodeError::kEmpty};
  const char head = text.front();
  // Engine.IO v4 "Payload": a binary packet in a polling body is 'b' followed by base64.
  if (head == 'b') {
    return {EnginePacket{EnginePacketType::kMessage, std::string(text.substr(1)), true},
            EngineDecodeError::kNone};
  }
  if (head < '0' || head > '6') return {std::nullopt, EngineDecodeError::kUnknownType};
  return {
      EnginePacket{static_cast<EnginePacketType>(head - '0'), std::string(text.substr(1)), false},
      EngineDecodeError::kNone};
}

EnginePayloadResult decodeEnginePayload(std::string_view body, size_t max_packets) {
  std::vector<EnginePacket> packets;
  size_t start = 0;
  while (true) {
    const size_t end = body.find(kRecordSeparator, start);
    const std::string_view record =
        body.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    if (packets.size() == max_packets) return {std::nullopt, EngineDecodeError::kTooManyPackets};
    auto one = decodeEnginePacket(record);
    if (!one.packet) return {std::nullopt, one.error};
    packets.push_back(std::move(*one.packet));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return {std::move(packets), EngineDecodeError::kNone};
}

std::string encodeEnginePacket(EnginePacketType type, std::string_view data) {
  std::string out;
  out.reserve(1 + data.size());
  out.push_back(static_cast<char>('0' + static_cast<int>(type)));
  out.append(data);
  return out;
}

std::string encodeEnginePayload(const std::vector<std::string>& encoded_packets) {
  size_t total = 0;
  for (const auto& p : encoded_packets) total += p.size() + 1;
  std::string out;
  out.reserve(total);
  for (size_t i = 0; i < encoded_packets.size(); ++i) {
    if (i) out.push_back(kRecordSeparator);
    out.append(encoded_packets[i]);
  }
  return out;
}

std::string encodeEngineOpen(const EngineOpenInfo& info) {
  // Key order as the reference server sends it; clients do not depend on it.
  nlohmann::ordered_json open;
  open["sid"] = info.sid;
  open["upgrades"] = info.upgrades;
  open["pingInterval"] = info.ping_interval_ms;
  open["pingTimeout"] = info.ping_timeout_ms;
  open["maxPayload"] = info.max_payload;
  return encodeEnginePacket(EnginePacketType::kOpen, open.dump());
}

std::string_view toString(EngineDecodeError error) {
  switch (error) {
    case EngineDecodeError::kNone:
      return "none";
    case EngineDecodeError::kEmpty:
      return "empty";
    case EngineDecodeError::kUnknownType:
      return "unknown_type";
    case EngineDecodeError::kTooManyPackets:
      return "too_many_packets";
  }
  return "unknown";
}

}  // namespace signaling::sio
