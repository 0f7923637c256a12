// Appends RTCP packets into a caller's buffer, forming a compound (RFC 3550 §6.1). Every message
// type in this folder is a small description struct with size() (0 when it cannot be encoded)
// and write(out) (writes exactly size() bytes, length field included); the builder checks room.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <span>

namespace rtp::rtcp {

template <typename T>
concept RtcpMessage = requires(const T& message, uint8_t* out) {
  { message.size() } -> std::convertible_to<size_t>;
  message.write(out);
};

// An already-encoded packet copied as is (APP or unknown feedback forwarded unchanged).
struct RawPacket {
  std::span<const uint8_t> bytes;
  size_t size() const { return bytes.size() % 4 == 0 ? bytes.size() : 0; }
  void write(uint8_t* out) const;
};

class CompoundBuilder {
 public:
  explicit CompoundBuilder(std::span<uint8_t> out) : out_(out) {}

  // Appends one packet. False, buffer unchanged, when it does not fit or cannot be encoded.
  template <RtcpMessage T>
  bool add(const T& message) {
    const size_t n = message.size();
    if (n == 0 || n > out_.size() - size_) return false;
    message.write(out_.data() + size_);
    last_ = size_;
    size_ += n;
    ++count_;
    return true;
  }

  // Pads the last packet with `bytes` octets (a multiple of 4, 4..252) and sets its P bit
  // (RFC 3550 §6.4.1), e.g. to a cipher block size. Call after the last add().
  bool padLast(size_t bytes);

  std::span<const uint8_t> bytes() const { return {out_.data(), size_}; }
  size_t size() const { return size_; }
  size_t packetCount() const { return count_; }
  size_t remaining() const { return out_.size() - size_; }
  void clear() { size_ = last_ = count_ = 0; }

 private:
  std::span<uint8_t> out_;
  size_t size_ = 0;
  size_t last_ = 0;
  size_t count_ = 0;
};

}  // namespace rtp::rtcp
