#include <gtest/gtest.h>

#include <array>
#include <vector>

#include "rtp/rtcp/compound_parser.h"
#include "rtp/stream/twcc_recorder.h"
#include "sfu/bwe/send_history.h"

namespace sfu::bwe {
namespace {

// Receiver side in miniature: records arrivals, builds feedback, hands each TWCC packet over.
class Receiver {
 public:
  explicit Receiver(int64_t clock_offset_us = 0)
      : recorder_(rtp::stream::TwccRecorderConfig{.sender_ssrc = 1, .media_ssrc = 2}),
        offset_(clock_offset_us) {}

  void arrive(uint16_t seq, int64_t at_us) { recorder_.onPacket(seq, at_us + offset_); }

  template <typename F>
  void feedback(int64_t now_us, F&& on_view) {
    std::array<uint8_t, 1500> buf{};
    const size_t n = recorder_.buildFeedback(now_us + offset_, buf);
    rtp::rtcp::CompoundParser parser(std::span<const uint8_t>(buf.data(), n),
                                     rtp::rtcp::PaddingPolicy::kAnyPacket);
    while (!parser.done()) {
      auto packet = parser.next();
      ASSERT_TRUE(packet.ok());
      auto view = rtp::rtcp::TwccView::parse(*packet);
      ASSERT_TRUE(view.ok());
      on_view(*view);
    }
  }

 private:
  rtp::stream::TwccRecorder recorder_;
  int64_t offset_;
};

TEST(BweSendHistory, NumbersPacketsConsecutivelyAndWraps) {
  SendHistory h(64);
  for (int i = 0; i < 70'000; ++i) {
    const uint16_t seq = h.onPacketSent(i, 100);
    ASSERT_EQ(seq, static_cast<uint16_t>(i));
  }
  EXPECT_EQ(h.lastSeq(), 69'999);
  EXPECT_EQ(h.stats().packets_sent, 70'000u);
}

TEST(BweSendHistory, MatchesFeedbackAcrossPacketsAndReferenceTimes) {
  SendHistory h;
  Receiver rx(5'000'000'000);
  std::vector<PacketResult> all;
  constexpr int kPackets = 20'000;
  // Packets of 1000 bytes, 10 ms apart, arriving 13.333 ms apart (a 600 kbps bottleneck),
  // every 5th lost; feedback every 100 ms.
  int64_t arrival = 40'000;
  for (int i = 0; i < kPackets; ++i) {
    const int64_t send = i * 10'000;
    const uint16_t seq = h.onPacketSent(send, 1000, i % 50 == 0 ? 3 : kNoCluster);
    arrival = std::max(arrival, send + 40'000) + 13'333;
    if (i % 5 != 4) rx.arrive(seq, arrival);
    if (i % 10 == 9) {
      rx.feedback(send, [&](const rtp::rtcp::TwccView& v) {
        h.onFeedback(v, [&](const PacketResult& r) { all.push_back(r); });
      });
    }
  }
  ASSERT_GE(all.size(), static_cast<size_t>(kPackets - 5));  // a trailing loss waits
  int64_t prev_arrival = -1;
  size_t lost = 0;
  for (size_t i = 0; i < all.size(); ++i) {
    const PacketResult& r = all[i];
    EXPECT_EQ(r.seq, static_cast<int64_t>(i));
    EXPECT_EQ(r.send_us, r.seq * 10'000);
    EXPECT_EQ(r.size, 1000u);
    EXPECT_EQ(r.cluster, r.seq % 50 == 0 ? 3 : kNoCluster);
    if (!r.received()) {
      ++lost;
      EXPECT_EQ(r.seq % 5, 4);
      continue;
    }
    if (prev_arrival >= 0) {
      const int64_t gap = r.arrival_us - prev_arrival;
      // 13.333 ms (or two of them across a loss), within the 250 µs tick.
      const int64_t want = r.seq % 5 == 0 ? 26'666 : 13'333;
      EXPECT_NEAR(static_cast<double>(gap), static_cast<double>(want), 500) << "seq " << r.seq;
    }
    prev_arrival = r.arrival_us;
  }
  EXPECT_EQ(lost, h.stats().reported_lost);
  EXPECT_GE(lost, static_cast<size_t>(kPackets / 5 - 1));
  EXPECT_EQ(h.stats().unknown_seq, 0u);
}

}  // namespace
}  // namespace sfu::bwe
