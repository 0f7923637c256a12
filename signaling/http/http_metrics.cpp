#include "signaling/http/http_metrics.h"

#include "sfu/metrics/registry.h"

namespace signaling::http {

HttpMetrics& HttpMetrics::instance() {
  static HttpMetrics metrics;
  return metrics;
}

HttpMetrics::HttpMetrics() {
  auto& registry = sfu::metrics::registry();
  requests_ = &prometheus::BuildCounter()
                   .Name("sfu_http_requests_total")
                   .Help("HTTP requests by route pattern and status code")
                   .Register(registry);
  duration_ = &prometheus::BuildHistogram()
                   .Name("sfu_http_request_duration_seconds")
                   .Help("HTTP request handling time (request read to response written)")
                   .Register(registry);
  connections_ = &prometheus::BuildGauge()
                      .Name("sfu_http_connections")
                      .Help("Open HTTP and WebSocket connections")
                      .Register(registry)
                      .Add({});
  rejected_ = &prometheus::BuildCounter()
                   .Name("sfu_http_connections_rejected_total")
                   .Help("Connections closed at accept because of the connection limit")
                   .Register(registry)
                   .Add({});
}

void HttpMetrics::observe(std::string_view route, unsigned status, double seconds) {
  static const prometheus::Histogram::BucketBoundaries kBuckets = {
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};
  const std::string route_label(route);
  // Family::Add looks the series up under the family's lock: fine at control-plane rates.
  requests_->Add({{"route", route_label}, {"code", std::to_string(status)}}).Increment();
  duration_->Add({{"route", route_label}}, kBuckets).Observe(seconds);
}

}  // namespace signaling::http
