#include "signaling/sio/engineio_packet.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace signaling::sio {
namespace {

struct PacketCase {
  std::string name;
  std::string bytes;
  std::optional<EnginePacket> want;
  EngineDecodeError error;
};

TEST(EngineIoPacket, DecodeTable) {
  const std::vector<PacketCase> cases = {
      {"open", "0{\"sid\":\"a\"}", EnginePacket{EnginePacketType::kOpen, "{\"sid\":\"a\"}"},
       EngineDecodeError::kNone},
      {"close", "1", EnginePacket{EnginePacketType::kClose, ""}, EngineDecodeError::kNone},
      {"ping", "2", EnginePacket{EnginePacketType::kPing, ""}, EngineDecodeError::kNone},
      {"probe", "2probe", EnginePacket{EnginePacketType::kPing, "probe"}, EngineDecodeError::kNone},
      {"pong", "3", EnginePacket{EnginePacketType::kPong, ""}, EngineDecodeError::kNone},
      {"message", "4hello", EnginePacket{EnginePacketType::kMessage, "hello"},
       EngineDecodeError::kNone},
      {"message utf8", "4h\xc3\xa9", EnginePacket{EnginePacketType::kMessage, "h\xc3\xa9"},
       EngineDecodeError::kNone},
      {"upgrade", "5", EnginePacket{EnginePacketType::kUpgrade, ""}, EngineDecodeError::kNone},
      {"noop", "6", EnginePacket{EnginePacketType::kNoop, ""}, EngineDecodeError::kNone},
      {"binary", "bAQID", EnginePacket{EnginePacketType::kMessage, "AQID", true},
       EngineDecodeError::kNone},
      {"empty", "", std::nullopt, EngineDecodeError::kEmpty},
      {"type 7", "7", std::nullopt, EngineDecodeError::kUnknownType},
      {"letter", "x4", std::nullopt, EngineDecodeError::kUnknownType},
      {"separator only", "\x1e", std::nullopt, EngineDecodeError::kUnknownType},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto got = decodeEnginePacket(c.bytes);
    EXPECT_EQ(got.packet, c.want);
    EXPECT_EQ(got.error, c.error);
    if (got.packet && !got.packet->binary) {
      EXPECT_EQ(encodeEnginePacket(got.packet->type, got.packet->data), c.bytes);  // round trip
    }
  }
}

struct PayloadCase {
  std::string name;
  std::string bytes;
  std::vector<EnginePacket> want;
  EngineDecodeError error;
};

TEST(EngineIoPacket, PayloadTable) {
  using T = EnginePacketType;
  const std::vector<PayloadCase> cases = {
      {"single", "4hello", {{T::kMessage, "hello"}}, EngineDecodeError::kNone},
      {"two",
       "4hello\x1e"
       "2",
       {{T::kMessage, "hello"}, {T::kPing, ""}},
       EngineDecodeError::kNone},
      {"three with json",
       "40{\"token\":\"x\"}\x1e"
       "3\x1e"
       "42[\"a\",1]",
       {{T::kMessage, "0{\"token\":\"x\"}"}, {T::kPong, ""}, {T::kMessage, "2[\"a\",1]"}},
       EngineDecodeError::kNone},
      {"binary inside",
       "4a\x1e"
       "bAQ==",
       {{T::kMessage, "a"}, {T::kMessage, "AQ==", true}},
       EngineDecodeError::kNone},
      {"empty body", "", {}, EngineDecodeError::kEmpty},
      {"trailing separator", "4a\x1e", {}, EngineDecodeError::kEmpty},
      {"double separator",
       "4a\x1e\x1e"
       "4b",
       {},
       EngineDecodeError::kEmpty},
      {"bad record",
       "4a\x1e"
       "9",
       {},
       EngineDecodeError::kUnknownType},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto got = decodeEnginePayload(c.bytes);
    EXPECT_EQ(got.error, c.error);
    if (c.error == EngineDecodeError::kNone) {
      ASSERT_TRUE(got.packets);
      EXPECT_EQ(*got.packets, c.want);
      bool any_binary = false;
      std::vector<std::string> encoded;
      for (const auto& p : *got.packets) {
        any_binary |= p.binary;
        encoded.push_back(encodeEnginePacket(p.type, p.data));
      }
      if (!any_binary) {
        EXPECT_EQ(encodeEnginePayload(encoded), c.bytes);
      }
    } else {
      EXPECT_FALSE(got.packets);
    }
  }
}

TEST(EngineIoPacket, PayloadPacketLimit) {
  std::string body = "6";
  for (int i = 0; i < 10; ++i)
    body +=
        "\x1e"
        "6";
  EXPECT_TRUE(decodeEnginePayload(body, 11).packets);
  EXPECT_EQ(decodeEnginePayload(body, 10).error, EngineDecodeError::kTooManyPackets);
}

TEST(EngineIoPacket, OpenPacket) {
  EngineOpenInfo info;
  info.sid = "abc";
  info.upgrades = {"websocket"};
  const std::string open = encodeEngineOpen(info);
  ASSERT_EQ(open[0], '0');
  EXPECT_EQ(open,
            "0{\"sid\":\"abc\",\"upgrades\":[\"websocket\"],\"pingInterval\":25000,"
            "\"pingTimeout\":20000,\"maxPayload\":1000000}");
  auto json = nlohmann::json::parse(open.substr(1));
  EXPECT_EQ(json["pingInterval"], 25000);
}

}  // namespace
}  // namespace signaling::sio
