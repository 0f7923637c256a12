// Prometheus series of the call logic, registered once in the process-wide registry. Names and
// labels are those of tests/deploy/metric-names.txt (the dashboard and alerts use them); label
// values come from fixed sets, never from ids or client text.
//
//   sfu_calls{mode,state}                 gauge    live calls; mode p2p|sfu, state ringing|active
//   sfu_call_participants                 gauge    joined participants of live calls
//   sfu_calls_started_total{mode}         counter
//   sfu_calls_finished_total{mode,status} counter  status ended|rejected|missed
//   sfu_call_duration_seconds{mode}       histogram answered calls, answer to end
//   sfu_quality_reports_total{metric,rating}  counter  metric video|audio|connection,
//                                                      rating good|fair|poor
//   sfu_quality_issues_total{issue}       counter  issue: kQualityIssues, else "other"
//   sfu_call_socket_events_total{event}   counter  call events handled (the call logic's view)
//   sfu_rate_limited_total{scope}         counter  scope initiate|rest|socket
//   sfu_auth_failures_total{reason}       counter  reason: jwtErrorName | reserved_user_id
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>

#include <array>
#include <string>
#include <string_view>

#include "signaling/store/call_store.h"

namespace signaling::calls {

// Issue names counted under their own label (the call guide's, plus common ones).
inline constexpr std::array<std::string_view, 8> kQualityIssues = {
    "audio_lag", "video_freeze", "connection_drop", "echo",
    "no_audio",  "no_video",     "poor_audio",      "poor_video",
};

// What one live call currently contributes to the gauges, so that a change is applied as a
// delta (several CallCores in one process, as in tests, add up instead of overwriting).
struct CallGaugeShare {
  std::string mode;   // empty: nothing counted
  std::string state;  // ringing | active
  size_t participants = 0;
};

struct CallMetrics {
  prometheus::Family<prometheus::Counter>& started;        // {mode}
  prometheus::Family<prometheus::Counter>& finished;       // {mode, status}
  prometheus::Family<prometheus::Gauge>& calls;            // {mode, state}
  prometheus::Gauge& participants;                         // joined, live calls
  prometheus::Family<prometheus::Histogram>& duration;     // {mode}
  prometheus::Family<prometheus::Counter>& quality;        // {metric, rating}
  prometheus::Family<prometheus::Counter>& issues;         // {issue}
  prometheus::Family<prometheus::Counter>& rate_limited;   // {scope}
  prometheus::Family<prometheus::Counter>& auth_failed;    // {reason}
  prometheus::Family<prometheus::Counter>& socket_events;  // {event}

  static CallMetrics& get();

  // Moves `share` to (mode, state, participants); an empty mode removes the call.
  void track(CallGaugeShare& share, const std::string& mode, const std::string& state,
             size_t participants);
  void untrack(CallGaugeShare& share) { track(share, "", "", 0); }
  void callFinished(const store::CallRecord& rec);
  void qualityReport(const store::QualityReport& report);
  static std::string_view issueLabel(std::string_view issue);
};

}  // namespace signaling::calls
