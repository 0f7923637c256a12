#include "sfu/net/tcp_framing.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sfu::net {
namespace {

using Bytes = std::vector<uint8_t>;

Bytes frame(const std::string& payload) {
  Bytes out(2 + payload.size());
  EXPECT_TRUE(encodeFrameHeader(payload.size(), out.data()));
  std::copy(payload.begin(), payload.end(), out.begin() + 2);
  return out;
}

Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

// Splits bytes at the given offsets.
std::vector<Bytes> split(const Bytes& b, std::initializer_list<size_t> cuts) {
  std::vector<Bytes> out;
  size_t prev = 0;
  for (size_t c : cuts) {
    out.emplace_back(b.begin() + prev, b.begin() + c);
    prev = c;
  }
  out.emplace_back(b.begin() + prev, b.end());
  return out;
}

TEST(FrameDecoder, Table) {
  const Bytes two = cat({frame("hello"), frame("world!")});
  struct Case {
    const char* name;
    std::vector<Bytes> chunks;
    size_t max_frame;
    std::vector<std::string> want;
    FrameError error;
    uint64_t empty;
    size_t pending;
  };
  const Case cases[] = {
      {"one frame", {frame("abc")}, 100, {"abc"}, FrameError::kNone, 0, 0},
      {"merged frames", {two}, 100, {"hello", "world!"}, FrameError::kNone, 0, 0},
      {"split inside header", split(two, {1}), 100, {"hello", "world!"}, FrameError::kNone, 0, 0},
      {"split after header", split(two, {2}), 100, {"hello", "world!"}, FrameError::kNone, 0, 0},
      {"split inside body", split(two, {4, 9}), 100, {"hello", "world!"}, FrameError::kNone, 0, 0},
      {"split in second header",
       split(two, {8}),
       100,
       {"hello", "world!"},
       FrameError::kNone,
       0,
       0},
      {"byte by byte",
       split(two, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14}),
       100,
       {"hello", "world!"},
       FrameError::kNone,
       0,
       0},
      {"incomplete tail",
       {cat({frame("abc"), Bytes{0, 5, 'x'}})},
       100,
       {"abc"},
       FrameError::kNone,
       0,
       3},
      {"lone header byte", {Bytes{0}}, 100, {}, FrameError::kNone, 0, 1},
      {"zero-length skipped",
       {cat({frame(""), frame("a"), frame("")})},
       100,
       {"a"},
       FrameError::kNone,
       2,
       0},
      {"zero-length split",
       split(cat({frame(""), frame("a")}), {1}),
       100,
       {"a"},
       FrameError::kNone,
       1,
       0},
      {"exactly max",
       {frame(std::string(16, 'm'))},
       16,
       {std::string(16, 'm')},
       FrameError::kNone,
       0,
       0},
      {"oversize", {frame(std::string(17, 'm'))}, 16, {}, FrameError::kOversize, 0, 2},
      {"oversize after good",
       {cat({frame("ok"), Bytes{0xff, 0xff}})},
       16,
       {"ok"},
       FrameError::kOversize,
       0,
       2},
      {"oversize header split", {Bytes{0x01}, Bytes{0x00}}, 16, {}, FrameError::kOversize, 0, 2},
      {"empty feed", {Bytes{}}, 16, {}, FrameError::kNone, 0, 0},
  };
  for (const auto& c : cases) {
    FrameDecoder d(c.max_frame);
    std::vector<std::string> got;
    FrameError err = FrameError::kNone;
    for (const auto& chunk : c.chunks) {
      err = d.feed(chunk, [&](const uint8_t* p, size_t n) {
        got.emplace_back(reinterpret_cast<const char*>(p), n);
      });
      if (err != FrameError::kNone) break;
    }
    EXPECT_EQ(got, c.want) << c.name;
    EXPECT_EQ(err, c.error) << c.name;
    EXPECT_EQ(d.failed(), c.error != FrameError::kNone) << c.name;
    EXPECT_EQ(d.emptyFrames(), c.empty) << c.name;
    EXPECT_EQ(d.pending(), c.pending) << c.name;
    EXPECT_EQ(d.frames(), c.want.size()) << c.name;
  }
}

TEST(FrameDecoder, StaysFailedAfterOversize) {
  FrameDecoder d(4);
  int calls = 0;
  auto count = [&](const uint8_t*, size_t) { ++calls; };
  EXPECT_EQ(d.feed(frame("too long"), count), FrameError::kOversize);
  EXPECT_EQ(d.feed(frame("ok"), count), FrameError::kOversize);
  EXPECT_EQ(calls, 0);
}

TEST(FrameDecoder, LargeFrameAcrossManyReadsMatchesInput) {
  std::string payload(1400, '\0');
  for (size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<char>(i * 7);
  Bytes stream = cat({frame(payload), frame(payload), frame("tail")});
  FrameDecoder d(2048);
  std::vector<std::string> got;
  for (size_t off = 0; off < stream.size(); off += 333) {
    size_t n = std::min<size_t>(333, stream.size() - off);
    d.feed(std::span<const uint8_t>(stream.data() + off, n), [&](const uint8_t* p, size_t len) {
      got.emplace_back(reinterpret_cast<const char*>(p), len);
    });
  }
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0], payload);
  EXPECT_EQ(got[1], payload);
  EXPECT_EQ(got[2], "tail");
}

TEST(FrameHeader, EncodeBounds) {
  uint8_t h[2];
  EXPECT_TRUE(encodeFrameHeader(0x1234, h));
  EXPECT_EQ(h[0], 0x12);
  EXPECT_EQ(h[1], 0x34);
  EXPECT_TRUE(encodeFrameHeader(65535, h));
  EXPECT_FALSE(encodeFrameHeader(65536, h));
}

}  // namespace
}  // namespace sfu::net
