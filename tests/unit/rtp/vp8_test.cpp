#include "rtp/codecs/vp8.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/unit/rtp/rtp_test_bytes.h"

namespace rtp::codecs {
namespace {

using test::hex;

// VP8 key frame start: frame tag (P=0), start code 9d 01 2a, 640 x 480 little-endian.
constexpr const char* kKeyPayload = "500200 9d012a 8002 e001";

struct Case {
  std::string name;
  std::string bytes;
  std::optional<Vp8Descriptor> want;  // fields compared below; nullopt = parse fails
};

std::vector<Case> cases() {
  std::vector<Case> c;
  {
    Vp8Descriptor v;
    v.startOfPartition = true;
    v.headerSize = 1;
    v.startOfFrame = true;
    v.keyframe = true;
    v.width = 640;
    v.height = 480;
    c.push_back({"minimal_keyframe", std::string("10") + kKeyPayload, v});
  }
  {
    // X S | I L T K | M pid=0x0123 | TL0PICIDX 5 | TID 2 Y K 3 | delta frame
    Vp8Descriptor v;
    v.startOfPartition = true;
    v.hasPictureId = v.pictureId15 = true;
    v.pictureId = 0x0123;
    v.pictureIdOffset = 2;
    v.hasTl0PicIdx = true;
    v.tl0PicIdx = 5;
    v.tl0PicIdxOffset = 4;
    v.hasTid = true;
    v.tid = 2;
    v.layerSync = true;
    v.hasKeyIdx = true;
    v.keyIdx = 3;
    v.headerSize = 6;
    v.startOfFrame = true;
    v.keyframe = false;
    c.push_back({"all_fields_delta", "90 f0 8123 05 a3 01", v});
  }
  {
    Vp8Descriptor v;
    v.hasPictureId = true;
    v.pictureId = 0x12;
    v.pictureIdOffset = 2;
    v.headerSize = 3;
    c.push_back({"seven_bit_pid_continuation", "80 80 12 aa", v});
  }
  {
    Vp8Descriptor v;
    v.nonReference = true;
    v.startOfPartition = true;
    v.partitionIndex = 1;
    v.headerSize = 1;
    c.push_back({"partition_1_not_frame_start", "31 00", v});
  }
  {
    Vp8Descriptor v;
    v.hasKeyIdx = true;
    v.keyIdx = 0x1f;
    v.headerSize = 3;
    c.push_back({"keyidx_only", "80 10 1f aa", v});
  }
  {
    Vp8Descriptor v;
    v.startOfPartition = true;
    v.headerSize = 1;
    v.startOfFrame = true;
    v.keyframe = true;  // P=0 but too short for dimensions
    c.push_back({"keyframe_short_header", "10 00", v});
  }
  c.push_back({"empty", "", std::nullopt});
  c.push_back({"x_without_byte", "80", std::nullopt});
  c.push_back({"i_without_pid", "80 80", std::nullopt});
  c.push_back({"m_pid_one_byte", "80 80 81", std::nullopt});
  c.push_back({"l_without_byte", "80 40", std::nullopt});
  c.push_back({"t_without_byte", "80 20", std::nullopt});
  c.push_back({"descriptor_only", "90 f0 8123 05 a3", std::nullopt});
  c.push_back({"single_byte_no_data", "10", std::nullopt});
  return c;
}

class Vp8Parse : public testing::TestWithParam<Case> {};

TEST_P(Vp8Parse, Fields) {
  const Case& c = GetParam();
  const std::vector<uint8_t> bytes = hex(c.bytes);
  auto got = parseVp8(bytes);
  ASSERT_EQ(got.has_value(), c.want.has_value());
  if (!got) return;
  const Vp8Descriptor& w = *c.want;
  EXPECT_EQ(got->nonReference, w.nonReference);
  EXPECT_EQ(got->startOfPartition, w.startOfPartition);
  EXPECT_EQ(got->partitionIndex, w.partitionIndex);
  EXPECT_EQ(got->hasPictureId, w.hasPictureId);
  EXPECT_EQ(got->pictureId15, w.pictureId15);
  EXPECT_EQ(got->pictureId, w.pictureId);
  EXPECT_EQ(got->hasTl0PicIdx, w.hasTl0PicIdx);
  EXPECT_EQ(got->tl0PicIdx, w.tl0PicIdx);
  EXPECT_EQ(got->hasTid, w.hasTid);
  EXPECT_EQ(got->tid, w.tid);
  EXPECT_EQ(got->layerSync, w.layerSync);
  EXPECT_EQ(got->hasKeyIdx, w.hasKeyIdx);
  EXPECT_EQ(got->keyIdx, w.keyIdx);
  EXPECT_EQ(got->headerSize, w.headerSize);
  if (w.hasPictureId) {
    EXPECT_EQ(got->pictureIdOffset, w.pictureIdOffset);
  }
  if (w.hasTl0PicIdx) {
    EXPECT_EQ(got->tl0PicIdxOffset, w.tl0PicIdxOffset);
  }
  EXPECT_EQ(got->startOfFrame, w.startOfFrame);
  EXPECT_EQ(got->keyframe, w.keyframe);
  EXPECT_EQ(got->width, w.width);
  EXPECT_EQ(got->height, w.height);
}

INSTANTIATE_TEST_SUITE_P(Table, Vp8Parse, testing::ValuesIn(cases()),
                         [](const auto& info) { return info.param.name; });

TEST(Vp8, RewritePictureIdAndTl0InPlace) {
  std::vector<uint8_t> b = hex("90 f0 8123 05 a3 01");
  auto dsc = parseVp8(b);
  ASSERT_TRUE(dsc);
  EXPECT_TRUE(setVp8PictureId(b, *dsc, 0x7ABC));
  EXPECT_TRUE(setVp8Tl0PicIdx(b, *dsc, 0xFE));
  EXPECT_EQ(b, hex("90 f0 fabc fe a3 01"));
  auto again = parseVp8(b);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->pictureId, 0x7ABC);
  EXPECT_EQ(again->tl0PicIdx, 0xFE);

