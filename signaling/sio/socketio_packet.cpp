#include "signaling/sio/socketio_packet.h"

#include <array>

namespace signaling::sio {
namespace {

bool isDigit(char c) { return c >= '0' && c <= '9'; }

// Ack ids and attachment counts fit a JavaScript number exactly (< 2^53); 15 digits is plenty.
constexpr size_t kMaxDigits = 15;

bool payloadValid(SioPacketType type, const std::optional<nlohmann::json>& payload) {
  switch (type) {
    case SioPacketType::kConnect:
      return !payload || payload->is_object();
    case SioPacketType::kDisconnect:
      return !payload;
    case SioPacketType::kConnectError:
      return payload && (payload->is_string() || payload->is_object());
    case SioPacketType::kEvent:
    case SioPacketType::kBinaryEvent:
      return payload && payload->is_array() && !payload->empty() && (*payload)[0].is_string() &&
             !isReservedEventName((*payload)[0].get_ref<const std::string&>());
    case SioPacketType::kAck:
    case SioPacketType::kBinaryAck:
      return payload && payload->is_array();
  }
  return false;
}

}  // namespace

bool isReservedEventName(std::string_view name) {
  static constexpr std::array<std::string_view, 6> kReserved = {
      "connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"};
  for (auto r : kReserved) {
    if (r == name) return true;
  }
  return false;
}

SioDecodeResult decodeSioPacket(std::string_view text) {
  if (text.empty()) return {std::nullopt, SioDecodeError::kEmpty};
  if (!isDigit(text[0]) || text[0] > '6') return {std::nullopt, SioDecodeError::kUnknownType};
  SioPacket p;
  p.type = static_cast<SioPacketType>(text[0] - '0');
  size_t i = 1;

  if (p.type == SioPacketType::kBinaryEvent || p.type == SioPacketType::kBinaryAck) {
    const size_t start = i;
    while (i < text.size() && isDigit(text[i])) ++i;
    if (i == start || i - start > kMaxDigits || i >= text.size() || text[i] != '-') {
      return {std::nullopt, SioDecodeError::kBadAttachments};
    }
    p.attachments = static_cast<uint32_t>(std::stoul(std::string(text.substr(start, i - start))));
    if (p.attachments < 1) return {std::nullopt, SioDecodeError::kBadAttachments};
    ++i;  // '-'
  }

  if (i < text.size() && text[i] == '/') {
    const size_t comma = text.find(',', i);
    // Without a ',' the namespace runs to the end (e.g. "0/admin"), as in the reference parser.
    const size_t end = comma == std::string_view::npos ? text.size() : comma;
    p.nsp = std::string(text.substr(i, end - i));
    if (p.nsp.find_first_of("[{\"") != std::string::npos) {
      return {std::nullopt, SioDecodeError::kBadNamespace};
    }
    i = comma == std::string_view::npos ? text.size() : comma + 1;
  }

  if (i < text.size() && isDigit(text[i])) {
    const size_t start = i;
    while (i < text.size() && isDigit(text[i])) ++i;
    if (i - start > kMaxDigits) return {std::nullopt, SioDecodeError::kBadId};
    p.id = std::stoull(std::string(text.substr(start, i - start)));
  }

  if (i < text.size()) {
    auto parsed = parseJsonBounded(text.substr(i));
    if (parsed.is_discarded()) return {std::nullopt, SioDecodeError::kBadJson};
    p.data = std::move(parsed);
  }
  if (!payloadValid(p.type, p.data)) return {std::nullopt, SioDecodeError::kInvalidPayload};
  return {std::move(p), SioDecodeError::kNone};
}

nlohmann::json parseJsonBounded(std::string_view text, int max_depth) {
  bool too_deep = false;
  auto parsed = nlohmann::json::parse(
      text,
      [&](int depth, nlohmann::json::parse_event_t, nlohmann::json&) {
        if (depth > max_depth) too_deep = true;
        return !too_deep;  // stop building as soon as it is too deep (the parser is iterative)
      },
      /*allow_exceptions=*/false);
  if (too_deep) return nlohmann::json(nlohmann::json::value_t::discarded);
  return parsed;
}

std::string dumpJson(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string encodeSioPacket(const SioPacket& p) {
  std::string out;
  out.push_back(static_cast<char>('0' + static_cast<int>(p.type)));
  if (p.type == SioPacketType::kBinaryEvent || p.type == SioPacketType::kBinaryAck) {
    out += std::to_string(p.attachments);
    out.push_back('-');
  }
  if (!p.nsp.empty() && p.nsp != "/") {
    out += p.nsp;
    out.push_back(',');
  }
  if (p.id) out += std::to_string(*p.id);
  if (p.data) out += dumpJson(*p.data);
  return out;
}

std::string encodeSioConnect(std::string_view sid) {
  return encodeSioPacket(
      {SioPacketType::kConnect, "/", std::nullopt, nlohmann::json{{"sid", std::string(sid)}}, 0});
}

std::string encodeSioConnectError(std::string_view message, const nlohmann::json& data) {
  nlohmann::json body{{"message", std::string(message)}};
  if (!data.is_null()) body["data"] = data;
  return encodeSioPacket({SioPacketType::kConnectError, "/", std::nullopt, std::move(body), 0});
}

std::string encodeSioEvent(std::string_view event, const nlohmann::json& data) {
  return encodeSioPacket({SioPacketType::kEvent, "/", std::nullopt,
                          nlohmann::json::array({std::string(event), data}), 0});
}

std::string encodeSioAck(uint64_t id, const nlohmann::json& data) {
  return encodeSioPacket({SioPacketType::kAck, "/", id, nlohmann::json::array({data}), 0});
}

std::string encodeSioDisconnect() {
  return encodeSioPacket({SioPacketType::kDisconnect, "/", std::nullopt, std::nullopt, 0});
}

std::string_view toString(SioDecodeError error) {
  switch (error) {
    case SioDecodeError::kNone:
      return "none";
    case SioDecodeError::kEmpty:
      return "empty";
    case SioDecodeError::kUnknownType:
      return "unknown_type";
    case SioDecodeError::kBadAttachments:
      return "bad_attachments";
    case SioDecodeError::kBadNamespace:
      return "bad_namespace";
    case SioDecodeError::kBadId:
      return "bad_id";
    case SioDecodeError::kBadJson:
      return "bad_json";
    case SioDecodeError::kInvalidPayload:
      return "invalid_payload";
  }
  return "unknown";
}

}  // namespace signaling::sio
