// Prometheus series of the HTTP server: requests by route pattern and status code, latency
// histograms by route, open connections. Route labels are patterns ("/api/webrtc/call/{id}"),
// never raw paths, so the label set stays small.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>

#include <string>
#include <string_view>

namespace signaling::http {

class HttpMetrics {
 public:
  static HttpMetrics& instance();

  void observe(std::string_view route, unsigned status, double seconds);
  void connectionOpened() { connections_->Increment(); }
  void connectionClosed() { connections_->Decrement(); }
  void connectionRejected() { rejected_->Increment(); }

 private:
  HttpMetrics();

  prometheus::Family<prometheus::Counter>* requests_;
  prometheus::Family<prometheus::Histogram>* duration_;
  prometheus::Gauge* connections_;
  prometheus::Counter* rejected_;
};

}  // namespace signaling::http
