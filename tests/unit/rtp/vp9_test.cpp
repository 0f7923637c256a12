#include "rtp/codecs/vp9.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/unit/rtp/rtp_test_bytes.h"

namespace rtp::codecs {
namespace {

using test::hex;

struct Want {
  bool keyframe;
  uint16_t pictureId;
  bool pictureId15;
  uint8_t tid;
  uint8_t sid;
  bool hasTl0;
  uint8_t tl0;
  uint8_t refCount;
  uint8_t numSpatial;  // 0 when no SS
  size_t headerSize;
};

struct Case {
  std::string name;
  std::string bytes;
  std::optional<Want> want;
};

std::vector<Case> cases() {
  return {
      // I L B | M pid 42 | TID0 SID0 | TL0PICIDX 7 | data
      {"keyframe_non_flexible", "a8 802a 00 07 aa", Want{true, 42, true, 0, 0, true, 7, 0, 0, 5}},
      // I L B V | pid 1 | L | tl0 | SS: N_S=1 Y G, 320x180, 640x360, N_G=1, T0 U0 R1 P_DIFF 1
      {"keyframe_with_ss", "aa 8001 00 00 38 014000b4 02800168 01 04 01 aa",
       Want{true, 1, true, 0, 0, true, 0, 0, 2, 17}},
      // I P F B | pid 0x0500 | P_DIFF 1 (N) P_DIFF 2 | data
      {"flexible_two_refs", "d8 8500 03 04 bb", Want{false, 0x500, true, 0, 0, false, 0, 2, 0, 5}},
      // I P L F B E | 7-bit pid 5 | TID1 U SID1 D | P_DIFF 1 | data
      {"flexible_layered", "fc 05 33 02 cc", Want{false, 5, false, 1, 1, false, 0, 1, 0, 4}},
      // Spatial layer 1 of a key picture is not itself the key frame start.
      {"key_picture_sid1", "a8 802a 03 07 aa", Want{false, 42, true, 0, 1, true, 7, 0, 0, 5}},
      // B=0: continuation of a key frame.
      {"key_picture_continuation", "a0 802a 00 07 aa",
       Want{false, 42, true, 0, 0, true, 7, 0, 0, 5}},
      {"no_optional_fields", "0c aa", Want{true, 0, false, 0, 0, false, 0, 0, 0, 1}},
      {"empty", "", std::nullopt},
      {"pid_missing", "80", std::nullopt},
      {"ext_pid_missing", "80 80", std::nullopt},
      {"layer_missing", "a8 802a", std::nullopt},
      {"tl0_missing", "a8 802a 00", std::nullopt},
      {"four_refs", "d8 8500 03 05 07 09 bb", std::nullopt},
      {"ref_missing", "d8 8500 03", std::nullopt},
      {"ss_resolutions_cut", "0a 38 014000b4 0280", std::nullopt},
      {"ss_group_cut", "0a 08 02 04", std::nullopt},
      {"header_only", "a8 802a 00 07", std::nullopt},
  };
}

class Vp9Parse : public testing::TestWithParam<Case> {};

TEST_P(Vp9Parse, Fields) {
  const Case& c = GetParam();
  const std::vector<uint8_t> bytes = hex(c.bytes);
  auto got = parseVp9(bytes);
  ASSERT_EQ(got.has_value(), c.want.has_value());
  if (!got) return;
  const Want& w = *c.want;
  EXPECT_EQ(got->keyframe, w.keyframe);
  EXPECT_EQ(got->pictureId, w.pictureId);
  EXPECT_EQ(got->pictureId15, w.pictureId15);
  EXPECT_EQ(got->temporalId, w.tid);
  EXPECT_EQ(got->spatialId, w.sid);
  EXPECT_EQ(got->hasTl0PicIdx, w.hasTl0);
  EXPECT_EQ(got->tl0PicIdx, w.tl0);
  EXPECT_EQ(got->refCount, w.refCount);
  EXPECT_EQ(got->numSpatialLayers, w.numSpatial);
  EXPECT_EQ(got->headerSize, w.headerSize);
}

INSTANTIATE_TEST_SUITE_P(Table, Vp9Parse, testing::ValuesIn(cases()),
                         [](const auto& info) { return info.param.name; });

TEST(Vp9, ScalabilityStructureDetails) {
  const std::vector<uint8_t> b = hex("aa 8001 00 00 38 014000b4 02800168 01 04 01 aa");
  auto d = parseVp9(b);
  ASSERT_TRUE(d);
  EXPECT_TRUE(d->hasResolutions);
  EXPECT_EQ(d->widths[0], 320);
  EXPECT_EQ(d->heights[0], 180);
  EXPECT_EQ(d->widths[1], 640);
  EXPECT_EQ(d->heights[1], 360);
  EXPECT_EQ(d->numPicturesInGroup, 1);

  const std::vector<uint8_t> f = hex("fc 05 33 02 cc");
  auto l = parseVp9(f);
  ASSERT_TRUE(l);
  EXPECT_TRUE(l->switchingUp);
  EXPECT_TRUE(l->interLayerDependency);
  EXPECT_TRUE(l->endOfFrame);
  EXPECT_EQ(l->pDiff[0], 1);
}

}  // namespace
}  // namespace rtp::codecs
