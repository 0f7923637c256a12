#include "rtp/common/seq.h"

#include <gtest/gtest.h>

namespace rtp {
namespace {

TEST(SeqMath, NewerAcrossWrap) {
  EXPECT_TRUE(seqNewer(1, 0));
  EXPECT_TRUE(seqNewer(0, 65535));
  EXPECT_FALSE(seqNewer(65535, 0));
  EXPECT_FALSE(seqNewer(7, 7));
  EXPECT_TRUE(seqNewer(0x8000 - 1, 0));
  EXPECT_FALSE(seqNewer(0x8000, 0));
  EXPECT_EQ(seqDiff(2, 65534), 4);
  EXPECT_EQ(seqDiff(65534, 2), -4);
  EXPECT_TRUE(tsNewer(5, 0xFFFFFFF0u));
}

TEST(SeqUnwrapper, ForwardWrapAndReorder) {
  SeqUnwrapper u;
  EXPECT_EQ(u.unwrap(65534), 65534);
  EXPECT_EQ(u.unwrap(65535), 65535);
  EXPECT_EQ(u.unwrap(1), 65537);      // wrapped
  EXPECT_EQ(u.unwrap(65535), 65535);  // late packet from before the wrap
  EXPECT_EQ(u.unwrap(0), 65536);      // reordered, still in the new cycle
  EXPECT_EQ(u.unwrap(2), 65538);
  EXPECT_EQ(u.peek(3), 65539);
}

TEST(SeqUnwrapper, BackwardBeforeFirst) {
  SeqUnwrapper u;
  EXPECT_EQ(u.unwrap(3), 3);
  EXPECT_EQ(u.unwrap(65533), -3);
  EXPECT_EQ(u.unwrap(4), 4);
}

}  // namespace
}  // namespace rtp
