#include "sfu/net/demux.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sfu::net {
namespace {

std::vector<uint8_t> bytes(std::initializer_list<int> head, size_t size) {
  std::vector<uint8_t> out(size, 0);
  size_t i = 0;
  for (int b : head) {
    if (i < size) out[i++] = static_cast<uint8_t>(b);
  }
  return out;
}

TEST(DemuxTest, FirstByteRanges) {
  // RFC 7983 §7 boundaries, every value 0..255.
  for (int b = 0; b < 256; ++b) {
    FirstByteClass want = FirstByteClass::kUnknown;
    if (b <= 3)
      want = FirstByteClass::kStun;
    else if (b >= 16 && b <= 19)
      want = FirstByteClass::kZrtp;
    else if (b >= 20 && b <= 63)
      want = FirstByteClass::kDtls;
    else if (b >= 64 && b <= 79)
      want = FirstByteClass::kTurnChannel;
    else if (b >= 128 && b <= 191)
      want = FirstByteClass::kRtpRtcp;
    EXPECT_EQ(classifyFirstByte(static_cast<uint8_t>(b)), want) << "byte " << b;
  }
}

TEST(DemuxTest, Table) {
  struct Case {
    std::string name;
    std::vector<uint8_t> bytes;
    PacketKind want;
    DropReason reason;
  };
  const std::vector<Case> cases = {
      {"empty", {}, PacketKind::kDrop, DropReason::kEmpty},
      {"stun binding request", bytes({0x00, 0x01}, 20), PacketKind::kStun, {}},
      {"stun byte 3", bytes({0x03}, 28), PacketKind::kStun, {}},
      {"stun truncated", bytes({0x00, 0x01}, 19), PacketKind::kDrop, DropReason::kShortStun},
      {"byte 4 unknown", bytes({4}, 40), PacketKind::kDrop, DropReason::kUnknownFirstByte},
      {"byte 15 unknown", bytes({15}, 40), PacketKind::kDrop, DropReason::kUnknownFirstByte},
      {"zrtp 16", bytes({16}, 40), PacketKind::kDrop, DropReason::kZrtp},
      {"zrtp 19", bytes({19}, 40), PacketKind::kDrop, DropReason::kZrtp},
      {"dtls handshake 22", bytes({22, 0xfe, 0xfd}, 13), PacketKind::kDtls, {}},
      {"dtls 20 ccs", bytes({20}, 14), PacketKind::kDtls, {}},
      {"dtls 63", bytes({63}, 13), PacketKind::kDtls, {}},
      {"dtls truncated", bytes({22}, 12), PacketKind::kDrop, DropReason::kShortDtls},
      {"turn channel 64", bytes({64}, 8), PacketKind::kDrop, DropReason::kTurnChannel},
      {"turn channel 79", bytes({79}, 8), PacketKind::kDrop, DropReason::kTurnChannel},
      {"byte 80 unknown", bytes({80}, 40), PacketKind::kDrop, DropReason::kUnknownFirstByte},
      {"byte 127 unknown", bytes({127}, 40), PacketKind::kDrop, DropReason::kUnknownFirstByte},
      {"rtp pt 96", bytes({0x80, 96}, 12), PacketKind::kRtp, {}},
      {"rtp marker pt 111", bytes({0x80, 0x80 | 111}, 100), PacketKind::kRtp, {}},
      {"rtp pt 0", bytes({0x80, 0}, 12), PacketKind::kRtp, {}},
      {"rtp second byte 191", bytes({0x80, 191}, 12), PacketKind::kRtp, {}},
      {"rtp second byte 224", bytes({0x80, 224}, 12), PacketKind::kRtp, {}},
      {"rtp truncated", bytes({0x80, 96}, 11), PacketKind::kDrop, DropReason::kShortRtp},
      {"rtp one byte", bytes({0x80}, 1), PacketKind::kDrop, DropReason::kShortRtp},
      {"rtcp sr 200", bytes({0x80, 200}, 28), PacketKind::kRtcp, {}},
      {"rtcp rr 201 minimal", bytes({0x80, 201}, 8), PacketKind::kRtcp, {}},
      {"rtcp fir 192", bytes({0x80, 192}, 20), PacketKind::kRtcp, {}},
      {"rtcp 223", bytes({0x81, 223}, 20), PacketKind::kRtcp, {}},
      {"rtcp psfb 206 pli", bytes({0x81, 206}, 12), PacketKind::kRtcp, {}},
      {"rtcp truncated", bytes({0x80, 201}, 7), PacketKind::kDrop, DropReason::kShortRtcp},
      {"byte 191 rtp range", bytes({191, 96}, 12), PacketKind::kRtp, {}},
      {"byte 192 unknown", bytes({192, 96}, 12), PacketKind::kDrop, DropReason::kUnknownFirstByte},
      {"byte 255 unknown", bytes({255}, 12), PacketKind::kDrop, DropReason::kUnknownFirstByte},
  };
  DropCounters drops;
  DropCounters want;
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    DemuxResult r = demux(c.bytes);
    EXPECT_EQ(r.kind, c.want) << packetKindName(r.kind);
    if (c.want == PacketKind::kDrop) {
      EXPECT_EQ(r.reason, c.reason) << dropReasonName(r.reason);
      want.add(c.reason);
    }
    EXPECT_EQ(demux(c.bytes, drops), c.want);
  }
  EXPECT_EQ(drops.counts, want.counts);
  EXPECT_EQ(drops[DropReason::kZrtp], 2u);
  EXPECT_EQ(drops.total(), want.total());
}

TEST(DemuxTest, ReasonNamesAreDistinct) {
  std::vector<std::string_view> names;
  for (size_t i = 0; i < kDropReasonCount; ++i) {
    auto name = dropReasonName(static_cast<DropReason>(i));
    EXPECT_NE(name, "unknown");
    for (auto n : names) EXPECT_NE(n, name);
    names.push_back(name);
  }
}

}  // namespace
}  // namespace sfu::net
