// TWCC recorder: arrivals in, feedback packets out (parsed back with the RTCP parser).
#include <gtest/gtest.h>

#include <array>
#include <vector>

#include "rtp/rtcp/compound_parser.h"
#include "rtp/rtcp/twcc.h"
#include "rtp/stream/twcc_recorder.h"

namespace rtp::stream {
namespace {

struct Feedback {
  uint16_t base;
  uint8_t fb_count;
  uint32_t reference;
  std::vector<rtcp::TwccPacketStatus> statuses;
};

std::vector<Feedback> parseAll(std::span<const uint8_t> bytes) {
  std::vector<Feedback> out;
  rtcp::CompoundParser parser(bytes);
  while (!parser.done()) {
    auto packet = parser.next();
    EXPECT_TRUE(packet);
    if (!packet) break;
    auto twcc = rtcp::TwccView::parse(*packet);
    EXPECT_TRUE(twcc);
    if (!twcc) break;
    Feedback fb{twcc->baseSeq(), twcc->fbPktCount(), twcc->referenceTime(), {}};
    fb.statuses.resize(twcc->statusCount());
    fb.statuses.resize(twcc->statuses(fb.statuses));
    out.push_back(std::move(fb));
  }
  return out;
}

int64_t arrivalUs(const Feedback& fb, const rtcp::TwccPacketStatus& s) {
  return int64_t{fb.reference} * rtcp::kTwccReferenceTickUs + s.arrival_offset_us;
}

TEST(TwccRecorder, ReportsArrivalsAndLosses) {
  TwccRecorderConfig config;
  config.sender_ssrc = 1;
  config.media_ssrc = 2;
  TwccRecorder recorder(config);
  EXPECT_FALSE(recorder.due(0));
  const int64_t t0 = 1'000'000;
  for (uint16_t seq = 10; seq < 20; ++seq) {
    if (seq == 13 || seq == 14) continue;
    recorder.onPacket(seq, t0 + seq * 1'000);
  }
  EXPECT_TRUE(recorder.due(t0));
  std::array<uint8_t, 1500> buf{};
  const size_t n = recorder.buildFeedback(t0 + 20'000, buf);
  ASSERT_GT(n, 0u);
  const auto fbs = parseAll({buf.data(), n});
  ASSERT_EQ(fbs.size(), 1u);
  EXPECT_EQ(fbs[0].base, 10);
  EXPECT_EQ(fbs[0].fb_count, 0);
  ASSERT_EQ(fbs[0].statuses.size(), 10u);
  for (const auto& s : fbs[0].statuses) {
    EXPECT_EQ(s.received, s.seq != 13 && s.seq != 14) << s.seq;
    if (s.received) {
      EXPECT_EQ(arrivalUs(fbs[0], s), t0 + s.seq * 1'000);
    }
  }
  // Nothing new: not due, nothing written.
  EXPECT_FALSE(recorder.due(t0 + 500'000));
  EXPECT_EQ(recorder.buildFeedback(t0 + 500'000, buf), 0u);
  // Next feedback continues after 19 with the next fb count; the interval gates due().
  recorder.onPacket(20, t0 + 120'000);
  EXPECT_FALSE(recorder.due(t0 + 100'000));
  EXPECT_TRUE(recorder.due(t0 + 120'000));
  const auto next = parseAll({buf.data(), recorder.buildFeedback(t0 + 120'000, buf)});
  ASSERT_EQ(next.size(), 1u);
  EXPECT_EQ(next[0].base, 20);
  EXPECT_EQ(next[0].fb_count, 1);
  // A late packet for an already reported seq is ignored.
  recorder.onPacket(13, t0 + 130'000);
  EXPECT_FALSE(recorder.due(t0 + 300'000));
}

// Regression: once the sequence numbers passed the window size, a slot reused for a new seq kept
// the arrival of seq - window, and the new arrival was taken for a duplicate.
TEST(TwccRecorder, ReusedSlotsTakeTheNewArrival) {
  TwccRecorderConfig config;
  config.window = 64;
  TwccRecorder recorder(config);
  std::array<uint8_t, 1500> buf{};
  for (int64_t seq = 0; seq < 300; ++seq) {
    const int64_t arrival = 1'000'000 + seq * 10'000;
    recorder.onPacket(static_cast<uint16_t>(seq), arrival);
    if (seq % 10 != 9) continue;
    const size_t n = recorder.buildFeedback(arrival, buf);
    const auto fbs = parseAll({buf.data(), n});
    ASSERT_EQ(fbs.size(), 1u);
    ASSERT_EQ(fbs[0].statuses.size(), 10u);
    for (size_t i = 0; i < 10; ++i) {
      const auto& s = fbs[0].statuses[i];
      ASSERT_TRUE(s.received);
      const int64_t want = 1'000'000 + (seq - 9 + static_cast<int64_t>(i)) * 10'000;
      EXPECT_EQ(arrivalUs(fbs[0], s), want) << "seq " << s.seq;
    }
  }
}

TEST(TwccRecorder, SplitsByStatusCountAndSize) {
  TwccRecorderConfig config;
  config.max_statuses = 50;
  config.max_packet_size = 60;
  TwccRecorder recorder(config);
  const int64_t t0 = 5'000'000;
  for (uint16_t i = 0; i < 200; ++i)
    recorder.onPacket(static_cast<uint16_t>(65500 + i), t0 + i * 100'000);
  std::array<uint8_t, 1500> buf{};
  const auto fbs = parseAll({buf.data(), recorder.buildFeedback(t0, buf)});
  ASSERT_GT(fbs.size(), 4u);
  uint16_t expect_base = 65500;
  uint8_t expect_count = 0;
  size_t total = 0;
  for (const auto& fb : fbs) {
    EXPECT_EQ(fb.base, expect_base);
    EXPECT_EQ(fb.fb_count, expect_count++);
    EXPECT_LE(fb.statuses.size(), 50u);
    for (const auto& s : fb.statuses) {
      ASSERT_TRUE(s.received);
      const uint16_t i = static_cast<uint16_t>(s.seq - 65500);
      EXPECT_EQ(arrivalUs(fb, s), t0 + i * 100'000) << s.seq;
    }
    expect_base = static_cast<uint16_t>(expect_base + fb.statuses.size());
    total += fb.statuses.size();
  }
  EXPECT_EQ(total, 200u);
}

TEST(TwccRecorder, OutputFullKeepsTheRest) {
  TwccRecorderConfig config;
  config.max_statuses = 10;
  TwccRecorder recorder(config);
  for (uint16_t i = 0; i < 30; ++i) recorder.onPacket(i, 1'000'000 + i * 1'000);
  std::array<uint8_t, 70> small{};  // room for two packets of 10 small deltas (32 bytes each)
  auto first = parseAll({small.data(), recorder.buildFeedback(0, small)});
  ASSERT_EQ(first.size(), 2u);
  std::array<uint8_t, 1500> buf{};
  auto rest = parseAll({buf.data(), recorder.buildFeedback(0, buf)});
  ASSERT_EQ(rest.size(), 1u);
  EXPECT_EQ(rest[0].base, 20);
  EXPECT_EQ(rest[0].fb_count, 2);
}

TEST(TwccRecorder, ReorderingBeforeFirstFeedbackAndLargeGaps) {
  TwccRecorderConfig config;
  config.window = 1024;
  TwccRecorder recorder(config);
  recorder.onPacket(100, 1'000'000);
  recorder.onPacket(98, 1'001'000);  // reordered before the first packet seen
  std::array<uint8_t, 1500> buf{};
  auto fbs = parseAll({buf.data(), recorder.buildFeedback(0, buf)});
  ASSERT_EQ(fbs.size(), 1u);
  EXPECT_EQ(fbs[0].base, 98);
  ASSERT_EQ(fbs[0].statuses.size(), 3u);
  EXPECT_TRUE(fbs[0].statuses[0].received);
  EXPECT_FALSE(fbs[0].statuses[1].received);
  // A jump beyond the window drops the unreported older part.
  recorder.onPacket(102, 2'000'000);
  recorder.onPacket(5000, 2'001'000);
  fbs = parseAll({buf.data(), recorder.buildFeedback(0, buf)});
  ASSERT_EQ(fbs.size(), 1u);
  EXPECT_EQ(fbs[0].base, 5000 - 1023);
  EXPECT_EQ(fbs[0].statuses.size(), 1024u);
  EXPECT_TRUE(fbs[0].statuses.back().received);
}

TEST(TwccRecorder, ArrivalGapOverEightSecondsStartsNewPacket) {
  TwccRecorder recorder(TwccRecorderConfig{});
  recorder.onPacket(1, 1'000'000);
  recorder.onPacket(2, 11'000'000);  // 10 s later: beyond the 16-bit delta
  std::array<uint8_t, 1500> buf{};
  auto fbs = parseAll({buf.data(), recorder.buildFeedback(0, buf)});
  ASSERT_EQ(fbs.size(), 2u);
  EXPECT_EQ(arrivalUs(fbs[1], fbs[1].statuses[0]), 11'000'000);
}

}  // namespace
}  // namespace rtp::stream
