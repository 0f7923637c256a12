#include "signaling/calls/call_metrics.h"

#include <prometheus/registry.h>

#include "sfu/metrics/registry.h"

namespace signaling::calls {

CallMetrics& CallMetrics::get() {
  static CallMetrics m = [] {
    auto& r = sfu::metrics::registry();
    auto& live = prometheus::BuildGauge()
                     .Name("signaling_calls_live")
                     .Help("Calls ringing or active")
                     .Register(r);
    return CallMetrics{
        prometheus::BuildCounter()
            .Name("signaling_calls_started_total")
            .Help("Calls initiated, by mode")
            .Register(r),
        prometheus::BuildCounter()
            .Name("signaling_calls_finished_total")
            .Help("Calls finished, by final status")
            .Register(r),
        live.Add({}),
        prometheus::BuildCounter()
            .Name("signaling_rate_limited_total")
            .Help("Requests refused by a rate limit, by scope")
            .Register(r),
        prometheus::BuildCounter()
            .Name("signaling_auth_failures_total")
            .Help("Refused JWTs, by reason")
            .Register(r),
        prometheus::BuildCounter()
            .Name("signaling_socket_events_total")
            .Help("Socket.IO events handled by the call logic, by event")
            .Register(r),
    };
  }();
  return m;
}

}  // namespace signaling::calls
