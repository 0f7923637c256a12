#include "rtp/rtp/rtp_packet.h"

#include <cstring>
#include <limits>

#include "rtp/rtp/header_extensions.h"

namespace rtp {

std::string_view toString(RtpParseError error) {
  switch (error) {
    case RtpParseError::kNone:
      return "none";
    case RtpParseError::kTooShort:
      return "too_short";
    case RtpParseError::kBadVersion:
      return "bad_version";
    case RtpParseError::kBadCsrcCount:
      return "bad_csrc_count";
    case RtpParseError::kBadExtensionLength:
      return "bad_extension_length";
    case RtpParseError::kBadPadding:
      return "bad_padding";
    case RtpParseError::kBadCapacity:
      return "bad_capacity";
  }
  return "unknown";
}

bool looksLikeRtcp(std::span<const uint8_t> bytes) {
  if (bytes.size() < 2 || (bytes[0] >> 6) != kRtpVersion) return false;
  // RFC 5761 §4: RTCP packet types 192..223 sit where RTP payload types 64..95 (with M) would.
  const uint8_t pt = bytes[1] & 0x7F;
  return pt >= 64 && pt <= 95;
}

RtpParseResult RtpPacket::parse(std::span<uint8_t> bytes) {
  return parse(bytes.data(), bytes.size(), bytes.size());
}

RtpParseResult RtpPacket::parse(uint8_t* data, size_t size, size_t capacity) {
  if (capacity < size) return RtpParseError::kBadCapacity;
  if (data == nullptr || size < kRtpFixedHeaderSize) return RtpParseError::kTooShort;
  if ((data[0] >> 6) != kRtpVersion) return RtpParseError::kBadVersion;

  RtpPacket p;
  p.data_ = data;
  p.size_ = size;
  p.capacity_ = capacity;
  size_t offset = kRtpFixedHeaderSize + 4 * size_t{p.csrcCount()};
  if (offset > size) return RtpParseError::kBadCsrcCount;

  if (p.hasExtension()) {
    // §5.3.1: 16-bit profile, 16-bit length in 32-bit words, then the data.
    if (offset + 4 > size) return RtpParseError::kBadExtensionLength;
    const size_t extSize = size_t{load16(data + offset + 2)} * 4;
    offset += 4;
    if (extSize > size - offset) return RtpParseError::kBadExtensionLength;
    p.extensionDataOffset_ = offset;
    p.extensionSize_ = extSize;
    offset += extSize;
  } else {
    p.extensionDataOffset_ = offset;
  }
  p.headerSize_ = offset;

  size_t padding = 0;
  if (p.hasPadding()) {
    // §5.1: the last octet counts the padding octets, itself included; a count of 0 or one
    // reaching into the header is invalid.
    if (size == offset) return RtpParseError::kBadPadding;
    padding = data[size - 1];
    if (padding == 0 || padding > size - offset) return RtpParseError::kBadPadding;
  }
  p.paddingSize_ = padding;
  p.payloadSize_ = size - offset - padding;
  return p;
}

uint16_t RtpPacket::extensionProfile() const {
  return hasExtension() ? load16(data_ + extensionDataOffset_ - 4) : 0;
}

bool RtpPacket::resizeExtension(uint16_t profile, size_t dataSize) {
  if (dataSize % 4 != 0 || dataSize / 4 > 0xFFFF) return false;
  const size_t blockStart = kRtpFixedHeaderSize + 4 * size_t{csrcCount()};
  const size_t oldTotal = hasExtension() ? 4 + extensionSize_ : 0;
  const size_t newTotal = 4 + dataSize;
  const size_t tail = size_ - headerSize_;  // payload + padding
  if (newTotal > oldTotal && newTotal - oldTotal > capacity_ - size_) return false;

  const size_t oldDataSize = hasExtension() ? extensionSize_ : 0;
  std::memmove(data_ + blockStart + newTotal, data_ + headerSize_, tail);
  if (dataSize > oldDataSize) {
    std::memset(data_ + blockStart + 4 + oldDataSize, 0, dataSize - oldDataSize);
  }
  data_[0] |= 0x10;
  store16(data_ + blockStart, profile);
  store16(data_ + blockStart + 2, static_cast<uint16_t>(dataSize / 4));
  extensionDataOffset_ = blockStart + 4;
  extensionSize_ = dataSize;
  headerSize_ = blockStart + newTotal;
  size_ = headerSize_ + tail;
  return true;
}

void RtpPacket::removeExtension() {
  if (!hasExtension()) return;
  const size_t blockStart = kRtpFixedHeaderSize + 4 * size_t{csrcCount()};
  const size_t tail = size_ - headerSize_;
  std::memmove(data_ + blockStart, data_ + headerSize_, tail);
  data_[0] &= static_cast<uint8_t>(~0x10);
  extensionDataOffset_ = blockStart;
  extensionSize_ = 0;
  headerSize_ = blockStart;
  size_ = headerSize_ + tail;
}

bool RtpPacket::setPayloadSize(size_t n) {
  if (n > capacity_ - headerSize_) return false;
  data_[0] &= static_cast<uint8_t>(~0x20);
  payloadSize_ = n;
  paddingSize_ = 0;
  size_ = headerSize_ + n;
  return true;
}

// ---------------------------------------------------------------------------------------------
// Builder

RtpPacketBuilder& RtpPacketBuilder::addExtension(uint8_t id, std::span<const uint8_t> value) {
  if (elementCount_ == kMaxExtensions) {
    tooManyElements_ = true;
    return *this;
  }
  elements_[elementCount_++] = Element{id, value};
  return *this;
}

RtpPacketBuilder& RtpPacketBuilder::setRawExtension(uint16_t profile,
                                                    std::span<const uint8_t> data) {
  rawExtension_ = true;
  rawProfile_ = profile;
  rawData_ = data;
  return *this;
}

size_t RtpPacketBuilder::extensionBlockSize() const {
  constexpr size_t kInvalid = std::numeric_limits<size_t>::max();
  if (tooManyElements_ || (rawExtension_ && elementCount_ > 0)) return kInvalid;
  if (rawExtension_) {
    return rawData_.size() % 4 == 0 && rawData_.size() / 4 <= 0xFFFF ? rawData_.size() : kInvalid;
  }
  bool twoByte = forceTwoByte_;
  size_t total = 0;
  for (size_t i = 0; i < elementCount_; ++i) {
    const Element& e = elements_[i];
    if (e.id == 0 || e.value.size() > kTwoByteMaxValueSize) return kInvalid;
    if (!fitsOneByteForm(e.id, e.value.size())) twoByte = true;
    total += e.value.size();
  }
  total += elementCount_ * (twoByte ? 2 : 1);
  return (total + 3) & ~size_t{3};
}

size_t RtpPacketBuilder::size() const {
  if (csrcs_.size() > kRtpMaxCsrcs) return 0;
  const size_t ext = extensionBlockSize();
  if (ext == std::numeric_limits<size_t>::max()) return 0;
  const bool hasExt = rawExtension_ || elementCount_ > 0;
  return kRtpFixedHeaderSize + 4 * csrcs_.size() + (hasExt ? 4 + ext : 0) + payload_.size() +
         paddingSize_;
}

RtpParseResult RtpPacketBuilder::build() const {
  if (csrcs_.size() > kRtpMaxCsrcs) return RtpParseError::kBadCsrcCount;
  const size_t ext = extensionBlockSize();
  if (ext == std::numeric_limits<size_t>::max()) return RtpParseError::kBadExtensionLength;
  const size_t total = size();
  if (total > buffer_.size()) return RtpParseError::kTooShort;

  uint8_t* out = buffer_.data();
  const bool hasExt = rawExtension_ || elementCount_ > 0;
  out[0] = static_cast<uint8_t>((kRtpVersion << 6) | (paddingSize_ ? 0x20 : 0) |
                                (hasExt ? 0x10 : 0) | csrcs_.size());
  out[1] = static_cast<uint8_t>((marker_ ? 0x80 : 0) | (payloadType_ & 0x7F));
  store16(out + 2, seq_);
  store32(out + 4, ts_);
  store32(out + 8, ssrc_);
  size_t offset = kRtpFixedHeaderSize;
  for (uint32_t csrc : csrcs_) {
    store32(out + offset, csrc);
    offset += 4;
  }
  if (hasExt) {
    std::span<uint8_t> block(out + offset + 4, ext);
    if (rawExtension_) {
      store16(out + offset, rawProfile_);
      if (!rawData_.empty()) std::memcpy(block.data(), rawData_.data(), rawData_.size());
    } else {
      bool twoByte = forceTwoByte_;
      for (size_t i = 0; i < elementCount_; ++i) {
        if (!fitsOneByteForm(elements_[i].id, elements_[i].value.size())) twoByte = true;
      }
      const ExtensionForm form = twoByte ? ExtensionForm::kTwoByte : ExtensionForm::kOneByte;
      store16(out + offset, twoByte ? kTwoByteExtensionProfile : kOneByteExtensionProfile);
      ExtensionBlockWriter writer(form, block);
      for (size_t i = 0; i < elementCount_; ++i) writer.add(elements_[i].id, elements_[i].value);
      if (writer.finish() != ext) return RtpParseError::kBadExtensionLength;
    }
    store16(out + offset + 2, static_cast<uint16_t>(ext / 4));
    offset += 4 + ext;
  }
  if (!payload_.empty()) std::memcpy(out + offset, payload_.data(), payload_.size());
  offset += payload_.size();
  if (paddingSize_ > 0) {
    std::memset(out + offset, 0, paddingSize_ - 1u);
    out[offset + paddingSize_ - 1] = paddingSize_;
    offset += paddingSize_;
  }
  return RtpPacket::parse(out, offset, buffer_.size());
}

}  // namespace rtp
