// Pre-filtering of the delay-based controller (draft-ietf-rmcat-gcc-02 §5.1-5.2): packets sent
// within a burst_time (5 ms) of the first packet of their group form one group; a packet that
// arrives within burst_time of the previous one and with a negative delay variation also joins the
// current group (a burst released by a queue at once). Completed consecutive groups yield the
// inter-departure and inter-arrival times whose difference d(i) the trendline filter consumes.
#pragma once

#include <cstddef>
#include <cstdint>

namespace sfu::bwe {

struct GroupDelta {
  int64_t send_delta_us = 0;     // T(i) - T(i-1): last send times of the two groups
  int64_t arrival_delta_us = 0;  // t(i) - t(i-1): last arrival times
  int64_t arrival_us = 0;        // last arrival of group i (receiver clock)
  int64_t size_delta = 0;        // bytes(i) - bytes(i-1)
};

class InterArrival {
 public:
  static constexpr int64_t kBurstUs = 5'000;
  static constexpr int64_t kMaxBurstDurationUs = 100'000;
  // An arrival clock jump larger than this (receiver restart, clock step) resets the groups.
  static constexpr int64_t kArrivalJumpUs = 3'000'000;

  // Feeds one received packet (results in send order). Returns true and fills `out` when the
  // packet closed a group and that group has a predecessor to compare with.
  bool onPacket(int64_t send_us, int64_t arrival_us, size_t size, GroupDelta& out);
  void reset();
  uint64_t resets() const { return resets_; }

 private:
  struct Group {
    int64_t first_send_us = -1;
    int64_t last_send_us = 0;
    int64_t first_arrival_us = 0;
    int64_t last_arrival_us = 0;
    int64_t size = 0;
    bool empty() const { return first_send_us < 0; }
  };

  bool belongsToGroup(int64_t send_us, int64_t arrival_us) const;

  Group current_;
  Group previous_;
  uint64_t resets_ = 0;
};

}  // namespace sfu::bwe
