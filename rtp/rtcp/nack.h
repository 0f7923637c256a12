// Generic NACK, RTPFB FMT 1 (RFC 4585 §6.2.1).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "rtp/common/byte_io.h"
#include "rtp/rtcp/common_header.h"
#include "rtp/rtcp/parse_result.h"

namespace rtp::rtcp {

// Feedback header (RFC 4585 §6.1) followed by one or more FCI entries:
//
//   0                   1                   2                   3
//   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |            PID                |             BLP               |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// PID is a lost sequence number; bit i of BLP (LSB = 0) reports PID + i + 1 lost too.
struct NackItem {
  uint16_t pid = 0;
  uint16_t blp = 0;
  bool operator==(const NackItem&) const = default;
};

class NackView {
 public:
  static ParseResult<NackView> parse(const PacketView& packet);

  uint32_t senderSsrc() const { return load32(&body_[0]); }
  uint32_t mediaSsrc() const { return load32(&body_[4]); }
  size_t itemCount() const { return (body_.size() - 8) / 4; }
  NackItem item(size_t i) const;  // i < itemCount()

  // f(uint16_t seq) for every sequence number reported lost, in packet order.
  template <typename F>
  void forEachLost(F&& f) const {
    for (size_t i = 0; i < itemCount(); ++i) {
      const NackItem entry = item(i);
      f(entry.pid);
      for (int bit = 0; bit < 16; ++bit) {
        if ((entry.blp >> bit) & 1) f(static_cast<uint16_t>(entry.pid + bit + 1));
      }
    }
  }
  // Copies up to out.size() lost sequence numbers into out; returns how many were copied.
  size_t lostSeqs(std::span<uint16_t> out) const;

 private:
  std::span<const uint8_t> body_;
};

struct Nack {
  uint32_t sender_ssrc = 0;
  uint32_t media_ssrc = 0;
  std::span<const NackItem> items;  // at least one

  size_t size() const;
  void write(uint8_t* out) const;
};

// Packs sequence numbers, ascending in RTP order (wrap allowed, duplicates skipped), into PID+BLP
// items. Writes at most out.size() items; `consumed` (optional) receives how many seqs fit.
size_t packNackItems(std::span<const uint16_t> seqs, std::span<NackItem> out,
                     size_t* consumed = nullptr);

}  // namespace rtp::rtcp
