#include "sfu/bwe/inter_arrival.h"

namespace sfu::bwe {

void InterArrival::reset() {
  current_ = Group{};
  previous_ = Group{};
  ++resets_;
}

bool InterArrival::belongsToGroup(int64_t send_us, int64_t arrival_us) const {
  // §5.2: sent within burst_time of the group's first packet.
  if (send_us - current_.first_send_us <= kBurstUs) return true;
  // §5.2: arrived within burst_time of the previous packet and with d(i) < 0, i.e. it caught up
  // with the group in a queue; bounded so a long backlog does not become one endless group.
  const int64_t arrival_delta = arrival_us - current_.last_arrival_us;
  const int64_t send_delta = send_us - current_.last_send_us;
  return arrival_delta <= kBurstUs && arrival_delta - send_delta < 0 &&
         arrival_us - current_.first_arrival_us < kMaxBurstDurationUs;
}

bool InterArrival::onPacket(int64_t send_us, int64_t arrival_us, size_t size, GroupDelta& out) {
  const auto bytes = static_cast<int64_t>(size);
  if (current_.empty()) {
    current_ = Group{send_us, send_us, arrival_us, arrival_us, bytes};
    return false;
  }
  // Reordered: sent before the current group started; its delay says nothing new.
  if (send_us < current_.first_send_us) return false;

  if (belongsToGroup(send_us, arrival_us)) {
    if (send_us > current_.last_send_us) current_.last_send_us = send_us;
    if (arrival_us > current_.last_arrival_us) current_.last_arrival_us = arrival_us;
    current_.size += bytes;
    return false;
  }

  bool produced = false;
  if (!previous_.empty()) {
    const int64_t send_delta = current_.last_send_us - previous_.last_send_us;
    const int64_t arrival_delta = current_.last_arrival_us - previous_.last_arrival_us;
    if (arrival_delta < 0 || arrival_delta - send_delta > kArrivalJumpUs) {
      reset();
      current_ = Group{send_us, send_us, arrival_us, arrival_us, bytes};
      return false;
    }
    out.send_delta_us = send_delta;
    out.arrival_delta_us = arrival_delta;
    out.arrival_us = current_.last_arrival_us;
    out.size_delta = current_.size - previous_.size;
    produced = true;
  }
  previous_ = current_;
  current_ = Group{send_us, send_us, arrival_us, arrival_us, bytes};
  return produced;
}

}  // namespace sfu::bwe
