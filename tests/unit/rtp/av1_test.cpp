#include "rtp/codecs/av1.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/unit/rtp/rtp_test_bytes.h"

namespace rtp::codecs {
namespace {

using test::hex;

struct Want {
  bool z;
  bool y;
  uint8_t w;
  bool n;
  uint8_t count;
  uint8_t firstType;
  bool seqHeader;
};

struct Case {
  std::string name;
  std::string bytes;
  std::optional<Want> want;
};

std::vector<Case> cases() {
  return {
      // N, W=1: one element without length, a sequence header OBU (type 1).
      {"new_sequence_one_element", "18 0a0b000000", Want{false, false, 1, true, 1, 1, true}},
      // W=2: sequence header (length 3), then a frame OBU (type 6) up to the end.
      {"two_elements", "20 03 0aaabb 32ccdd", Want{false, false, 2, false, 2, 1, true}},
      // W=0: every element has a length: temporal delimiter (2 bytes), frame (3 bytes).
      {"lengths_everywhere", "00 02 1200 03 32aabb", Want{false, false, 0, false, 2, 2, false}},
      // Z: first element continues a fragment (its first byte is not an OBU header).
      {"continuation", "90 ffee", Want{true, false, 1, false, 1, 0, false}},
      {"continues_next", "50 32aa", Want{false, true, 1, false, 1, 6, false}},
      {"three_elements_w3", "30 01 12 02 32aa 32bb", Want{false, false, 3, false, 3, 2, false}},
      {"two_byte_leb128", "00 8001 32" + std::string(254, 'a'),
       Want{false, false, 0, false, 1, 6, false}},
      {"empty", "", std::nullopt},
      {"header_only", "18", std::nullopt},
      {"length_past_end", "00 05 1200", std::nullopt},
      {"w2_one_element", "20 03 0aaabb", std::nullopt},
      {"forbidden_bit", "10 80", std::nullopt},
      {"zero_length_element", "00 00 12", std::nullopt},
      {"leb128_unterminated", "00 ffffffffffffffff", std::nullopt},
      {"leb128_cut", "00 80", std::nullopt},
  };
}

class Av1Parse : public testing::TestWithParam<Case> {};

TEST_P(Av1Parse, Info) {
  const Case& c = GetParam();
  const std::vector<uint8_t> bytes = hex(c.bytes);
  auto got = parseAv1(bytes);
  ASSERT_EQ(got.has_value(), c.want.has_value());
  if (!got) return;
  const Want& w = *c.want;
  EXPECT_EQ(got->continuation, w.z);
  EXPECT_EQ(got->startsWithObu, !w.z);
  EXPECT_EQ(got->continuesNext, w.y);
  EXPECT_EQ(got->w, w.w);
  EXPECT_EQ(got->newCodedVideoSequence, w.n);
  EXPECT_EQ(got->keyframe, w.n);
  EXPECT_EQ(got->elementCount, w.count);
  EXPECT_EQ(got->firstObuType, w.firstType);
  EXPECT_EQ(got->hasSequenceHeader, w.seqHeader);
}

INSTANTIATE_TEST_SUITE_P(Table, Av1Parse, testing::ValuesIn(cases()),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace rtp::codecs
