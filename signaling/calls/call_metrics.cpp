#include "signaling/calls/call_metrics.h"

#include <prometheus/registry.h>

#include "sfu/metrics/registry.h"

namespace signaling::calls {

CallMetrics& CallMetrics::get() {
  static CallMetrics m = [] {
    auto& r = sfu::metrics::registry();
    auto& calls = prometheus::BuildGauge()
                      .Name("sfu_calls")
                      .Help("Live calls by mode (p2p, sfu) and state (ringing, active)")
                      .Register(r);
    auto& participants = prometheus::BuildGauge()
                             .Name("sfu_call_participants")
                             .Help("Joined participants of live calls")
                             .Register(r);
    auto& started = prometheus::BuildCounter()
                        .Name("sfu_calls_started_total")
                        .Help("Calls initiated, by mode")
                        .Register(r);
    auto& finished = prometheus::BuildCounter()
                         .Name("sfu_calls_finished_total")
                         .Help("Calls finished, by mode and final status")
                         .Register(r);
    auto& quality = prometheus::BuildCounter()
                        .Name("sfu_quality_reports_total")
                        .Help(
                            "Client quality reports, by metric (video, audio, connection) and "
                            "rating (good, fair, poor)")
                        .Register(r);
    auto& issues = prometheus::BuildCounter()
                       .Name("sfu_quality_issues_total")
                       .Help(
                           "Issues named in client quality reports (unknown names count as "
                           "\"other\")")
                       .Register(r);
    // Series that exist from the start, so dashboards show zeros rather than gaps.
    for (const char* mode : {"p2p", "sfu"}) {
      started.Add({{"mode", mode}});
      for (const char* state : {"ringing", "active"}) calls.Add({{"mode", mode}, {"state", state}});
    }
    for (const char* metric : {"video", "audio", "connection"}) {
      for (const char* rating : {"good", "fair", "poor"}) {
        quality.Add({{"metric", metric}, {"rating", rating}});
      }
    }
    for (auto issue : kQualityIssues) issues.Add({{"issue", std::string(issue)}});
    issues.Add({{"issue", "other"}});
    return CallMetrics{
        started,
        finished,
        calls,
        participants.Add({}),
        prometheus::BuildHistogram()
            .Name("sfu_call_duration_seconds")
            .Help("Duration of answered calls (answer to end), by mode")
            .Register(r),
        quality,
        issues,
        prometheus::BuildCounter()
            .Name("sfu_rate_limited_total")
            .Help("Requests refused by a rate limit, by scope")
            .Register(r),
        prometheus::BuildCounter()
            .Name("sfu_auth_failures_total")
            .Help("Refused JWTs, by reason")
            .Register(r),
        prometheus::BuildCounter()
            .Name("sfu_call_socket_events_total")
            .Help("Socket.IO call events handled by the call logic, by event")
            .Register(r),
    };
  }();
  return m;
}

void CallMetrics::track(CallGaugeShare& share, const std::string& mode, const std::string& state,
                        size_t participants_now) {
  if (share.mode != mode || share.state != state) {
    if (!share.mode.empty()) calls.Add({{"mode", share.mode}, {"state", share.state}}).Decrement();
    if (!mode.empty()) calls.Add({{"mode", mode}, {"state", state}}).Increment();
    share.mode = mode;
    share.state = state;
  }
  if (share.participants != participants_now) {
    participants.Increment(static_cast<double>(participants_now) -
                           static_cast<double>(share.participants));
    share.participants = participants_now;
  }
}

void CallMetrics::callFinished(const store::CallRecord& rec) {
  finished.Add({{"mode", rec.mode}, {"status", rec.status}}).Increment();
  if (rec.answered_at_ms && rec.duration_s) {
    static const prometheus::Histogram::BucketBoundaries kBuckets = {
        5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200};
    duration.Add({{"mode", rec.mode}}, kBuckets).Observe(*rec.duration_s);
  }
}

void CallMetrics::qualityReport(const store::QualityReport& report) {
  auto count = [&](const char* metric, const std::optional<std::string>& rating) {
    if (rating) quality.Add({{"metric", metric}, {"rating", *rating}}).Increment();
  };
  count("video", report.video_quality);
  count("audio", report.audio_quality);
  count("connection", report.connection_quality);
  for (const auto& issue : report.issues) {
    issues.Add({{"issue", std::string(issueLabel(issue))}}).Increment();
  }
}

std::string_view CallMetrics::issueLabel(std::string_view issue) {
  for (auto known : kQualityIssues) {
    if (known == issue) return known;
  }
  return "other";
}

}  // namespace signaling::calls
