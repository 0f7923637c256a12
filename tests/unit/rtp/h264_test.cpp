#include "rtp/codecs/h264.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/unit/rtp/rtp_test_bytes.h"

namespace rtp::codecs {
namespace {

using test::hex;

struct Want {
  H264Packetization packetization;
  uint8_t nalType;
  uint8_t nalCount;
  bool start;
  bool end;
  bool sps;
  bool pps;
  bool idr;
  bool keyframe;
};

struct Case {
  std::string name;
  std::string bytes;
  std::optional<Want> want;
};

constexpr auto kSingle = H264Packetization::kSingleNal;
constexpr auto kStap = H264Packetization::kStapA;
constexpr auto kFu = H264Packetization::kFuA;

std::vector<Case> cases() {
  return {
      {"single_idr", "65 888400", Want{kSingle, 5, 1, true, true, false, false, true, true}},
      {"single_slice", "41 9a", Want{kSingle, 1, 1, true, true, false, false, false, false}},
      {"single_sps", "67 42c01f", Want{kSingle, 7, 1, true, true, true, false, false, true}},
      {"single_pps", "68 ce3c80", Want{kSingle, 8, 1, true, true, false, true, false, false}},
      {"single_sei", "06 05ff", Want{kSingle, 6, 1, true, true, false, false, false, false}},
      {"stap_a_sps_pps", "78 0004 6742c01f 0002 68ce",
       Want{kStap, 7, 2, true, true, true, true, false, true}},
      {"stap_a_sps_pps_idr", "78 0004 6742c01f 0002 68ce 0003 658884",
       Want{kStap, 7, 3, true, true, true, true, true, true}},
      {"stap_a_slices", "78 0002 419a 0002 419b",
       Want{kStap, 1, 2, true, true, false, false, false, false}},
      {"fu_a_idr_start", "7c 85 8880", Want{kFu, 5, 1, true, false, false, false, true, true}},
      {"fu_a_idr_middle", "7c 05 aabb", Want{kFu, 5, 1, false, false, false, false, false, false}},
      {"fu_a_idr_end", "7c 45 aa", Want{kFu, 5, 1, false, true, false, false, false, false}},
      {"fu_a_slice_start", "5c 81 aa", Want{kFu, 1, 1, true, false, false, false, false, false}},
      {"empty", "", std::nullopt},
      {"forbidden_bit", "e5 8884", std::nullopt},
      {"type_0", "00 aa", std::nullopt},
      {"stap_b", "79 0000 0002 419a", std::nullopt},
      {"mtap16", "7a 00", std::nullopt},
      {"fu_b", "7d 85 0000 aa", std::nullopt},
      {"reserved_30", "7e aa", std::nullopt},
      {"stap_a_empty", "78", std::nullopt},
      {"stap_a_half_size", "78 00", std::nullopt},
      {"stap_a_size_past_end", "78 0005 6742", std::nullopt},
      {"stap_a_zero_size", "78 0000 0002 419a", std::nullopt},
      {"stap_a_trailing_byte", "78 0002 419a 00", std::nullopt},
      {"fu_a_short", "7c 85", std::nullopt},
  };
}

class H264Parse : public testing::TestWithParam<Case> {};

TEST_P(H264Parse, Info) {
  const Case& c = GetParam();
  const std::vector<uint8_t> bytes = hex(c.bytes);
  auto got = parseH264(bytes);
  ASSERT_EQ(got.has_value(), c.want.has_value());
  if (!got) return;
  const Want& w = *c.want;
  EXPECT_EQ(got->packetization, w.packetization);
  EXPECT_EQ(got->nalType, w.nalType);
  EXPECT_EQ(got->nalCount, w.nalCount);
  EXPECT_EQ(got->fragmentStart, w.start);
  EXPECT_EQ(got->fragmentEnd, w.end);
  EXPECT_EQ(got->hasSps, w.sps);
  EXPECT_EQ(got->hasPps, w.pps);
  EXPECT_EQ(got->hasIdr, w.idr);
  EXPECT_EQ(got->keyframe, w.keyframe);
}

INSTANTIATE_TEST_SUITE_P(Table, H264Parse, testing::ValuesIn(cases()),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace rtp::codecs
