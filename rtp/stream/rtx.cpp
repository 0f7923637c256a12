#include "rtp/stream/rtx.h"

#include <cstring>

#include "rtp/common/byte_io.h"
#include "rtp/stream/rtp_header_bytes.h"

namespace rtp::stream {
namespace {

RtxError toRtxError(detail::RtpLayoutError error) {
  switch (error) {
    case detail::RtpLayoutError::kBadVersion:
      return RtxError::kBadVersion;
    case detail::RtpLayoutError::kBadPadding:
      return RtxError::kBadPadding;
    case detail::RtpLayoutError::kTruncated:
      break;
  }
  return RtxError::kTruncated;
}

RtxResult failure(RtxError error) { return {0, error}; }

void setHeader(uint8_t* p, uint8_t payload_type, uint16_t seq, uint32_t ssrc) {
  p[0] &= static_cast<uint8_t>(~0x20u);  // P cleared: padding was removed
  p[1] = static_cast<uint8_t>((p[1] & 0x80) | (payload_type & 0x7F));  // keep the marker bit
  store16(p + 2, seq);
  store32(p + 8, ssrc);
}

}  // namespace

const char* toString(RtxError error) {
  switch (error) {
    case RtxError::kTruncated:
      return "truncated";
    case RtxError::kBadVersion:
      return "bad_version";
    case RtxError::kBadPadding:
      return "bad_padding";
    case RtxError::kNoCapacity:
      return "no_capacity";
    case RtxError::kNoOsn:
      return "no_osn";
  }
  return "unknown";
}

RtxResult rtxWrap(std::span<uint8_t> buf, size_t size, uint32_t rtx_ssrc, uint8_t rtx_payload_type,
                  uint16_t rtx_seq) {
  if (size > buf.size()) return failure(RtxError::kTruncated);
  detail::RtpLayoutError error{};
  const auto layout = detail::rtpLayout(buf.first(size), &error);
  if (!layout) return failure(toRtxError(error));
  const size_t unpadded = size - layout->padding;
  if (buf.size() - unpadded < kRtxOverhead) return failure(RtxError::kNoCapacity);

  uint8_t* p = buf.data();
  const uint16_t original_seq = load16(p + 2);
  const size_t payload = layout->payload_offset;
  std::memmove(p + payload + kRtxOverhead, p + payload, unpadded - payload);
  store16(p + payload, original_seq);
  setHeader(p, rtx_payload_type, rtx_seq, rtx_ssrc);
  return {unpadded + kRtxOverhead, std::nullopt};
}

RtxResult rtxUnwrap(std::span<uint8_t> buf, size_t size, uint32_t media_ssrc,
                    uint8_t media_payload_type) {
  if (size > buf.size()) return failure(RtxError::kTruncated);
  detail::RtpLayoutError error{};
  const auto layout = detail::rtpLayout(buf.first(size), &error);
  if (!layout) return failure(toRtxError(error));
  const size_t unpadded = size - layout->padding;
  const size_t payload = layout->payload_offset;
  if (unpadded - payload < kRtxOverhead) return failure(RtxError::kNoOsn);

  uint8_t* p = buf.data();
  const uint16_t original_seq = load16(p + payload);
  std::memmove(p + payload, p + payload + kRtxOverhead, unpadded - payload - kRtxOverhead);
  setHeader(p, media_payload_type, original_seq, media_ssrc);
  return {unpadded - kRtxOverhead, std::nullopt};
}

std::optional<uint16_t> rtxOriginalSeq(std::span<const uint8_t> packet) {
  const auto layout = detail::rtpLayout(packet);
  if (!layout) return std::nullopt;
  if (packet.size() - layout->padding - layout->payload_offset < kRtxOverhead) return std::nullopt;
  return load16(&packet[layout->payload_offset]);
}

}  // namespace rtp::stream
