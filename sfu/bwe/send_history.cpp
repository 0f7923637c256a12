#include "sfu/bwe/send_history.h"

#include <algorithm>
#include <bit>

#include "rtp/common/seq.h"

namespace sfu::bwe {

SendHistory::SendHistory(size_t capacity)
    : mask_(std::bit_ceil(std::max<size_t>(capacity, 64)) - 1) {}

uint16_t SendHistory::onPacketSent(int64_t send_us, size_t size, int cluster) {
  // The ring is allocated with the first transport-wide number: a subscriber that negotiated no
  // transport-cc never uses it (every later use is behind next_seq_ > 0).
  if (ring_.empty()) ring_.resize(mask_ + 1);
  const int64_t seq = next_seq_++;
  Entry& e = slot(seq);
  if (e.state == State::kSent) in_flight_bytes_ -= e.size;  // never reported: forget it
  e.seq = seq;
  e.send_us = send_us;
  e.size = static_cast<uint32_t>(std::min<size_t>(size, UINT32_MAX));
  e.cluster = cluster;
  e.state = State::kSent;
  in_flight_bytes_ += e.size;
  ++stats_.packets_sent;
  stats_.bytes_sent += e.size;
  return static_cast<uint16_t>(seq);
}

void SendHistory::beginFeedback(const rtp::rtcp::TwccView& feedback) {
  ++stats_.feedbacks;
  // §3.1: the reference time is a 24-bit count of 64 ms on the receiver's clock. Unwrap it against
  // the previous feedback's; feedback can come reordered, so the step may be negative.
  const uint32_t reference = feedback.referenceTime();
  if (!have_reference_) {
    have_reference_ = true;
    reference_us_ = static_cast<int64_t>(reference) * rtp::rtcp::kTwccReferenceTickUs;
  } else {
    reference_us_ += rtp::rtcp::TwccView::referenceDeltaUs(last_reference_, reference);
  }
  last_reference_ = reference;
}

bool SendHistory::match(const rtp::rtcp::TwccPacketStatus& status, PacketResult& out) {
  if (next_seq_ == 0) {
    ++stats_.unknown_seq;
    return false;
  }
  // The feedback's seqs are at or before the last one sent: place each in the cycle nearest it.
  const int64_t last = next_seq_ - 1;
  const int64_t seq = last + rtp::seqDiff(status.seq, static_cast<uint16_t>(last));
  if (seq > last || seq <= last - static_cast<int64_t>(mask_ + 1) || seq < 0) {
    ++stats_.unknown_seq;
    return false;
  }
  Entry& e = slot(seq);
  if (e.seq != seq || e.state == State::kEmpty) {
    ++stats_.unknown_seq;
    return false;
  }
  if (!status.received) {
    // A later report of loss does not undo an arrival (feedback packets may overlap).
    if (e.state != State::kSent) return false;
    e.state = State::kLost;
    in_flight_bytes_ -= e.size;
    ++stats_.reported_lost;
  } else {
    if (e.state == State::kReceived) {
      ++stats_.duplicates;
      return false;
    }
    if (e.state == State::kSent) in_flight_bytes_ -= e.size;
    e.state = State::kReceived;
    ++stats_.reported_received;
  }
  out.seq = seq;
  out.send_us = e.send_us;
  out.size = e.size;
  out.cluster = e.cluster;
  out.arrival_us =
      status.received ? reference_us_ + status.arrival_offset_us : PacketResult::kNotReceived;
  return true;
}

size_t SendHistory::onFeedback(const rtp::rtcp::TwccView& feedback, std::span<PacketResult> out) {
  size_t n = 0;
  onFeedback(feedback, [&](const PacketResult& r) {
    if (n < out.size()) out[n++] = r;
  });
  return n;
}

uint64_t SendHistory::sendRateBps(int64_t now_us, int64_t window_us) const {
  if (next_seq_ == 0 || window_us <= 0) return 0;
  const int64_t from = now_us - window_us;
  const int64_t oldest = std::max<int64_t>(0, next_seq_ - static_cast<int64_t>(mask_ + 1));
  uint64_t bytes = 0;
  for (int64_t seq = next_seq_ - 1; seq >= oldest; --seq) {
    const Entry& e = slot(seq);
    if (e.seq != seq || e.send_us <= from) break;
    if (e.send_us <= now_us) bytes += e.size;
  }
  return bytes * 8'000'000 / static_cast<uint64_t>(window_us);
}

}  // namespace sfu::bwe
