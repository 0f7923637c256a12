#include "signaling/sio/socketio_packet.h"

#include <gtest/gtest.h>

namespace signaling::sio {
namespace {

using nlohmann::json;
using T = SioPacketType;

struct Case {
  std::string name;
  std::string bytes;
  std::optional<SioPacket> want;
  SioDecodeError error;
};

TEST(SocketIoPacket, DecodeTable) {
  const std::vector<Case> cases = {
      {"connect", "0", SioPacket{T::kConnect, "/", std::nullopt, std::nullopt, 0},
       SioDecodeError::kNone},
      {"connect with auth", "0{\"token\":\"abc\"}",
       SioPacket{T::kConnect, "/", std::nullopt, json{{"token", "abc"}}, 0}, SioDecodeError::kNone},
      {"connect namespace", "0/admin,",
       SioPacket{T::kConnect, "/admin", std::nullopt, std::nullopt, 0}, SioDecodeError::kNone},
      {"connect namespace auth", "0/admin,{\"token\":\"t\"}",
       SioPacket{T::kConnect, "/admin", std::nullopt, json{{"token", "t"}}, 0},
       SioDecodeError::kNone},
      {"connect reply", "0{\"sid\":\"s1\"}",
       SioPacket{T::kConnect, "/", std::nullopt, json{{"sid", "s1"}}, 0}, SioDecodeError::kNone},
      {"disconnect", "1", SioPacket{T::kDisconnect, "/", std::nullopt, std::nullopt, 0},
       SioDecodeError::kNone},
      {"event", "2[\"hello\",{\"a\":1}]",
       SioPacket{T::kEvent, "/", std::nullopt, json::array({"hello", {{"a", 1}}}), 0},
       SioDecodeError::kNone},
      {"event no args", "2[\"ping_me\"]",
       SioPacket{T::kEvent, "/", std::nullopt, json::array({"ping_me"}), 0}, SioDecodeError::kNone},
      {"event with ack id", "212[\"ask\",1]",
       SioPacket{T::kEvent, "/", 12, json::array({"ask", 1}), 0}, SioDecodeError::kNone},
      {"event namespace ack", "2/chat,7[\"x\"]",
       SioPacket{T::kEvent, "/chat", 7, json::array({"x"}), 0}, SioDecodeError::kNone},
      {"ack", "312[{\"ok\":true}]", SioPacket{T::kAck, "/", 12, json::array({{{"ok", true}}}), 0},
       SioDecodeError::kNone},
      {"ack empty", "30[]", SioPacket{T::kAck, "/", 0, json::array(), 0}, SioDecodeError::kNone},
      {"connect error", "4{\"message\":\"bad\"}",
       SioPacket{T::kConnectError, "/", std::nullopt, json{{"message", "bad"}}, 0},
       SioDecodeError::kNone},
      {"binary event", "51-[\"up\",{\"_placeholder\":true,\"num\":0}]",
       SioPacket{T::kBinaryEvent, "/", std::nullopt,
                 json::array({"up", {{"_placeholder", true}, {"num", 0}}}), 1},
       SioDecodeError::kNone},
      {"binary ack", "62-3[]", SioPacket{T::kBinaryAck, "/", 3, json::array(), 2},
       SioDecodeError::kNone},
      // malformed
      {"empty", "", std::nullopt, SioDecodeError::kEmpty},
      {"type 7", "7[]", std::nullopt, SioDecodeError::kUnknownType},
      {"letter", "x", std::nullopt, SioDecodeError::kUnknownType},
      {"bad json", "2[\"a\",", std::nullopt, SioDecodeError::kBadJson},
      {"trailing garbage", "2[\"a\"]x", std::nullopt, SioDecodeError::kBadJson},
      {"event not array", "2{\"a\":1}", std::nullopt, SioDecodeError::kInvalidPayload},
      {"event empty array", "2[]", std::nullopt, SioDecodeError::kInvalidPayload},
      {"event name number", "2[1,2]", std::nullopt, SioDecodeError::kInvalidPayload},
      {"event reserved name", "2[\"disconnect\"]", std::nullopt, SioDecodeError::kInvalidPayload},
      {"event without payload", "2", std::nullopt, SioDecodeError::kInvalidPayload},
      {"connect array", "0[1]", std::nullopt, SioDecodeError::kInvalidPayload},
      {"disconnect payload", "1{}", std::nullopt, SioDecodeError::kInvalidPayload},
      {"ack object", "31{}", std::nullopt, SioDecodeError::kInvalidPayload},
      {"connect error number", "41", std::nullopt, SioDecodeError::kInvalidPayload},
      {"binary no dash", "51[\"a\"]", std::nullopt, SioDecodeError::kBadAttachments},
      {"binary zero", "50-[\"a\"]", std::nullopt, SioDecodeError::kBadAttachments},
      {"binary no count", "5-[\"a\"]", std::nullopt, SioDecodeError::kBadAttachments},
      {"huge ack id", "21234567890123456[\"a\"]", std::nullopt, SioDecodeError::kBadId},
      {"namespace with json", "0/a{\"b\":1}", std::nullopt, SioDecodeError::kBadNamespace},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto got = decodeSioPacket(c.bytes);
    EXPECT_EQ(got.error, c.error);
    EXPECT_EQ(got.packet, c.want);
    if (got.packet) {
      // Round trip: a valid packet encodes back to the same bytes (modulo "0/admin," forms,
      // which encode identically here).
      EXPECT_EQ(encodeSioPacket(*got.packet), c.bytes);
    }
  }
}

TEST(SocketIoPacket, ServerBuilders) {
  EXPECT_EQ(encodeSioConnect("abc"), "0{\"sid\":\"abc\"}");
  EXPECT_EQ(encodeSioConnectError("Invalid token"), "4{\"message\":\"Invalid token\"}");
  EXPECT_EQ(encodeSioConnectError("no", json{{"code", "unauthorized"}}),
            "4{\"data\":{\"code\":\"unauthorized\"},\"message\":\"no\"}");
  EXPECT_EQ(encodeSioEvent("authenticated", json{{"user_id", "u1"}}),
            "2[\"authenticated\",{\"user_id\":\"u1\"}]");
  EXPECT_EQ(encodeSioEvent("e", nullptr), "2[\"e\",null]");
  EXPECT_EQ(encodeSioAck(5, json{{"success", true}}), "35[{\"success\":true}]");
  EXPECT_EQ(encodeSioDisconnect(), "1");
}

TEST(SocketIoPacket, InvalidUtf8IsReplacedNotThrown) {
  const json data = std::string("a\xff");
  EXPECT_NO_THROW({
    auto text = encodeSioEvent("x", data);
    EXPECT_NE(text.find("\xef\xbf\xbd"), std::string::npos);
  });
}

TEST(SocketIoPacket, DeepNestingIsRefused) {
  auto nested = [](int depth) {
    return "2[\"x\"," + std::string(depth, '[') + std::string(depth, ']') + "]";
  };
  EXPECT_TRUE(decodeSioPacket(nested(kMaxJsonDepth - 2)).packet);
  EXPECT_EQ(decodeSioPacket(nested(kMaxJsonDepth + 1)).error, SioDecodeError::kBadJson);
  EXPECT_EQ(decodeSioPacket(nested(500000)).error, SioDecodeError::kBadJson);
  EXPECT_TRUE(parseJsonBounded("{\"a\":{\"b\":[1,2,{\"c\":null}]}}") ==
              nlohmann::json::parse("{\"a\":{\"b\":[1,2,{\"c\":null}]}}"));
  EXPECT_TRUE(parseJsonBounded("[1,").is_discarded());
}

TEST(SocketIoPacket, ReservedNames) {
  EXPECT_TRUE(isReservedEventName("connect"));
  EXPECT_TRUE(isReservedEventName("removeListener"));
  EXPECT_FALSE(isReservedEventName("error"));
  EXPECT_FALSE(isReservedEventName("webrtc_offer"));
}

}  // namespace
}  // namespace signaling::sio