  std::vector<uint8_t> s = hex("80 80 12 aa");
  auto d7 = parseVp8(s);
  ASSERT_TRUE(d7);
  EXPECT_TRUE(setVp8PictureId(s, *d7, 0x1FF));  // low 7 bits
  EXPECT_EQ(s, hex("80 80 7f aa"));
  EXPECT_FALSE(setVp8Tl0PicIdx(s, *d7, 1));  // no L field

  std::vector<uint8_t> bare = hex("10 00");
  auto d0 = parseVp8(bare);
  ASSERT_TRUE(d0);
  EXPECT_FALSE(setVp8PictureId(bare, *d0, 1));
}

// setVp8Ids: resending a packet with the ids it was first sent with (parse → set → byte-equal).
TEST(Vp8, SetIdsWritesExactlyTheFieldsPresent) {
  struct Case {
    const char* name;
    const char* bytes;
    Vp8Ids ids;
    const char* want;  // nullptr: refused, bytes unchanged
  };
  const Case cases[] = {
      {"both_15bit", "90 e0 8123 05 a3 01", {true, 0x7ABC, true, 0xFE}, "90 e0 fabc fe a3 01"},
      {"pid_7bit", "80 80 12 aa", {true, 0x1FF, false, 0}, "80 80 7f aa"},
      {"tl0_only", "80 40 07 aa", {false, 0, true, 9}, "80 40 09 aa"},
      {"none", "10 00", {}, "10 00"},
      {"ids_without_field", "80 80 12 aa", {true, 5, true, 1}, nullptr},
      {"field_without_id", "90 e0 8123 05 a3 01", {true, 5, false, 0}, nullptr},
  };
  for (const auto& c : cases) {
    std::vector<uint8_t> b = hex(c.bytes);
    auto d = parseVp8(b);
    ASSERT_TRUE(d) << c.name;
    EXPECT_EQ(setVp8Ids(b, *d, c.ids), c.want != nullptr) << c.name;
    EXPECT_EQ(b, hex(c.want != nullptr ? c.want : c.bytes)) << c.name;  // refused: unchanged
  }
}

TEST(Vp8Rewriter, MapGivesTheIdsRewriteWrites) {
  Vp8Rewriter a;
  Vp8Rewriter b;
  for (uint16_t pid : {300, 301, 301, 302}) {
    std::vector<uint8_t> p = {
        0x90, 0xE0, static_cast<uint8_t>(0x80 | (pid >> 8)), static_cast<uint8_t>(pid), 7,
        0x00, 0x01};
    auto d = parseVp8(p);
    ASSERT_TRUE(d);
    auto ids = a.map(*d);
    ASSERT_TRUE(ids);
    EXPECT_TRUE(ids->hasPictureId && ids->hasTl0PicIdx);
    std::vector<uint8_t> via_map = p;
    ASSERT_TRUE(setVp8Ids(via_map, *d, *ids));
    ASSERT_TRUE(b.rewrite(p, *d));
    EXPECT_EQ(via_map, p) << pid;
  }
}

// Builds "X S | I L T | M pid | tl0 | tid" + one payload byte (P bit from `key`).
std::vector<uint8_t> vp8Packet(uint16_t pid, uint8_t tl0, uint8_t tid, bool key) {
  return {0x90,
          0xE0,
          static_cast<uint8_t>(0x80 | (pid >> 8)),
          static_cast<uint8_t>(pid),
          tl0,
          static_cast<uint8_t>(tid << 6),
          static_cast<uint8_t>(key ? 0x00 : 0x01)};
}

TEST(Vp8Rewriter, ContinuousAcrossSwitchAndDrops) {
  Vp8Rewriter rw;
  struct Step {
    bool switchFirst;
    uint16_t pid;
    uint8_t tl0;
    uint8_t tid;
    bool drop;  // temporal layer dropped
    uint16_t wantPid;
    uint8_t wantTl0;
  } steps[] = {
      {false, 100, 5, 0, false, 100, 5},
      {false, 101, 5, 2, true, 0, 0},  // dropped TL2 picture
      {false, 102, 5, 1, false, 101, 5},
      {false, 103, 5, 2, true, 0, 0},
      {false, 104, 6, 0, false, 102, 6},
      {true, 32767, 200, 0, false, 103, 7},  // switch to another layer, key frame
      {false, 0, 200, 2, false, 104, 7},     // its picture id wraps
      {false, 1, 201, 0, false, 105, 8},
  };
  for (const auto& s : steps) {
    if (s.switchFirst) rw.switchSource();
    std::vector<uint8_t> b = vp8Packet(s.pid, s.tl0, s.tid, s.switchFirst);
    auto dsc = parseVp8(b);
    ASSERT_TRUE(dsc);
    if (s.drop) {
      rw.dropPicture(*dsc);
      rw.dropPicture(*dsc);  // every packet of the picture
      continue;
    }
    ASSERT_TRUE(rw.rewrite(b, *dsc)) << s.pid;
    auto out = parseVp8(b);
    ASSERT_TRUE(out);
    EXPECT_EQ(out->pictureId, s.wantPid) << s.pid;
    EXPECT_EQ(out->tl0PicIdx, s.wantTl0) << s.pid;
  }
  // A packet of the new layer from before the switch point is refused.
  std::vector<uint8_t> old = vp8Packet(32760, 199, 0, false);
  auto dsc = parseVp8(old);
  ASSERT_TRUE(dsc);
  EXPECT_FALSE(rw.rewrite(old, *dsc));
}

}  // namespace
}  // namespace rtp::codecs
