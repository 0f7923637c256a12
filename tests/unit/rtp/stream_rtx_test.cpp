// RTX wrap/unwrap in place (RFC 4588 §4).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "rtcp_test_util.h"
#include "rtp/stream/rtx.h"

namespace rtp::stream {
namespace {

using rtcp::testing::Bytes;
using rtcp::testing::hex;

// V=2, M=1, PT=96, seq 0x1234, ts 0xaabbccdd, ssrc 0x11111111.
const std::string kHeader = "80e0 1234 aabbccdd 11111111 ";
// RTX: PT 97 (marker kept), seq 0x0007, ssrc 0x22222222.
const std::string kRtxHeader = "80e1 0007 aabbccdd 22222222 ";

struct Case {
  std::string name;
  Bytes original;  // as stored
  Bytes rtx;       // want after wrap
  Bytes restored;  // want after unwrap (padding gone)
};

TEST(Rtx, WrapUnwrapTable) {
  const std::vector<Case> cases = {
      {"plain", hex(kHeader + "01020304 05"), hex(kRtxHeader + "1234 01020304 05"),
       hex(kHeader + "01020304 05")},
      {"csrcs", hex("82e0 1234 aabbccdd 11111111 cccc0001 cccc0002 0102"),
       hex("82e1 0007 aabbccdd 22222222 cccc0001 cccc0002 1234 0102"),
       hex("82e0 1234 aabbccdd 11111111 cccc0001 cccc0002 0102")},
      {"extension", hex("90e0 1234 aabbccdd 11111111 bede0001 10ff0000 0102"),
       hex("90e1 0007 aabbccdd 22222222 bede0001 10ff0000 1234 0102"),
       hex("90e0 1234 aabbccdd 11111111 bede0001 10ff0000 0102")},
      {"padding dropped", hex("a0e0 1234 aabbccdd 11111111 0102 0000 0004"),
       hex(kRtxHeader + "1234 0102"), hex(kHeader + "0102")},
      {"empty payload", hex(kHeader), hex(kRtxHeader + "1234"), hex(kHeader)},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    Bytes buf = c.original;
    buf.resize(buf.size() + 8);
    auto wrapped = rtxWrap(buf, c.original.size(), 0x22222222, 97, 7);
    ASSERT_TRUE(wrapped) << toString(*wrapped.error);
    EXPECT_EQ(Bytes(buf.begin(), buf.begin() + wrapped.size), c.rtx);
    EXPECT_EQ(rtxOriginalSeq(std::span<const uint8_t>(buf.data(), wrapped.size)), 0x1234);
    auto unwrapped = rtxUnwrap(buf, wrapped.size, 0x11111111, 96);
    ASSERT_TRUE(unwrapped) << toString(*unwrapped.error);
    EXPECT_EQ(Bytes(buf.begin(), buf.begin() + unwrapped.size), c.restored);
  }
}

TEST(Rtx, ErrorsTable) {
  struct ErrorCase {
    std::string name;
    Bytes bytes;
    size_t capacity_extra;
    bool unwrap;
    RtxError want;
  };
  const std::vector<ErrorCase> cases = {
      {"no room", hex(kHeader + "0102"), 1, false, RtxError::kNoCapacity},
      {"no room even with padding counted", hex("a0e0 1234 aabbccdd 11111111 0102 01"), 0, false,
       RtxError::kNoCapacity},
      {"short header", hex("80e0 1234 aabbccdd"), 8, false, RtxError::kTruncated},
      {"csrc beyond end", hex("83e0 1234 aabbccdd 11111111 cccc0001"), 8, false,
       RtxError::kTruncated},
      {"extension beyond end", hex("90e0 1234 aabbccdd 11111111 bede0002 10ff0000"), 8, false,
       RtxError::kTruncated},
      {"extension header cut", hex("90e0 1234 aabbccdd 11111111 bede"), 8, false,
       RtxError::kTruncated},
      {"version 1", hex("40e0 1234 aabbccdd 11111111 0102"), 8, false, RtxError::kBadVersion},
      {"padding zero", hex("a0e0 1234 aabbccdd 11111111 0102 0000"), 8, false,
       RtxError::kBadPadding},
      {"padding too big", hex("a0e0 1234 aabbccdd 11111111 0102 0009"), 8, true,
       RtxError::kBadPadding},
      {"no osn", hex(kRtxHeader + "12"), 8, true, RtxError::kNoOsn},
      {"padding-only probe", hex("a0e1 0007 aabbccdd 22222222 00000004"), 8, true,
       RtxError::kNoOsn},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    Bytes buf = c.bytes;
    buf.resize(buf.size() + c.capacity_extra);
    auto result =
        c.unwrap ? rtxUnwrap(buf, c.bytes.size(), 1, 96) : rtxWrap(buf, c.bytes.size(), 1, 97, 1);
    ASSERT_FALSE(result);
    EXPECT_EQ(*result.error, c.want) << toString(*result.error);
  }
  Bytes small = hex(kHeader);
  EXPECT_EQ(*rtxWrap(small, small.size() + 1, 1, 97, 1).error, RtxError::kTruncated);
  EXPECT_FALSE(rtxOriginalSeq(hex(kHeader + "12")));
}

}  // namespace
}  // namespace rtp::stream
