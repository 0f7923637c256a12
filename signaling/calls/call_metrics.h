// Prometheus series of the call logic, registered once in the process-wide registry.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>

#include <string>

namespace signaling::calls {

struct CallMetrics {
  prometheus::Family<prometheus::Counter>& started;        // {mode}
  prometheus::Family<prometheus::Counter>& finished;       // {status}
  prometheus::Gauge& live;                                 // ringing + active calls
  prometheus::Family<prometheus::Counter>& rate_limited;   // {scope}
  prometheus::Family<prometheus::Counter>& auth_failed;    // {reason}
  prometheus::Family<prometheus::Counter>& socket_events;  // {event}

  static CallMetrics& get();
};

}  // namespace signaling::calls
