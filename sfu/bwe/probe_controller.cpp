#include "sfu/bwe/probe_controller.h"

#include <algorithm>
#include <climits>

namespace sfu::bwe {

const char* toString(ProbeResult::Outcome outcome) {
  switch (outcome) {
    case ProbeResult::Outcome::kSuccess:
      return "success";
    case ProbeResult::Outcome::kTooSlow:
      return "too_slow";
    case ProbeResult::Outcome::kLost:
      return "lost";
    case ProbeResult::Outcome::kTimeout:
      return "timeout";
  }
  return "?";
}

ProbeController::ProbeController(const ProbeConfig& config)
    : config_(config), retry_us_(config.min_retry_us) {}

bool ProbeController::request(uint64_t target_bps, uint64_t success_bps, uint64_t media_bps,
                              int64_t now_us) {
  if (phase_ != Phase::kIdle || now_us < next_allowed_us_ || target_bps <= media_bps) {
    ++stats_.refused;
    return false;
  }
  // The padding alone runs at the target: forwarded media comes in frame bursts, so over a
  // cluster of a few tens of milliseconds it may add little or a lot; it only adds on top.
  const uint64_t padding_bps = target_bps;
  // Bytes the padding must carry over the cluster; spread over at least min_packets packets.
  const double total_bytes =
      static_cast<double>(padding_bps) * static_cast<double>(config_.duration_us) / 8e6;
  size_t size = config_.packet_size;
  if (total_bytes / static_cast<double>(size) < static_cast<double>(config_.min_packets)) {
    size = std::max(config_.min_packet_size,
                    static_cast<size_t>(total_bytes / static_cast<double>(config_.min_packets)));
  }
  size_t packets = static_cast<size_t>(total_bytes / static_cast<double>(size) + 0.5);
  packets = std::clamp(packets, config_.min_packets, config_.max_packets);

  phase_ = Phase::kSending;
  cluster_ = next_cluster_++;
  if (next_cluster_ == INT_MAX) next_cluster_ = 0;
  target_bps_ = target_bps;
  success_bps_ = success_bps;
  packet_size_ = size;
  packets_left_ = packets;
  // Space the packets so the padding alone runs at padding_bps.
  interval_us_ = std::max<int64_t>(
      1, static_cast<int64_t>(static_cast<double>(size) * 8e6 / static_cast<double>(padding_bps)));
  next_send_us_ = now_us;
  first_seq_ = last_seq_ = -1;
  reported_ = received_ = sent_bytes_ = received_bytes_ = 0;
  first_send_us_ = last_send_us_ = first_arrival_us_ = last_arrival_us_ = 0;
  last_send_size_ = first_arrival_size_ = 0;
  ++stats_.started;
  return true;
}

bool ProbeController::poll(int64_t now_us, ProbePacket& out) {
  if (phase_ != Phase::kSending || packets_left_ == 0 || now_us < next_send_us_) return false;
  out.cluster = cluster_;
  out.size = packet_size_;
  --packets_left_;
  next_send_us_ += interval_us_;
  // Fell behind (a late timer): do not burst more than one extra packet to catch up.
  if (next_send_us_ < now_us - interval_us_) next_send_us_ = now_us;
  return true;
}

int64_t ProbeController::nextPacketUs() const {
  return phase_ == Phase::kSending && packets_left_ > 0 ? next_send_us_ : INT64_MAX;
}

void ProbeController::onProbeSent(int cluster, int64_t seq, int64_t send_us) {
  if (phase_ != Phase::kSending || cluster != cluster_) return;
  if (first_seq_ < 0) first_seq_ = seq;
  last_seq_ = seq;
  last_sent_us_ = send_us;
  ++stats_.packets;
  stats_.bytes += packet_size_;
  if (packets_left_ == 0) phase_ = Phase::kMeasuring;
}

void ProbeController::onPacketResult(const PacketResult& r) {
  if (phase_ == Phase::kIdle || first_seq_ < 0 || r.seq < first_seq_) return;
  if (phase_ == Phase::kMeasuring && r.seq > last_seq_) return;
  ++reported_;
  if (reported_ == 1 || r.send_us < first_send_us_) first_send_us_ = r.send_us;
  if (reported_ == 1 || r.send_us >= last_send_us_) {
    last_send_us_ = r.send_us;
    last_send_size_ = r.size;
  }
  sent_bytes_ += r.size;
  if (!r.received()) return;
  ++received_;
  received_bytes_ += r.size;
  if (received_ == 1 || r.arrival_us < first_arrival_us_) {
    first_arrival_us_ = r.arrival_us;
    first_arrival_size_ = r.size;
  }
  if (received_ == 1 || r.arrival_us > last_arrival_us_) last_arrival_us_ = r.arrival_us;
}

ProbeResult ProbeController::finish(ProbeResult::Outcome outcome, uint64_t send_bps,
                                    uint64_t receive_bps, int64_t now_us) {
  ProbeResult r;
  r.cluster = cluster_;
  r.target_bps = target_bps_;
  r.success_bps = success_bps_;
  r.send_bps = send_bps;
  r.receive_bps = receive_bps;
  r.measured_bps = std::min(send_bps, receive_bps);
  r.packets = static_cast<uint32_t>(reported_);
  r.outcome = outcome;
  phase_ = Phase::kIdle;
  ++stats_.outcomes[static_cast<size_t>(outcome)];
  if (r.success()) {
    ++stats_.succeeded;
    retry_us_ = config_.min_retry_us;
    next_allowed_us_ = now_us + config_.min_gap_us;
  } else {
    ++stats_.failed;
    next_allowed_us_ = now_us + retry_us_;
    retry_us_ = std::min(retry_us_ * 2, config_.max_retry_us);
  }
  return r;
}

std::optional<ProbeResult> ProbeController::takeResult(int64_t now_us) {
  if (phase_ != Phase::kMeasuring) return std::nullopt;
  const auto span = static_cast<uint64_t>(last_seq_ - first_seq_ + 1);
  if (reported_ < span) {
    if (now_us - last_sent_us_ < config_.result_timeout_us) return std::nullopt;
    return finish(ProbeResult::Outcome::kTimeout, 0, 0, now_us);
  }
  if (static_cast<double>(received_) < config_.min_received_fraction * static_cast<double>(span)) {
    return finish(ProbeResult::Outcome::kLost, 0, 0, now_us);
  }
  uint64_t send_bps = 0, recv_bps = 0;
  if (last_send_us_ > first_send_us_) {
    send_bps = (sent_bytes_ - last_send_size_) * 8'000'000 /
               static_cast<uint64_t>(last_send_us_ - first_send_us_);
  }
  if (last_arrival_us_ > first_arrival_us_) {
    recv_bps = (received_bytes_ - first_arrival_size_) * 8'000'000 /
               static_cast<uint64_t>(last_arrival_us_ - first_arrival_us_);
  }
  const uint64_t measured = std::min(send_bps, recv_bps);
  return finish(
      measured >= success_bps_ ? ProbeResult::Outcome::kSuccess : ProbeResult::Outcome::kTooSlow,
      send_bps, recv_bps, now_us);
}

}  // namespace sfu::bwe
