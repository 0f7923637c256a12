#include "sfu/net/segment_runs.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

namespace sfu::net {
namespace {

using Runs = SegmentRuns<int>;  // peers by number

uint16_t segmentOf(const mmsghdr& m) {
  const auto* c = CMSG_FIRSTHDR(&m.msg_hdr);
  if (c == nullptr || c->cmsg_level != SOL_UDP || c->cmsg_type != UDP_SEGMENT) return 0;
  uint16_t v = 0;
  std::memcpy(&v, CMSG_DATA(c), sizeof(v));
  return v;
}

TEST(SegmentRuns, JoinsEachPeersEqualSizesInOrder) {
  // a1 b1 a2 b2 a3(short) a4 b3(long), as in the header's picture.
  struct D {
    int peer;
    size_t size;
  };
  const std::vector<D> batch = {{1, 1000}, {2, 1200}, {1, 1000}, {2, 1200},
                                {1, 700},  {1, 1000}, {2, 1300}};
  Runs runs(batch.size());
  for (size_t i = 0; i < batch.size(); ++i) runs.add(i, batch[i].peer, batch[i].size, true);
  ASSERT_EQ(runs.runs(), 4u);
  std::vector<uint32_t> run_of;
  for (size_t i = 0; i < batch.size(); ++i) run_of.push_back(runs.runOf(i));
  EXPECT_EQ(run_of, (std::vector<uint32_t>{0, 1, 0, 1, 0, 2, 3}));
  EXPECT_EQ(runs.run(0).count, 3u);
  EXPECT_EQ(runs.run(0).bytes, 2700u);
  EXPECT_EQ(runs.run(1).count, 2u);
  EXPECT_EQ(runs.run(2).count, 1u);
  EXPECT_EQ(runs.run(3).count, 1u);

  std::vector<mmsghdr> msgs(batch.size());
  std::vector<iovec> iov(batch.size());
  runs.layout(msgs.data(), iov.data());
  std::vector<uint8_t> bytes(batch.size());  // stands in for the datagrams
  for (size_t i = 0; i < batch.size(); ++i)
    iov[runs.nextSlot(runs.runOf(i))] = {&bytes[i], batch[i].size};
  // Run 0: a1 a2 a3 side by side, then b1 b2, then a4, then b3.
  const std::vector<size_t> order = {0, 2, 4, 1, 3, 5, 6};
  for (size_t s = 0; s < order.size(); ++s) EXPECT_EQ(iov[s].iov_base, &bytes[order[s]]) << s;
  EXPECT_EQ(msgs[0].msg_hdr.msg_iov, &iov[0]);
  EXPECT_EQ(msgs[0].msg_hdr.msg_iovlen, 3u);
  EXPECT_EQ(segmentOf(msgs[0]), 1000);
  EXPECT_EQ(msgs[1].msg_hdr.msg_iov, &iov[3]);
  EXPECT_EQ(segmentOf(msgs[1]), 1200);
  EXPECT_EQ(msgs[2].msg_hdr.msg_iov, &iov[5]);
  EXPECT_EQ(msgs[2].msg_hdr.msg_control, nullptr);  // a lone datagram: a plain message
  EXPECT_EQ(msgs[3].msg_hdr.msg_control, nullptr);
}

TEST(SegmentRuns, LimitsAndNoJoining) {
  Runs runs(200);
  // 64 datagrams per run at most.
  for (size_t i = 0; i < 130; ++i) runs.add(i, 7, 100, true);
  ASSERT_EQ(runs.runs(), 3u);
  EXPECT_EQ(runs.run(0).count, 64u);
  EXPECT_EQ(runs.run(1).count, 64u);
  EXPECT_EQ(runs.run(2).count, 2u);
  // 60 000 bytes at most.
  runs.clear();
  for (size_t i = 0; i < 60; ++i) runs.add(i, 7, 1400, true);
  ASSERT_EQ(runs.runs(), 2u);
  EXPECT_EQ(runs.run(0).count, 42u);  // 42 × 1400 = 58 800
  // Empty datagrams never join (nor does anything join them).
  runs.clear();
  runs.add(0, 7, 0, true);
  runs.add(1, 7, 0, true);
  runs.add(2, 7, 100, true);
  runs.add(3, 7, 0, true);
  EXPECT_EQ(runs.runs(), 4u);
  // Joining off, and skipped entries.
  runs.clear();
  runs.add(0, 7, 100, false);
  runs.skip(1);
  runs.add(2, 7, 100, false);
  EXPECT_EQ(runs.runs(), 2u);
  EXPECT_EQ(runs.runOf(1), Runs::kNone);
}

}  // namespace
}  // namespace sfu::net
