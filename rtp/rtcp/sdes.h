// Source description, RTCP PT 202 (RFC 3550 §6.5).
#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <optional>
#include <span>
#include <string_view>

#include "rtp/rtcp/common_header.h"
#include "rtp/rtcp/parse_result.h"

namespace rtp::rtcp {

//   0                   1                   2                   3
//   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |V=2|P|    SC   |  PT=SDES=202  |             length            |
//  +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
//  |                          SSRC/CSRC_1                          |   chunk 1
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |     type      |     length    |  text (length octets) ...     |   item
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |  ... more items ...  |  0 (END)  | null padding to 32 bits    |
//  +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
//  |                          SSRC/CSRC_2 ...                      |   chunk 2
//
// Each chunk starts on a 32-bit boundary; its item list ends with at least one null octet.
enum class SdesType : uint8_t {
  kEnd = 0,
  kCname = 1,
  kName = 2,
  kEmail = 3,
  kPhone = 4,
  kLoc = 5,
  kTool = 6,
  kNote = 7,
  kPriv = 8,
};

struct SdesItem {
  uint8_t type = 0;  // SdesType value; unknown types are kept as they are
  std::string_view text;
};

// Iterates the items of one validated chunk.
class SdesItemRange {
 public:
  class Iterator {
   public:
    using iterator_category = std::input_iterator_tag;
    using value_type = SdesItem;
    using difference_type = std::ptrdiff_t;
    using pointer = void;
    using reference = SdesItem;

    Iterator() = default;
    explicit Iterator(const uint8_t* p) : p_(p) {}
    SdesItem operator*() const;
    Iterator& operator++();
    Iterator operator++(int) {
      Iterator before = *this;
      ++*this;
      return before;
    }
    bool operator==(const Iterator& other) const { return p_ == other.p_; }

   private:
    const uint8_t* p_ = nullptr;
  };
  explicit SdesItemRange(std::span<const uint8_t> items) : items_(items) {}
  Iterator begin() const { return Iterator(items_.data()); }
  Iterator end() const { return Iterator(items_.data() + items_.size()); }

 private:
  std::span<const uint8_t> items_;  // items only, terminator excluded
};

class SdesView {
 public:
  static ParseResult<SdesView> parse(const PacketView& packet);

  size_t chunkCount() const { return count_; }
  // f(uint32_t ssrc, SdesItemRange items) for each chunk in order.
  template <typename F>
  void forEachChunk(F&& f) const {
    size_t offset = 0;
    for (size_t i = 0; i < count_; ++i) {
      const auto chunk = readChunk(offset);
      f(chunk.ssrc, SdesItemRange(chunk.items));
      offset = chunk.next;
    }
  }
  // The CNAME of `ssrc`, or of the first chunk carrying one when ssrc is empty.
  std::optional<std::string_view> cname(std::optional<uint32_t> ssrc = std::nullopt) const;

 private:
  struct Chunk {
    uint32_t ssrc;
    std::span<const uint8_t> items;
    size_t next;
  };
  Chunk readChunk(size_t offset) const;  // offset of a validated chunk

  std::span<const uint8_t> body_;
  size_t count_ = 0;
};

struct SdesChunk {
  uint32_t ssrc = 0;
  std::span<const SdesItem> items;  // each text at most 255 octets
};

struct Sdes {
  std::span<const SdesChunk> chunks;  // at most 31

  size_t size() const;
  void write(uint8_t* out) const;
};

// The common case: one chunk with one CNAME item (RFC 3550 §6.5.1), no storage needed.
struct CnameSdes {
  uint32_t ssrc = 0;
  std::string_view cname;

  size_t size() const;
  void write(uint8_t* out) const;
};

}  // namespace rtp::rtcp
